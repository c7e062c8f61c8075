/* gxatlas dashboard view 项目 (#projects?region=…&chain=…&stale=1): the major-project
 * pipeline — a funnel by stage, a map of Guangxi's cities by number of projects, and the
 * table of projects with each stage's date and source. Data: /api/analysis/projects. */
/* Helpers shared with pool.js are exported as window.GxRegisters; nothing else is global. */
(() => {
"use strict";

Object.assign(I18N.zh, {
  tabProjects: "项目", projectsTitle: "重大项目库", stage: "阶段", since: "进入阶段",
  investment: "投资 (亿元)", chains: "产业链", source: "出处", stale: "停滞", staleOnly: "只看停滞",
  projectFunnel: "项目阶段漏斗", projectMap: "各市项目数", projectCount: "项目数",
  unstaged: "阶段不明", cannotTell: "无法判断", allChains: "全部产业链",
  projectSummary: "共 {count} 个项目，投资额合计 {investment} 亿元（其中 {with_investment} 个写明投资额）；停滞 {stale} 个",
  laterEarlier: "后文称", exportXlsx: "导出 Excel",
});
Object.assign(I18N.en, {
  tabProjects: "Projects", projectsTitle: "Major-project pipeline", stage: "Stage", since: "Since",
  investment: "Investment (100m yuan)", chains: "Chains", source: "Source", stale: "Stalled",
  staleOnly: "Stalled only", projectFunnel: "Projects by stage", projectMap: "Projects by city",
  projectCount: "Projects", unstaged: "Stage unknown", cannotTell: "Cannot tell",
  allChains: "All chains",
  projectSummary: "{count} projects, {investment} (100m yuan) in all ({with_investment} state a figure); {stale} stalled",
  laterEarlier: "Later source says", exportXlsx: "Export Excel",
});

const STAGE_COLORS = ["#9ecae1", "#6baed6", "#fdae61", "#74c476", "#1a9850"];

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (_m, k) => fmt(values[k]));
}

function citeLine(src) {
  if (!src) return "";
  const where = src.at || (src.span ? `${t("located")} ${src.span[0]}–${src.span[1]}` : "");
  return [src.title || src.document, where].filter(Boolean).join(" · ");
}

async function fillChainSelect(sel) {
  if (sel.options.length) return;
  const list = await api("/api/analysis/chains");
  sel.replaceChildren(el("option", { value: "" }, t("allChains")),
    ...(list.templates || []).map((c) => el("option", { value: c.id }, c.name)));
}

function drawFunnel(result) {
  /* a funnel of centred bars, one per stage in pipeline order, each as wide as its count
   * (the counts need not shrink from stage to stage, so a drawn funnel would mislead) */
  const stages = result.funnel;
  const max = Math.max(1, ...stages.map((f) => f.count));
  chart("project-funnel").setOption({
    title: { text: t("projectFunnel"), textStyle: { fontSize: 14 } },
    tooltip: { trigger: "item", formatter: (p) => {
      const f = stages[p.dataIndex];
      return `${f.label}: ${f.count}<br>${t("investment")}: ${fmt(f.investment)} (${f.with_investment})`;
    } },
    grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "value", max, show: false },
    yAxis: { type: "category", inverse: true, data: stages.map((f) => f.label),
      axisTick: { show: false }, axisLine: { show: false } },
    series: [
      { type: "bar", stack: "funnel", silent: true, itemStyle: { color: "transparent" },
        data: stages.map((f) => (max - f.count) / 2), tooltip: { show: false } },
      { type: "bar", stack: "funnel", name: t("projectCount"), barWidth: "70%",
        label: { show: true, position: "inside", formatter: (p) => String(stages[p.dataIndex].count) },
        data: stages.map((f, i) => ({ value: f.count, stage: f.stage,
          itemStyle: { color: STAGE_COLORS[i % STAGE_COLORS.length] } })) },
    ],
  }, true);
}

