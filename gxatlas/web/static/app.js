/* gxatlas dashboard: plain JS, no build step, every asset served locally. */
"use strict";

const I18N = {
  zh: {
    brand: "广西产业图谱", search: "搜索", searchPlaceholder: "搜索园区、企业、项目、指标、政策…",
    token: "令牌", tabMap: "园区地图", tabTargets: "规划目标", tabChains: "产业链",
    tabPartners: "合作伙伴", tabDocuments: "文档", parks: "园区",
    mapHint: "圆点为园区，大小按规划产值；点击查看园区卡片。", region: "地区", allRegions: "全区",
    indicator: "指标", scope: "范围", baseline: "基期", target: "目标", latest: "最新实际",
    status: "状态", chain: "产业链", gaps: "缺口与候选来源", home: "本地城市", ranking: "排名与理由",
    upload: "上传", uploadKind: "类型", kindDocument: "规划文档 (txt/pdf/docx/html)",
    kindActuals: "实际值 (csv/xlsx)", kindRegistry: "企业名录 (csv/xlsx)", send: "上传",
    documents: "文档", pickDocument: "选择左侧文档查看其内容与事实。", save: "保存", cancel: "取消",
    tokenHelp: "上传需要写权限令牌 (gxatlas users add NAME --role write)。令牌仅保存在本浏览器会话中。",
    noResults: "没有找到结果", loading: "加载中…", noData: "暂无数据", facts: "事实与出处",
    relations: "关联", targets: "规划目标", enterprises: "企业", projects: "项目",
    plannedOutput: "规划产值", city: "城市", level: "级别", unavailable: "该功能尚未提供",
    noToken: "请先设置令牌", chooseFile: "请选择文件", queued: "已提交，处理中…",
    jobDone: "处理完成", jobFailed: "处理失败", observations: "实际值", notEvaluated: "未评估",
    score: "得分", reason: "理由", industries: "合作产业", distance: "距离",
    noChainTemplates: "没有可用的产业链模板", citedIn: "出处", located: "文中位置",
    unlocated: "未定位的事实", linkStrong: "强", linkPresent: "具备", linkWeak: "薄弱", linkMissing: "缺失",
    linkUnknown: "未分析", evaluation: "园区评价", findings: "审查发现", noFindings: "未发现问题", candidates: "候选来源", parksCount: "园区数",
    st_target_achieved: "已实现目标", st_substantial_progress: "显著进展",
    st_moderate_progress: "中等进展", st_limited_progress: "进展有限", st_deterioration: "倒退",
    st_not_available: "无法测算", st_unknown: "未评估", year: "年份",
    partnersRanked: "按产业数据排名", partnersNamed: "文件点名、缺少产业数据（只看联系）", basis: "数据依据",
    includePending: "包括待审核", legendSize: "大小（规划产值）", legendColour: "颜色（级别）", yi: "亿元",
    level_国家级: "国家级", level_自治区级: "自治区级", levelOther: "其他/未定级", placedCity: "空心：区县未知，画在城市中心附近", waitingReview: "另有 {n} 个指标待审核（低置信度或新实体），未列出。",
  },
  en: {
    brand: "Guangxi Industry Atlas", search: "Search", searchPlaceholder: "Search parks, firms, projects, indicators, policies…",
    token: "Token", tabMap: "Parks map", tabTargets: "Targets", tabChains: "Chains",
    tabPartners: "Partners", tabDocuments: "Documents", parks: "Parks",
    mapHint: "Dots are parks, sized by planned output; click one for its card.", region: "Region",
    allRegions: "All Guangxi", indicator: "Indicator", scope: "Scope", baseline: "Baseline",
    target: "Target", latest: "Latest actual", status: "Status", chain: "Chain",
    gaps: "Gaps and candidate sources", home: "Home city", ranking: "Ranking and reasons",
    upload: "Upload", uploadKind: "Kind", kindDocument: "Planning document (txt/pdf/docx/html)",
    kindActuals: "Actuals (csv/xlsx)", kindRegistry: "Enterprise registry (csv/xlsx)", send: "Upload",
    documents: "Documents", pickDocument: "Pick a document to see its text and facts.", save: "Save",
    cancel: "Cancel",
    tokenHelp: "Uploads need a token with write role (gxatlas users add NAME --role write). It is kept in this browser session only.",
    noResults: "No results", loading: "Loading…", noData: "No data yet", facts: "Facts and sources",
    relations: "Relations", targets: "Targets", enterprises: "Enterprises", projects: "Projects",
    plannedOutput: "Planned output", city: "City", level: "Level", unavailable: "Not available yet",
    noToken: "Set a token first", chooseFile: "Choose a file", queued: "Submitted, processing…",
    jobDone: "Done", jobFailed: "Failed", observations: "Actuals", notEvaluated: "Not evaluated",
    score: "Score", reason: "Reason", industries: "Industries", distance: "Distance",
    noChainTemplates: "No chain templates available", citedIn: "Source", located: "In text",
    unlocated: "Facts without a text span", linkStrong: "Strong", linkPresent: "Present", linkWeak: "Weak",
    linkMissing: "Missing", linkUnknown: "Not analysed", evaluation: "Park evaluation",
    findings: "Audit findings", noFindings: "No problems found", candidates: "Candidate sources",
    parksCount: "Parks",
    st_target_achieved: "Target achieved", st_substantial_progress: "Substantial progress",
    st_moderate_progress: "Moderate progress", st_limited_progress: "Limited progress",
    st_deterioration: "Deterioration", st_not_available: "Not available", st_unknown: "Not evaluated", year: "Year",
    partnersRanked: "Ranked on industry data", partnersNamed: "Named in documents, no industry data (ties only)", basis: "Data behind the score",
    includePending: "Include pending review", legendSize: "Size (planned output)", legendColour: "Colour (level)", yi: "100M yuan",
    level_国家级: "National", level_自治区级: "Regional", levelOther: "Other / unrated", placedCity: "Hollow: county unknown, near the city centre", waitingReview: "{n} more indicators wait for review (low confidence or new) and are not listed.",
  },
};
const FIELDS = {
  zh: { city: "城市", county: "区县", kind: "类型", level: "级别", class: "等级", area_km2: "面积 (平方公里)",
    tags: "标签", industries: "产业", full_name: "全称", credit_code: "统一社会信用代码", park: "园区",
    enterprise: "企业", investment: "投资 (亿元)", capacity: "产能", status: "状态", year: "年份",
    doc_number: "文号", title: "标题", issuer: "发文机关", date: "日期", scope: "范围", unit: "单位",
    category: "类别", attribute: "属性", comparator: "比较", baseline_year: "基期年",
    baseline_value: "基期值", target_year: "目标年", target_value: "目标值", plan: "规划",
    short_name: "简称", code: "代码", country: "国家", longitude: "经度", latitude: "纬度",
    source: "来源", format: "格式", length: "字数", key: "键", slug: "标识", gbt4754: "GB/T 4754",
    lower_is_better: "越低越好", variant: "字形", name: "名称", area: "面积", region: "地区",
    intensity: "产出强度", rank_city: "市内排名", rank_region: "全区排名", attainment: "目标完成",
    notes: "说明" },
  en: {},
};
const STATUS_COLORS = {
  target_achieved: "#1b7f46", substantial_progress: "#2e9e5b", moderate_progress: "#e0a100",
  limited_progress: "#e07000", deterioration: "#d64545", not_available: "#9ca3af", unknown: "#c4c9d0",
};
const LINK_COLORS = { strong: "#1a9850", present: "#91cf60", weak: "#fdae61", missing: "#d73027",
  unknown: "#9ca3af" };

