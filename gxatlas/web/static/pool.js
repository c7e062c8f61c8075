/* gxatlas dashboard view 企业培育 (#pool?region=…&chain=…): the enterprise cultivation
 * pool — firms by tier (and issuing level), by city and by chain link, the firms that moved
 * up, and the candidates for the next tier with the rule that made each one. Data:
 * /api/analysis/pool. */
(() => {
"use strict";

const { fill, citeLine, fillChainSelect } = window.GxRegisters;  // from projects.js

Object.assign(I18N.zh, {
  tabPool: "企业培育", poolTitle: "企业培育库", poolByTier: "按称号", poolByCity: "按城市",
  poolByLink: "按产业链环节", movedUp: "晋级企业", nextTier: "下一档称号候选", poolFirms: "培育库企业",
  firms: "企业数", tier: "称号", rule: "规则", noMoves: "没有可确认的晋级（需要不同年份的称号记录）",
  poolSummary: "培育库企业 {firms} 家；晋级 {moved_up} 家；下一档候选 {candidates} 条",
  levelUnknown: "未注明",
});
Object.assign(I18N.en, {
  tabPool: "Cultivation", poolTitle: "Enterprise cultivation pool", poolByTier: "By tier",
  poolByCity: "By city", poolByLink: "By chain link", movedUp: "Moved up",
  nextTier: "Candidates for the next tier", poolFirms: "Firms in the pool", firms: "Firms",
  tier: "Tier", rule: "Rule", noMoves: "No confirmed move up (needs tiers of different years)",
  poolSummary: "{firms} firms in the pool; {moved_up} moved up; {candidates} next-tier candidates",
  levelUnknown: "not stated",
});

const TIER_LEVEL_COLORS = { 国家级: "#08519c", 省级: "#3182bd", 市级: "#9ecae1" };

function drawTiers(result) {
  const tiers = result.by_tier.filter((r) => r.count).reverse();
  const levels = [...new Set(tiers.flatMap((r) => Object.keys(r.levels)))];
  chart("pool-chart").setOption({
    title: { text: t("poolByTier"), textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { bottom: 0, data: levels.map((l) => (l === "未注明" ? t("levelUnknown") : l)) },
    grid: { left: 8, right: 24, top: 36, bottom: 36, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: tiers.map((r) => r.name), axisLabel: { width: 150, overflow: "truncate" } },
    series: levels.map((l) => ({ type: "bar", stack: "level", name: l === "未注明" ? t("levelUnknown") : l,
      itemStyle: { color: TIER_LEVEL_COLORS[l] || "#bdbdbd" },
      label: { show: true, position: "inside", formatter: (p) => (p.value ? String(p.value) : "") },
      data: tiers.map((r) => r.levels[l] || 0) })),
  }, true);
}

function countTable(rows, head, tiers) {
  const shown = tiers.filter((tr) => rows.some((r) => r.tiers[tr.id]));
  return el("div", { class: "scroll-x" }, el("table", { class: "grid compact" },
    el("thead", {}, el("tr", {}, el("th", {}, head), el("th", {}, t("firms")),
      shown.map((tr) => el("th", {}, tr.name)))),
    el("tbody", {}, rows.length ? rows.map((r) => el("tr", {}, el("td", {}, r.key), el("td", { class: "num" }, r.total),
      shown.map((tr) => el("td", { class: "num" }, r.tiers[tr.id] || "")))) :
      el("tr", {}, el("td", { colspan: 2 + shown.length, class: "hint" }, t("noData"))))));
}

function tierText(tr) {
  return `${tr.level && !tr.name.includes(tr.level) ? tr.level : ""}${tr.name}${tr.when ? `（${tr.when}）` : ""}`;
}

async function loadPool(params = viewParams("pool")) {
  await state.mapReady;
  const regionSel = $("#pool-region");
  const chainSel = $("#pool-chain");
  await fillChainSelect(chainSel);
  if (params.region !== undefined) regionSel.value = params.region;
  if (params.chain !== undefined) chainSel.value = params.chain;
  const query = new URLSearchParams();
  if (regionSel.value) query.set("region", regionSel.value);
  if (chainSel.value) query.set("chain", chainSel.value);
  const data = await api(`/api/analysis/pool?${query}`);
  $("#pool-xlsx").href = `/api/analysis/pool?${query}${query.toString() ? "&" : ""}format=xlsx`;
  showNote($("#pool-note"), data.available ? "" : `${t("unavailable")}: ${data.reason}`);
  if (!data.available) return;
  const result = data.result;
  $("#pool-summary").textContent = fill(t("poolSummary"), result.summary);
  drawTiers(result);
  $("#pool-city").replaceChildren(el("h2", {}, t("poolByCity")), countTable(result.by_city, t("city"), result.tiers));
  $("#pool-link").replaceChildren(el("h2", {}, t("poolByLink")), countTable(result.by_link.slice(0, 30), t("chain"), result.tiers));
  $("#pool-moves").replaceChildren(el("h2", {}, t("movedUp")), result.moved_up.length
    ? el("ul", { class: "facts" }, result.moved_up.map((m) => el("li", { "data-firm": m.id },
      el("b", {}, m.name), ` ${m.city || ""}`, el("span", { class: "cite" }, `${m.text} · ${t("source")}: ${citeLine(m.to.source)}`))))
    : el("p", { class: "hint" }, t("noMoves")));
  $("#pool-candidates").replaceChildren(el("h2", {}, t("nextTier")), result.candidates.length
    ? el("ul", { class: "facts" }, result.candidates.map((c) => el("li", { "data-firm": c.id, "data-rule": c.rule },
      el("b", {}, c.name), ` → ${c.target_name}`, el("span", { class: "cite" }, `${t("rule")}: ${c.reason}`))))
    : el("p", { class: "hint" }, t("noData")));
  $("#pool-firms tbody").replaceChildren(...(result.firms.length ? result.firms.map((f) => el("tr",
    { "data-firm": f.id, onclick: () => openEntity("enterprise", f.id) },
    el("td", {}, f.name), el("td", {}, [f.city, f.county].filter(Boolean).join("·") || "—"),
    el("td", {}, f.tiers.map(tierText).join("、")),
    el("td", {}, fmt(f.links.slice(0, 3))),
    el("td", {}, el("span", { class: "cite" }, [...new Set(f.tiers.map((tr) => citeLine(tr.source)))].join("；")))))
    : [el("tr", {}, el("td", { colspan: 5, class: "hint" }, t("noData")))]));
}

registerView("pool", loadPool);
document.addEventListener("DOMContentLoaded", () => {
  const params = () => ({ region: $("#pool-region").value, chain: $("#pool-chain").value });
  for (const id of ["#pool-region", "#pool-chain"]) {
    $(id).addEventListener("change", () => { location.hash = hashOf("pool", params()); });
  }
});
})();