function drawCityMap(result) {
  const rows = result.totals.city.filter((r) => r.key);
  const max = Math.max(1, ...rows.map((r) => r.count));
  chart("project-map").setOption({
    title: { text: t("projectMap"), textStyle: { fontSize: 14 } },
    tooltip: { trigger: "item", formatter: (p) => `${p.name}: ${fmt(p.value || 0)}` },
    visualMap: { min: 0, max, calculable: false, orient: "horizontal", left: "center", bottom: 0,
      inRange: { color: ["#eef3f8", "#6baed6", "#08519c"] }, text: [String(max), "0"] },
    series: [{ type: "map", map: "guangxi", roam: false, name: t("projectCount"),
      label: { show: true, fontSize: 10, color: "#333" },
      data: rows.map((r) => ({ name: r.key, value: r.count })) }],
  }, true);
}

function projectRow(p) {
  const stageIdx = ["储备", "签约", "在建", "竣工", "投产"].indexOf(p.stage);
  const badge = p.stage
    ? el("span", { class: "badge", style: `background:${STAGE_COLORS[stageIdx] || "#9ca3af"};color:#1f2933` }, p.stage_label)
    : el("span", { class: "hint" }, t("unstaged"));
  const stale = p.stale === true ? el("span", { class: "badge", style: "background:#d64545" }, t("stale"))
    : p.stale === null ? el("span", { class: "hint" }, "—") : "";
  const conflicts = (p.conflicts || []).map((c) => el("span", { class: "cite" },
    `${t("laterEarlier")} ${c.stage} (${c.date || "—"}): ${citeLine(c.source)}`));
  return el("tr", { "data-project": p.id, onclick: () => openEntity("project", p.id) },
    el("td", {}, p.name, p.enterprise ? el("small", { class: "cite" }, p.enterprise) : null),
    el("td", {}, [[p.city, p.county].filter(Boolean).join("·"), p.park].filter(Boolean).join(" · ") || "—"),
    el("td", {}, badge), el("td", {}, p.since || "—"), el("td", { class: "num" }, fmt(p.investment)),
    el("td", {}, fmt(p.chains)),
    el("td", {}, el("span", { class: "cite" }, citeLine(p.source || p.named)), conflicts),
    el("td", {}, stale));
}

async function loadProjects(params = viewParams("projects")) {
  await state.mapReady;
  const regionSel = $("#projects-region");
  const chainSel = $("#projects-chain");
  await fillChainSelect(chainSel);
  if (params.region !== undefined) regionSel.value = params.region;
  if (params.chain !== undefined) chainSel.value = params.chain;
  $("#projects-stale").checked = params.stale === "1";
  const query = new URLSearchParams();
  if (regionSel.value) query.set("region", regionSel.value);
  if (chainSel.value) query.set("chain", chainSel.value);
  const data = await api(`/api/analysis/projects?${query}`);
  const download = new URLSearchParams(query);
  if ($("#projects-stale").checked) download.set("stale", "true");
  download.set("format", "xlsx");
  $("#projects-xlsx").href = `/api/analysis/projects?${download}`;
  showNote($("#projects-note"), data.available ? "" : `${t("unavailable")}: ${data.reason}`);
  if (!data.available) return;
  const result = data.result;
  $("#projects-summary").textContent = fill(t("projectSummary"), result.summary);
  $("#projects-rule").textContent = result.rule;
  drawFunnel(result);
  drawCityMap(result);
  const shown = $("#projects-stale").checked ? result.projects.filter((p) => p.stale) : result.projects;
  const order = { 投产: 0, 竣工: 1, 在建: 2, 签约: 3, 储备: 4 };
  shown.sort((a, b) => (order[a.stage] ?? 9) - (order[b.stage] ?? 9) || a.name.localeCompare(b.name, "zh"));
  $("#projects-table tbody").replaceChildren(...(shown.length ? shown.map(projectRow)
    : [el("tr", {}, el("td", { colspan: 8, class: "hint" }, t("noData")))]));
}

function projectsParams() {
  return { region: $("#projects-region").value, chain: $("#projects-chain").value,
    stale: $("#projects-stale").checked ? "1" : "" };
}

window.GxRegisters = { fill, citeLine, fillChainSelect };
registerView("projects", loadProjects);
document.addEventListener("DOMContentLoaded", () => {
  for (const id of ["#projects-region", "#projects-chain", "#projects-stale"]) {
    $(id).addEventListener("change", () => { location.hash = hashOf("projects", projectsParams()); });
  }
});
})();