const state = { lang: localStorage.getItem("gxatlas.lang") || "zh", charts: {}, loaded: {},
  params: {}, mapReady: null, cities: [] };
const t = (key) => (I18N[state.lang] && I18N[state.lang][key]) || I18N.zh[key] || key;
const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path, options) {
  const res = await fetch(path, options);
  let body = null;
  try { body = await res.json(); } catch (_err) { body = null; }
  if (!res.ok) {
    const detail = body && body.detail ? (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)) : res.statusText;
    const err = new Error(`${res.status} ${detail}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

function fmt(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("zh-CN") : value.toLocaleString("zh-CN", { maximumFractionDigits: 2 });
  if (Array.isArray(value)) return value.map(fmt).join("、");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function showNote(node, message) {
  node.hidden = !message;
  node.textContent = message || "";
}

function chart(id) {
  if (!state.charts[id]) state.charts[id] = echarts.init(document.getElementById(id));
  return state.charts[id];
}

/* ---------- i18n ---------- */
function applyLang() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t(n.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((n) => { n.placeholder = t(n.dataset.i18nPlaceholder); });
  $("#lang-button").textContent = state.lang === "zh" ? "EN" : "中文";
  document.title = `${t("brand")} gxatlas`;
  document.querySelectorAll(".region-select option[value='']").forEach((o) => { o.textContent = t("allRegions"); });
  $("#status-legend").replaceChildren(...Object.keys(STATUS_COLORS).flatMap((k) => [
    el("i", { class: "dot", style: `background:${STATUS_COLORS[k]}` }), el("span", {}, t(`st_${k}`))]));
}

/* ---------- views and URL hash routing ----------
 * A view is a tab: a <section id="tab-NAME"> with a button data-tab="NAME" in #tabs, and a
 * loader registered by registerView(NAME, loader). A view of its own file (loaded by
 * index.html after this one) calls registerView() at load time; the route is read once every
 * script has run (DOMContentLoaded). The URL hash names the view and its parameters, e.g.
 * #partners?home=柳州市 or #targets?region=南宁市, so any view can be linked and bookmarked:
 * changing the hash switches the view; a loader receives the parameters and may write its
 * own back with setViewParams() when the user changes a filter. */
const VIEWS = {};

function registerView(name, loader) {
  VIEWS[name] = loader;
}

function parseHash(hash) {
  const raw = (hash || "").replace(/^#/, "");
  const cut = raw.indexOf("?");
  const name = decodeURIComponent(cut < 0 ? raw : raw.slice(0, cut));
  const params = Object.fromEntries(new URLSearchParams(cut < 0 ? "" : raw.slice(cut + 1)));
  return { name, params };
}

function hashOf(name, params) {
  const query = new URLSearchParams(Object.entries(params || {}).filter(([, v]) => v !== null && v !== undefined && v !== "")).toString();
  return `#${name}${query ? `?${query}` : ""}`;
}

function currentView() {
  const active = document.querySelector("#tabs button.active");
  return active ? active.dataset.tab : "map";
}

/* The parameters of the active view as the URL shows them (replaces the history entry). */
function setViewParams(params) {
  const name = currentView();
  state.params[name] = { ...params };
  const next = hashOf(name, state.params[name]);
  if (location.hash !== next) history.replaceState(null, "", next);
  state.loaded[name] = next;
}

function viewParams(name) {
  return state.params[name] || {};
}

function openTab(name, params) {
  if (!VIEWS[name]) name = "map";
  if (params !== undefined) state.params[name] = params;
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  document.querySelectorAll(".tab").forEach((s) => s.classList.toggle("active", s.id === `tab-${name}`));
  const target = hashOf(name, viewParams(name));
  if (location.hash !== target) history.replaceState(null, "", target);
  if (state.loaded[name] !== target) {
    state.loaded[name] = target;
    Promise.resolve().then(() => VIEWS[name](viewParams(name))).catch((err) => {
      const section = document.getElementById(`tab-${name}`);
      section.prepend(el("div", { class: "empty" }, `${t("jobFailed")}: ${err.message}`));
      console.warn(err);
    });
  }
  Object.values(state.charts).forEach((c) => c.resize());
}

function route() {
  const { name, params } = parseHash(location.hash);
  openTab(VIEWS[name] ? name : "map", params);
}

/* ---------- maps ---------- */
async function registerMaps() {
  const [gx, asia] = await Promise.all([api("/static/geo/guangxi.json"), api("/static/geo/china_asean.json")]);
  echarts.registerMap("guangxi", gx);
  echarts.registerMap("china_asean", asia);
  state.cities = gx.features.map((f) => ({ name: f.properties.name, cp: f.properties.cp }));
}

/* Parks coloured by level, sized by planned output; a park whose county is unknown sits near
 * its city's centre and is drawn hollow. City names are a series of their own, drawn above
 * the dots, so no dot hides them. A legend below the map explains size, colour and hollow. */
const LEVEL_COLORS = { 国家级: "#c0392b", 自治区级: "#e67e22", other: "#2471a3" };
const SIZE_STEPS = [100, 500, 1500];

function parkSize(value, max) {
  return 6 + 22 * Math.sqrt(Math.max(0, value || 0) / max);
}

function mapLegend(max) {
  const sizes = SIZE_STEPS.filter((v) => v <= max * 1.05);
  return [
    el("span", { class: "legend-title" }, `${t("legendSize")}:`),
    ...sizes.map((v) => { const d = Math.round(parkSize(v, max)); return el("span", { class: "size-step" },
      el("i", { class: "bubble", style: `width:${d}px;height:${d}px` }), `${fmt(v)} ${t("yi")}`); }),
    el("span", { class: "legend-title" }, `${t("legendColour")}:`),
    ...Object.entries(LEVEL_COLORS).map(([k, c]) => el("span", { class: "size-step" },
      el("i", { class: "dot", style: `background:${c}` }), k === "other" ? t("levelOther") : t(`level_${k}`))),
    el("span", { class: "size-step" }, el("i", { class: "dot hollow" }), t("placedCity")),
  ];
}

async function loadMap() {
  await state.mapReady;
  const data = await api("/api/map/parks");
  const parks = data.parks.filter((p) => p.lon !== null);
  const max = Math.max(1, ...parks.map((p) => (p.planned_output ? p.planned_output.value : 0)));
  const levelOf = (p) => (LEVEL_COLORS[p.level] ? p.level : "other");
  const series = Object.keys(LEVEL_COLORS).map((level) => ({
    type: "scatter", coordinateSystem: "geo", name: level === "other" ? t("levelOther") : t(`level_${level}`), z: 3,
    data: parks.filter((p) => levelOf(p) === level).map((p) => ({ name: p.name, value: [p.lon, p.lat, p.planned_output ? p.planned_output.value : 0], park: p,
      symbolSize: parkSize(p.planned_output ? p.planned_output.value : 0, max),
      itemStyle: p.placed === "city" ? { color: "rgba(255,255,255,0.35)", borderColor: LEVEL_COLORS[level], borderWidth: 1.5 } : {} })),
    itemStyle: { color: LEVEL_COLORS[level], opacity: 0.8, borderColor: "#fff", borderWidth: 1 },
    emphasis: { label: { show: true, formatter: "{b}", position: "right", backgroundColor: "#fff" } } }));
  series.push({ type: "scatter", coordinateSystem: "geo", name: "cities", z: 10, silent: true, symbolSize: 0,
    data: state.cities.filter((c) => c.cp).map((c) => ({ name: c.name, value: c.cp })),
    label: { show: true, formatter: "{b}", fontSize: 11, color: "#1f2933", fontWeight: 600, textBorderColor: "#fff", textBorderWidth: 3 } });
  chart("map-chart").setOption({
    tooltip: { trigger: "item", formatter: (p) => (p.data && p.data.park
      ? `${p.data.park.name}<br>${[p.data.park.city, p.data.park.county].filter(Boolean).join(" · ")}${p.data.park.placed === "city" ? ` (${t("placedCity")})` : ""}<br>${t("plannedOutput")}: ${p.data.park.planned_output ? `${fmt(p.data.park.planned_output.value)} ${p.data.park.planned_output.unit} (${p.data.park.planned_output.year})` : "—"}`
      : `${p.name}`) },
    legend: { show: false },
    geo: { map: "guangxi", roam: true, label: { show: false }, layoutCenter: ["50%", "50%"], layoutSize: "98%",
      itemStyle: { areaColor: "#eef3f8", borderColor: "#9db4cc" },
      emphasis: { itemStyle: { areaColor: "#dbe8f5" }, label: { show: false } } },
    series }, true);
  $("#map-legend").replaceChildren(...mapLegend(max));
  chart("map-chart").off("click");
  chart("map-chart").on("click", (p) => { if (p.data && p.data.park) openEntity("park", p.data.park.id); });
  const list = $("#park-list");
  list.replaceChildren(...data.parks.map((p) => el("li", { "data-park": p.id, onclick: () => openEntity("park", p.id) },
    p.name, el("small", {}, [p.city, p.county, p.level, p.planned_output ? `${t("plannedOutput")} ${fmt(p.planned_output.value)}${p.planned_output.unit} (${p.planned_output.year})` : null].filter(Boolean).join(" · ")))));
  if (!data.parks.length) list.replaceChildren(el("li", { class: "empty" }, t("noData")));
}

/* ---------- entity card ---------- */
const PATHS = { region: "regions", park: "parks", enterprise: "enterprises", project: "projects",
  policy: "policies", indicator: "indicators", industry: "industries", document: "documents" };
const SKIP = new Set(["type", "id", "name", "facts", "relations", "aliases", "row", "label", "targets",
  "enterprises", "projects", "observations", "text", "document_facts", "children", "parent", "counts",
  "planned_output", "sha256"]);

const fieldName = (k) => (FIELDS[state.lang] && FIELDS[state.lang][k]) || (state.lang === "zh" ? FIELDS.zh[k] : null) || k;

function citationText(src) {
  if (!src) return "";
  const bits = [src.title || src.document, src.at, src.span ? `${t("located")} ${src.span[0]}–${src.span[1]}` : null];
  return `${t("citedIn")}: ${bits.filter(Boolean).join(" · ")}${src.quote ? ` “${src.quote}”` : ""}`;
}

function renderCard(detail) {
  const body = [el("h2", {}, detail.name || detail.title || detail.label || detail.key),
    el("div", { class: "hint" }, `${detail.type} #${detail.id}`)];
  const dl = el("dl");
  for (const [k, v] of Object.entries(detail)) {
    if (SKIP.has(k) || v === null || v === "" || (Array.isArray(v) && !v.length)) continue;
    dl.append(el("dt", {}, fieldName(k)), el("dd", {}, fmt(v)));
  }
  body.push(dl);
  if (detail.targets && detail.targets.length) {
    body.push(el("h3", {}, t("targets")), el("table", { class: "grid" }, el("tbody", {},
      detail.targets.map((x) => el("tr", {}, el("td", {}, x.metric), el("td", {}, x.year), el("td", {}, `${x.comparator || ""}${fmt(x.value)} ${x.unit}`))))));
  }
  for (const [key, type] of [["enterprises", "enterprise"], ["projects", "project"], ["children", "region"]]) {
    if (detail[key] && detail[key].length) {
      body.push(el("h3", {}, t(key) || key), el("ul", { class: "list" },
        detail[key].map((x) => el("li", { onclick: () => openEntity(type, x.id) }, x.label || x.name))));
    }
  }
  if (detail.observations && detail.observations.length) {
    body.push(el("h3", {}, t("observations")), el("ul", { class: "facts" },
      detail.observations.map((o) => el("li", {}, `${o.year}: ${fmt(o.value)} ${o.unit || ""}`, el("span", { class: "cite" }, o.source)))));
  }
  if (detail.relations && detail.relations.length) {
    body.push(el("h3", {}, t("relations")), el("ul", { class: "facts" },
      detail.relations.map((r) => el("li", {}, `${r.type}: ${r.with || ""}`, r.note ? el("span", { class: "cite" }, r.note) : null))));
  }
  body.push(el("h3", {}, t("facts")));
  const facts = detail.facts || [];
  body.push(facts.length ? el("ul", { class: "facts" }, facts.map((f) => el("li", {},
    el("b", {}, fieldName(f.field)), ": ", fmt(f.value), el("span", { class: "cite" }, citationText(f.source)))))
    : el("p", { class: "hint" }, t("noData")));
  $("#card-body").replaceChildren(...body);
  $("#card").hidden = false;
}

async function openEntity(type, id) {
  $("#card-body").replaceChildren(el("p", {}, t("loading")));
  $("#card").hidden = false;
  try {
    const detail = await api(`/api/${PATHS[type]}/${id}`);
    if (type === "document") { $("#card").hidden = true; location.hash = hashOf("documents", { doc: id }); return; }
    renderCard(detail);
    if (type === "park") addParkEvaluation(detail).catch(console.warn);
  } catch (err) {
    $("#card-body").replaceChildren(el("p", { class: "empty" }, err.message));
  }
}

async function addParkEvaluation(detail) {
  const data = await api("/api/analysis/parks");
  if (!data.available) return;
  const ev = data.result.find((e) => e.name === detail.name);
  if (!ev || $("#card-body h2").textContent !== detail.name) return;
  const rows = [["intensity", ev.intensity !== null ? `${fmt(ev.intensity)} ${ev.intensity_unit}` : null],
    ["rank_city", ev.rank_city ? `${ev.rank_city} / ${ev.n_city}` : null],
    ["rank_region", ev.rank_region ? `${ev.rank_region} / ${ev.n_region}` : null],
    ["attainment", ev.attainment_status], ["notes", (ev.notes || []).join("；") || null]].filter(([, v]) => v);
  const h3 = $("#card-body h3");
  const block = [el("h3", {}, t("evaluation")), el("dl", {}, rows.flatMap(([k, v]) => [el("dt", {}, fieldName(k)), el("dd", {}, v)]))];
  if (h3) h3.before(...block); else $("#card-body").append(...block);
}

/* ---------- search ---------- */
async function runSearch(q) {
  const box = $("#search-results");
  if (!q.trim()) { box.hidden = true; return; }
  const data = await api(`/api/search?q=${encodeURIComponent(q)}&limit=20`);
  box.replaceChildren(data.items.length
    ? el("ul", { class: "list" }, data.items.map((h) => el("li", { "data-type": h.type, onclick: () => { box.hidden = true; openEntity(h.type, h.id); } },
      el("span", { class: "type" }, h.type_label || h.type), " ", h.label, h.snippet ? el("small", {}, h.snippet) : null)))
    : el("p", { class: "hint", style: "padding:10px" }, t("noResults")));
  box.hidden = false;
}

/* ---------- region selects ---------- */
function fillRegionSelects() {
  document.querySelectorAll(".region-select").forEach((sel) => {
    sel.replaceChildren(el("option", { value: "" }, t("allRegions")),
      ...state.cities.map((c) => el("option", { value: c.name }, c.name)));
  });
  $("#partner-home").replaceChildren(...state.cities.map((c) => el("option", { value: c.name }, c.name)));
}

/* ---------- targets ---------- */
function statusOf(item, monitor) {
  if (!monitor || !monitor.available || !Array.isArray(monitor.result)) return null;
  return monitor.result.find((r) => r.indicator_id === item.id)
    || monitor.result.find((r) => r.indicator === item.name && (!r.scope || r.scope === item.scope_name)) || null;
}

/* The chart of one target: the series measured (the level, for a 年均增长 or 较…下降 target),
 * its baseline and the target level, on a year axis that spans exactly the years shown. */
function drawTarget(item, status) {
  const st = status || {};
  const measuredElsewhere = st.series_name && st.series_name !== item.name;
  const obs = measuredElsewhere ? [] : (item.observations || []).filter((o) => o.year !== null && o.value !== null);
  const points = [];
  const base = measuredElsewhere ? [st.base_year, st.base_value] : [item.baseline_year, item.baseline_value];
  if (base[0] && base[1] !== null && base[1] !== undefined) points.push({ name: t("baseline"), value: base });
  if (measuredElsewhere && st.latest_year && st.latest_year !== st.base_year) points.push({ name: t("latest"), value: [st.latest_year, st.latest_value] });
  const level = st.target_level !== undefined && st.target_level !== null ? st.target_level : item.target_value;
  if (item.target_year && level !== null && level !== undefined) points.push({ name: t("target"), value: [item.target_year, level] });
  const years = [...obs.map((o) => o.year), ...points.map((p) => p.value[0])].map(Number);
  const lo = years.length ? Math.min(...years) : 2015;
  const hi = years.length ? Math.max(...years) : 2025;
  const unit = measuredElsewhere ? (st.series_unit || "") : (item.unit || "");
  const series = [{ name: t("observations"), type: "line", data: obs.map((o) => [Number(o.year), o.value]), symbolSize: 7 },
    { name: `${t("baseline")}/${t("target")}`, type: "scatter", data: points, symbol: "diamond", symbolSize: 14,
      itemStyle: { color: STATUS_COLORS[st.status || "unknown"] }, label: { show: true, formatter: (p) => p.data.name, position: "top" } }];
  chart("target-chart").setOption({ title: { text: item.name, subtext: [item.scope_name, measuredElsewhere ? st.series_name : null, st.target_text].filter(Boolean).join(" · "), textStyle: { fontSize: 14 }, subtextStyle: { width: 300, overflow: "truncate" } },
    tooltip: { trigger: "item", formatter: (p) => `${p.data.name || p.seriesName}<br>${p.value[0]}: ${fmt(p.value[1])} ${unit}` },
    legend: { bottom: 0 }, grid: { left: 64, right: 24, top: 70, bottom: 48 },
    xAxis: { type: "value", name: t("year"), min: lo - 1, max: hi + 1, interval: Math.max(1, Math.ceil((hi - lo + 2) / 8)),
      axisLabel: { formatter: (v) => (Number.isInteger(v) && v >= lo && v <= hi ? String(v) : "") } },
    yAxis: { type: "value", name: unit, scale: true }, series }, true);
}

/* Rows that say the same thing twice (same indicator, scope and target) are shown once. */
function distinctTargets(items) {
  const seen = new Set();
  return items.filter((item) => {
    const key = [item.name, item.scope_name, item.target_year, item.target_value, item.baseline_year, item.baseline_value].join("|");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function loadTargets(params = viewParams("targets")) {
  if (params.region !== undefined) $("#targets-region").value = params.region;
  $("#targets-pending").checked = params.pending === "1";
  const region = $("#targets-region").value;
  const pending = $("#targets-pending").checked;
  const data = await api(`/api/analysis/monitor?limit=200${region ? `&region=${encodeURIComponent(region)}` : ""}${pending ? "&include_pending=true" : ""}`);
  const waiting = data.waiting && data.waiting.entities ? `${t("waitingReview").replace("{n}", data.waiting.entities)}` : "";
  showNote($("#monitor-note"), [data.monitor && !data.monitor.available ? `${t("unavailable")}: ${data.monitor.reason}` : "", waiting].filter(Boolean).join(" "));
  const items = distinctTargets(data.items);
  const rows = items.map((item) => {
    const st = statusOf(item, data.monitor);
    const key = st ? st.status : "unknown";
    const latest = (item.observations || []).slice(-1)[0];
    const why = st ? (st.status === "not_available" ? `${t("reason")}: ${st.reason}` : st.rule) : "";
    return el("tr", { onclick: () => drawTarget(item, st) },
      el("td", {}, item.name), el("td", {}, item.scope_name || "—"),
      el("td", {}, st && st.baseline_text && st.baseline_text !== "—" ? st.baseline_text
        : item.baseline_year ? `${item.baseline_year}: ${fmt(item.baseline_text || item.baseline_value)}` : "—"),
      el("td", {}, st && st.target_text ? st.target_text
        : item.target_year ? `${item.target_year}: ${item.comparator || ""}${fmt(item.target_text || item.target_value)}` : "—"),
      el("td", {}, latest ? `${latest.year}: ${fmt(latest.value)}` : "—"),
      el("td", {}, el("span", { class: "badge", title: why, style: `background:${STATUS_COLORS[key] || STATUS_COLORS.unknown}` }, t(`st_${key}`)),
        st && st.status === "not_available" ? el("small", { class: "why" }, st.reason) : null));
  });
  $("#targets-table tbody").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 6, class: "hint" }, t("noData")))]));
  if (items.length) drawTarget(items[0], statusOf(items[0], data.monitor));
  else chart("target-chart").clear();
}

/* ---------- chains ---------- */
async function loadChains(params = viewParams("chains")) {
  const sel = $("#chain-select");
  if (!sel.options.length) {
    const list = await api("/api/analysis/chains");
    if (!list.available || !list.templates.length) { showNote($("#chain-note"), list.reason || t("noChainTemplates")); return; }
    sel.replaceChildren(...list.templates.map((c) => el("option", { value: c.id }, c.name)));
  }
  if (params.chain && [...sel.options].some((o) => o.value === params.chain)) sel.value = params.chain;
  if (params.region !== undefined) $("#chain-region").value = params.region;
  const region = $("#chain-region").value;
  const data = await api(`/api/analysis/chains?chain=${encodeURIComponent(sel.value)}${region ? `&region=${encodeURIComponent(region)}` : ""}`);
  showNote($("#chain-note"), data.available ? "" : `${t("unavailable")}: ${data.reason}`);
  drawChain(data.template, data.available ? data.result : null);
}

function linkStatuses(result) {
  const out = {};
  const links = result && (result.links || result.nodes || []);
  for (const l of Array.isArray(links) ? links : []) out[l.id || l.link || l.name] = l;
  return out;
}

/* The chain as a graph: columns upstream → midstream → downstream on a wide screen, rows on
 * a phone (labels wrap under their node); link status by colour, explained by the legend. */
function chainLegend() {
  return ["strong", "present", "weak", "missing", "unknown"].map((k) => el("span", { class: "size-step" },
    el("i", { class: "dot", style: `background:${LINK_COLORS[k]}` }), t(`link${k[0].toUpperCase()}${k.slice(1)}`)));
}

function drawChain(template, result) {
  $("#chain-legend").replaceChildren(...chainLegend());
  if (!template) { chart("chain-chart").clear(); return; }
  const statuses = linkStatuses(result);
  const positions = ["upstream", "midstream", "downstream"];
  const column = (l) => Math.max(0, positions.indexOf(l.position));
  const perColumn = {};
  template.links.forEach((l) => { perColumn[column(l)] = (perColumn[column(l)] || 0) + 1; });
  const most = Math.max(2, ...Object.values(perColumn));
  const c = chart("chain-chart");
  const narrow = c.getWidth() < 640;
  const seen = {};
  // node positions in pixels of the drawing box (left/top/right/bottom below), so that the
  // graph is not rescaled and label widths match the room between nodes
  const frame = narrow ? { left: 16, right: 16, top: 44, bottom: 56 } : { left: 30, right: 190, top: 50, bottom: 30 };
  const w = c.getWidth() - frame.left - frame.right;
  const h = c.getHeight() - frame.top - frame.bottom;
  let place;
  let label;
  if (narrow) {
    const stepX = w / most;
    place = (col, i, n) => [stepX * (i + 0.5) + (most - n) * stepX / 2, (h / 2) * col];
    label = { show: true, position: "bottom", fontSize: 10, width: Math.max(36, stepX - 4), overflow: "break", lineHeight: 12 };
  } else {
    place = (col, i) => [(w / 2) * col, (h / (most - 1)) * i];
    label = { show: true, position: "right", fontSize: 11, width: 170, overflow: "truncate" };
  }
  const nodes = template.links.map((l) => {
    const col = column(l);
    seen[col] = (seen[col] || 0) + 1;
    const st = statuses[l.id] || statuses[l.name] || {};
    const key = st.status || "unknown";
    const [x, y] = place(col, seen[col] - 1, perColumn[col]);
    return { id: l.id, name: l.name, x, y, status: key,
      itemStyle: { color: LINK_COLORS[key] || LINK_COLORS.unknown }, info: st };
  });
  // two invisible corner nodes pin the graph's extent to the frame (no rescaling, no cut labels)
  const corner = { symbolSize: 0, label: { show: false }, itemStyle: { opacity: 0 }, status: "unknown", silent: true };
  nodes.push({ ...corner, id: "__corner0", name: "", x: 0, y: 0 }, { ...corner, id: "__corner1", name: " ", x: w, y: h });
  const edges = template.links.flatMap((l) => l.supplies.map((to) => ({ source: l.id, target: to })));
  chart("chain-chart").setOption({ animation: false, title: { text: template.name, textStyle: { fontSize: 14 } },
    tooltip: { formatter: (p) => (p.dataType === "node" && p.data.name.trim() ? `${p.data.name}: ${t(`link${p.data.status[0].toUpperCase()}${p.data.status.slice(1)}`)}` : "") },
    series: [{ type: "graph", layout: "none", roam: true, symbolSize: narrow ? 14 : 18, nodeScaleRatio: 0,
      ...frame, edgeSymbol: ["none", "arrow"], edgeSymbolSize: 6,
      label, lineStyle: { color: "#9ca3af", curveness: 0.1 }, data: nodes, links: edges }] }, true);
  const names = Object.fromEntries(template.links.map((l) => [l.id, l.name]));
  const gaps = result && Array.isArray(result.gaps) ? result.gaps : [];
  const box = $("#chain-gaps");
  box.replaceChildren(...(gaps.length ? gaps.map((g) => el("div", { class: "gap", "data-link": g.link },
    el("b", {}, names[g.link] || g.link), ` · ${t(`link${g.status[0].toUpperCase()}${g.status.slice(1)}`)} · ${fmt(g.importance)}`,
    el("ul", { class: "facts" }, (g.candidates || []).map((c) => gxCandidates.item(c, state.lang))),
    gxCandidates.none(g, state.lang)))
    : [el("p", { class: "hint" }, result ? t("noData") : t("unavailable"))]));
  const note = gxCandidates.poolNote(result, state.lang);
  if (note) box.append(note);
}

/* ---------- partners ---------- */
function cityPoint(name) {
  const c = state.cities.find((x) => x.name === name || x.name.startsWith(name));
  return c ? c.cp : null;
}

/* The box the partner map shows: the home and every located partner (within the China–ASEAN
 * map), with a margin, at least 14° across; ECharts fits the whole box into the chart, so no
 * partner is cut off whatever the chart's shape. */
const MAP_EXTENT = { west: 70, east: 150, south: -12, north: 54 };

function fitBox(points) {
  const inside = points.filter((p) => p[0] >= MAP_EXTENT.west && p[0] <= MAP_EXTENT.east && p[1] >= MAP_EXTENT.south && p[1] <= MAP_EXTENT.north);
  if (!inside.length) return [[MAP_EXTENT.west, MAP_EXTENT.north], [MAP_EXTENT.east, MAP_EXTENT.south]];
  const lons = inside.map((p) => p[0]);
  const lats = inside.map((p) => p[1]);
  const cx = (Math.min(...lons) + Math.max(...lons)) / 2;
  const cy = (Math.min(...lats) + Math.max(...lats)) / 2;
  const halfX = Math.max(7, (Math.max(...lons) - Math.min(...lons)) * 0.58);
  const halfY = Math.max(5, (Math.max(...lats) - Math.min(...lats)) * 0.58);
  return [[cx - halfX, cy + halfY], [cx + halfX, cy - halfY]];
}

/* Labels that would overlap a better-ranked one (or the home's) are hidden, in pixels of the
 * current view; hovering a point still shows its tooltip, zooming in shows more labels. */
function thinLabels(c, home, groups) {
  const boxes = [];
  const overlaps = (b) => boxes.some((o) => b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h);
  const boxOf = (value, text, left) => {
    const [x, y] = c.convertToPixel({ geoIndex: 0 }, value);
    const w = 11 * [...text].length + 8;
    return { x: left ? x - w - 8 : x - 6, y: y - 8, w: w + 14, h: 16 };
  };
  if (home) boxes.push(boxOf(home.value, home.name, true));
  const all = groups.flat().sort((a, b) => a.rank - b.rank);
  const shown = new Set();
  for (const m of all) {
    const b = boxOf(m.value, `${m.rank}. ${m.name}`, false);
    if (!overlaps(b)) { boxes.push(b); shown.add(m.rank); }
  }
  c.setOption({ series: [{}, { data: groups[1].map((m) => ({ ...m, label: { show: shown.has(m.rank) } })) },
    { data: groups[0].map((m) => ({ ...m, label: { show: shown.has(m.rank) } })) }, {}] });
}

async function loadPartners(params = viewParams("partners")) {
  await state.mapReady;
  if (params.home) $("#partner-home").value = params.home;
  const home = $("#partner-home").value || "南宁市";
  const data = await api(`/api/analysis/partners?home=${encodeURIComponent(home)}&limit=20`);
  const result = data.available ? data.result : {};
  showNote($("#partner-note"), data.available ? (result.matrix_note || "") : `${t("unavailable")}: ${data.reason}`);
  const ranked = result.partners || [];
  const named = result.named_partners || [];
  const from = cityPoint(home);
  const isPlaced = (p) => p.longitude !== undefined && p.longitude !== null && p.latitude !== null;
  const marks = (list, offset) => list.filter(isPlaced).map((p, i) => ({ name: p.region, rank: offset + i + 1,
    value: [p.longitude, p.latitude], reason: p.reason, gap: p.data_gap }));
  const rankedMarks = marks(ranked, 0);
  const namedMarks = marks(named, ranked.length);
  const label = { show: true, formatter: (p) => `${p.data.rank}. ${p.name}`, position: "right", fontSize: 11,
    color: "#1f2933", textBorderColor: "#fff", textBorderWidth: 2 };
  const labelLayout = {};
  chart("partner-chart").setOption({
    tooltip: { trigger: "item", formatter: (p) => (p.data && p.data.reason ? `${p.data.rank ? `${p.data.rank}. ` : ""}${p.name}<br>${p.data.reason}` : p.name),
      extraCssText: "max-width:320px;white-space:normal" },
    legend: { bottom: 4, data: [t("partnersRanked"), t("partnersNamed")], textStyle: { fontSize: 11 } },
    geo: { map: "china_asean", roam: true, boundingCoords: fitBox([from, ...[...rankedMarks, ...namedMarks].map((m) => m.value)].filter(Boolean)),
      itemStyle: { areaColor: "#eef3f8", borderColor: "#9db4cc" }, top: 10, bottom: 36, left: 10, right: 10,
      regions: [{ name: "广西", itemStyle: { areaColor: "#cfe0f2" } }] },
    series: [
      { type: "lines", coordinateSystem: "geo", silent: true, data: from ? rankedMarks.map((m) => ({ coords: [from, m.value] })) : [], lineStyle: { color: "#d9534f", opacity: 0.45, curveness: 0.2 } },
      { type: "scatter", coordinateSystem: "geo", name: t("partnersNamed"), data: namedMarks, symbolSize: 8, z: 3,
        itemStyle: { color: "#fff", borderColor: "#2471a3", borderWidth: 2 }, label: { ...label, color: "#2b4f6e" }, labelLayout },
      { type: "scatter", coordinateSystem: "geo", name: t("partnersRanked"), data: rankedMarks, symbolSize: 10, z: 4,
        itemStyle: { color: "#d9534f" }, label, labelLayout },
      { type: "effectScatter", coordinateSystem: "geo", data: from ? [{ name: home, value: from }] : [], symbolSize: 12, z: 5,
        itemStyle: { color: "#0b3d6e" }, label: { show: true, formatter: "{b}", position: "left", fontWeight: 600, fontSize: 12, textBorderColor: "#fff", textBorderWidth: 2 } },
    ] }, true);
  const c = chart("partner-chart");
  const relabel = () => thinLabels(c, from ? { name: home, value: from } : null, [rankedMarks, namedMarks]);
  relabel();
  c.off("georoam");
  c.on("georoam", () => window.requestAnimationFrame(relabel));
  const item = (p, i) => el("li", {},
    el("b", {}, p.region), ` ${t("score")} ${fmt(p.score)}`, p.distance_km ? ` · ${fmt(p.distance_km)} km` : "",
    el("small", {}, p.reason || ""), p.industries && p.industries.length ? el("small", {}, `${t("industries")}: ${fmt(p.industries)}`) : null,
    p.basis_text ? el("details", { class: "basis" }, el("summary", {}, t("basis")), el("small", {}, p.basis_text)) : null);
  const list = [...ranked.map(item)];
  if (named.length) list.push(el("li", { class: "list-head" }, t("partnersNamed")), ...named.map(item));
  $("#partner-list").replaceChildren(...(list.length ? list
    : [el("li", { class: "hint", style: "list-style:none" }, data.available ? t("noData") : t("unavailable"))]));
}

/* ---------- documents ---------- */
async function loadDocuments(params = viewParams("documents")) {
  if (params.doc) showDocument(params.doc).catch(console.warn);
  const data = await api("/api/documents?limit=200");
  $("#doc-list").replaceChildren(...(data.items.length ? data.items.map((d) => el("li", { onclick: () => showDocument(d.id) },
    d.label, el("small", {}, [d.kind, d.date, d.key].filter(Boolean).join(" · ")))) : [el("li", { class: "hint" }, t("noData"))]));
}

function highlighted(text, facts) {
  const spans = facts.filter((f) => f.start !== null && f.end !== null && f.end > f.start)
    .sort((a, b) => a.start - b.start);
  const out = [];
  let pos = 0;
  for (const f of spans) {
    if (f.start < pos) continue;
    out.push(text.slice(pos, f.start));
    out.push(el("mark", { title: `${f.entity_type}: ${f.entity_name} · ${f.field} = ${fmt(f.value)}` }, text.slice(f.start, f.end)));
    pos = f.end;
  }
  out.push(text.slice(pos));
  return out;
}

async function showDocument(id) {
  if (currentView() === "documents") setViewParams({ doc: id });
  const view = $("#doc-view");
  view.replaceChildren(el("p", {}, t("loading")));
  const d = await api(`/api/documents/${id}`);
  const facts = d.document_facts || [];
  const unlocated = facts.filter((f) => f.start === null);
  view.replaceChildren(el("h2", {}, d.title || d.key), el("p", { class: "hint" }, [d.source, d.date].filter(Boolean).join(" · ")),
    d.text ? el("div", { class: "doc-text" }, highlighted(d.text, facts)) : el("p", { class: "hint" }, t("noData")),
    unlocated.length ? el("h3", {}, t("unlocated")) : null,
    unlocated.length ? el("ul", { class: "facts" }, unlocated.map((f) => el("li", {}, `${f.entity_name} · ${f.field}: ${fmt(f.value)}`, el("span", { class: "cite" }, f.locator || "")))) : null,
    el("div", { id: "doc-audit" }));
  if (d.text) showFindings(d.key).catch(console.warn);
}

async function showFindings(key) {
  const box = $("#doc-audit");
  const data = await api(`/api/analysis/audit?document=${encodeURIComponent(key)}`);
  if (!box || !box.isConnected) return;
  if (!data.available) { box.replaceChildren(el("h3", {}, t("findings")), el("p", { class: "empty" }, `${t("unavailable")}: ${data.reason}`)); return; }
  const findings = data.result.findings || [];
  box.replaceChildren(el("h3", {}, t("findings")), findings.length
    ? el("ul", { class: "facts" }, findings.map((f) => el("li", {}, el("b", {}, `[${f.severity}] ${f.indicator}`), " ", f.message,
      f.evidence && f.evidence[0] ? el("span", { class: "cite" }, `${t("located")} ${f.evidence[0].start}–${f.evidence[0].end} ${f.evidence[0].quote || ""}`) : null)))
    : el("p", { class: "hint" }, t("noFindings")));
}

async function pollJob(url, status, headers) {
  for (let i = 0; i < 120; i += 1) {
    const job = await api(url, { headers });  // a job is shown only to its uploader's token
    if (job.status === "done") {
      const summary = Object.entries(job.result || {}).filter(([, v]) => typeof v !== "object" || (Array.isArray(v) && v.length))
        .map(([k, v]) => `${k}: ${fmt(v)}`).join(" · ");
      status.textContent = `${t("jobDone")}: ${summary}`;
      loadDocuments();
      return job;
    }
    if (job.status === "failed") { status.textContent = `${t("jobFailed")}: ${job.message}`; return job; }
    await new Promise((r) => setTimeout(r, 500));
  }
  return null;
}

async function upload(ev) {
  ev.preventDefault();
  const status = $("#upload-status");
  const file = $("#upload-file").files[0];
  if (!file) { status.textContent = t("chooseFile"); return; }
  const token = sessionStorage.getItem("gxatlas.token") || "";
  const form = new FormData();
  form.append("file", file);
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  try {
    const res = await api(`/api/${$("#upload-kind").value}`, { method: "POST", body: form, headers });
    status.textContent = t("queued");
    await pollJob(res.url, status, headers);
  } catch (err) {
    status.textContent = `${t("jobFailed")}: ${err.message}${err.status === 401 && !token ? ` (${t("noToken")})` : ""}`;
  }
}

/* ---------- start ---------- */
registerView("map", loadMap);
registerView("targets", loadTargets);
registerView("chains", loadChains);
registerView("partners", loadPartners);
registerView("documents", loadDocuments);

function init() {
  applyLang();
  state.mapReady = registerMaps().then(fillRegionSelects);
  document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => {
    location.hash = hashOf(b.dataset.tab, viewParams(b.dataset.tab));
  }));
  window.addEventListener("hashchange", () => state.mapReady.then(route));
  $("#lang-button").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem("gxatlas.lang", state.lang);
    applyLang();
    state.loaded = {};
    openTab(currentView());
  });
  $("#search-form").addEventListener("submit", (ev) => { ev.preventDefault(); runSearch($("#search-input").value).catch(console.warn); });
  document.addEventListener("click", (ev) => { if (!ev.target.closest("#search-results, #search-form")) $("#search-results").hidden = true; });
  $("#card-close").addEventListener("click", () => { $("#card").hidden = true; });
  $("#token-button").addEventListener("click", () => { $("#token-input").value = sessionStorage.getItem("gxatlas.token") || ""; $("#token-dialog").showModal(); });
  $("#token-dialog").addEventListener("close", () => {
    if ($("#token-dialog").returnValue === "save") sessionStorage.setItem("gxatlas.token", $("#token-input").value.trim());
  });
  $("#upload-form").addEventListener("submit", upload);
  const linked = (view, read) => () => { location.hash = hashOf(view, read()); };
  const targetParams = () => ({ region: $("#targets-region").value, pending: $("#targets-pending").checked ? "1" : "" });
  $("#targets-region").addEventListener("change", linked("targets", targetParams));
  $("#targets-pending").addEventListener("change", linked("targets", targetParams));
  const chainParams = () => ({ chain: $("#chain-select").value, region: $("#chain-region").value });
  $("#chain-select").addEventListener("change", linked("chains", chainParams));
  $("#chain-region").addEventListener("change", linked("chains", chainParams));
  $("#partner-home").addEventListener("change", linked("partners", () => ({ home: $("#partner-home").value })));
  window.addEventListener("resize", () => Object.values(state.charts).forEach((c) => c.resize()));
  state.mapReady.then(route);
}

document.addEventListener("DOMContentLoaded", init);
