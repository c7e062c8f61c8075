/* 审核 view: the review queue. The document text with the evidence highlighted; accept / edit
 * values / merge into an existing entity / reject, one key or click each; undo the last
 * correction. Uses app.js's helpers (el, api, t, fmt, $, registerView, setViewParams) and the
 * write token kept by the 令牌 dialog. A stale version (someone acted first) shows the fact as
 * it is now, with who acted. */
"use strict";

Object.assign(I18N.zh, {
  tabReview: "审核", rvStatus: "状态", rvType: "类型", rvAll: "全部", rv_pending: "待审核",
  rv_accepted: "自动接受", rv_confirmed: "已确认", rv_rejected: "已驳回", rvEmpty: "没有待审核的事实",
  rvAccept: "确认", rvEdit: "保存修改", rvMerge: "合并", rvReject: "驳回", rvUndo: "撤销上次更正",
  rvNext: "下一条", rvPrev: "上一条", rvConfidence: "置信度", rvWhy: "待审原因", rvReasons: "抽取依据",
  rvEntity: "所指实体", rvCandidates: "并入已有实体", rvMergeName: "或输入实体名称/编号",
  rvHistory: "更正记录", rvName: "名称", rvKeys: "快捷键：A 确认 · E 保存修改 · M 合并 · R 驳回 · U 撤销 · J/K 下一条/上一条",
  rvDone: "已记录", rvConflict: "冲突", rvPick: "选择左侧一条事实", rvNoDoc: "（文档无正文）",
  rvUnreviewed: "未审核", rvCount: "条", ty_indicator: "指标", ty_park: "园区", ty_enterprise: "企业",
  ty_project: "项目", ty_policy: "政策", ty_industry_focus: "产业方向",
});
Object.assign(I18N.en, {
  tabReview: "Review", rvStatus: "Status", rvType: "Type", rvAll: "All", rv_pending: "Waiting",
  rv_accepted: "Auto-accepted", rv_confirmed: "Confirmed", rv_rejected: "Rejected",
  rvEmpty: "Nothing waits for review", rvAccept: "Accept", rvEdit: "Save edit", rvMerge: "Merge",
  rvReject: "Reject", rvUndo: "Undo last correction", rvNext: "Next", rvPrev: "Previous",
  rvConfidence: "Confidence", rvWhy: "Why it waits", rvReasons: "Extractor's reasons",
  rvEntity: "Entity", rvCandidates: "Merge into an existing entity", rvMergeName: "or type a name / id",
  rvHistory: "Corrections", rvName: "Name",
  rvKeys: "Keys: A accept · E save edit · M merge · R reject · U undo · J/K next/previous",
  rvDone: "Recorded", rvConflict: "Conflict", rvPick: "Pick a fact on the left", rvNoDoc: "(no text)",
  rvUnreviewed: "not reviewed", rvCount: "", ty_indicator: "Indicator", ty_park: "Park",
  ty_enterprise: "Enterprise", ty_project: "Project", ty_policy: "Policy", ty_industry_focus: "Focus",
});

/* Value fields a reviewer may edit, per fact type (as gxatlas.kb.corrections.EDITABLE). */
const RV_EDITABLE = {
  indicator: ["scope", "unit", "baseline_year", "baseline_value", "target_year", "target_value", "comparator", "attribute"],
  park: ["city", "area_km2", "target_year", "target_value", "level"],
  enterprise: ["city"],
  project: ["city", "investment", "capacity", "status", "year"],
  policy: ["doc_number", "title", "issuer", "date"],
  industry_focus: [],
};
const RV_STATUS_COLORS = { pending: "#e0a100", accepted: "#2e9e5b", confirmed: "#1b7f46", rejected: "#d64545" };
const review = { items: [], index: -1, item: null, candidate: null, busy: false, shown: 0 };

async function rvPost(path, body) {
  const token = sessionStorage.getItem("gxatlas.token") || "";
  const res = await fetch(path, { method: "POST", body: JSON.stringify(body || {}),
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) } });
  let data = null;
  try { data = await res.json(); } catch (_err) { data = null; }
  return { ok: res.ok, status: res.status, data, token };
}

function rvMessage(text, kind) {
  const box = $("#review-message");
  box.hidden = !text;
  box.className = kind === "error" ? "empty" : "hint";
  box.textContent = text || "";
}

function rvFilters() {
  return { status: $("#review-status").value || "pending", type: $("#review-type").value || "" };
}

async function loadReview(params) {
  if (params && params.status) $("#review-status").value = params.status;
  if (params && params.type !== undefined) $("#review-type").value = params.type;
  const f = rvFilters();
  const query = new URLSearchParams({ status: f.status, limit: "200", ...(f.type ? { type: f.type } : {}) });
  const page = await api(`/api/review?${query}`);
  review.items = page.items;
  $("#review-counts").textContent = Object.entries(page.counts)
    .map(([k, n]) => `${t(`rv_${k}`)} ${n}`).join(" · ");
  const list = $("#review-list");
  list.replaceChildren(...(page.items.length ? page.items.map((it, i) => el("li", {
    "data-fact": it.id, class: i === review.index ? "selected" : null, onclick: () => rvOpen(i) },
  el("span", { class: "badge", style: `background:${RV_STATUS_COLORS[it.status] || "#9ca3af"}` }, it.status_zh),
  " ", el("b", {}, it.name),
  el("small", {}, [t(`ty_${it.type}`), it.values.scope || it.values.city, `${t("rvConfidence")} ${it.confidence.toFixed(2)}`, it.document && it.document.key].filter(Boolean).join(" · "))))
    : [el("li", { class: "hint" }, t("rvEmpty"))]));
  const wanted = params && params.fact ? page.items.findIndex((it) => String(it.id) === String(params.fact)) : -1;
  if (wanted >= 0) await rvOpen(wanted);
  else if (page.items.length) await rvOpen(Math.min(Math.max(review.index, 0), page.items.length - 1));
  else { review.index = -1; review.item = null; $("#review-detail").replaceChildren(el("p", { class: "hint" }, t("rvEmpty"))); }
}

function rvExcerpt(ex) {
  if (!ex || !ex.text) return el("p", { class: "hint" }, t("rvNoDoc"));
  const mark = el("mark", { id: "review-evidence" }, ex.text.slice(ex.start, ex.end));
  return el("div", { class: "doc-text review-text" }, ex.offset > 0 ? "…" : "", ex.text.slice(0, ex.start), mark,
    ex.text.slice(ex.end), ex.offset + ex.text.length < ex.length ? "…" : "");
}

function rvField(key, value) {
  return el("label", { class: "rv-field" }, el("span", {}, fieldName(key)),
    el("input", { name: key, value: value === null || value === undefined ? "" : String(value), autocomplete: "off" }));
}

async function rvOpen(index) {
  if (index < 0 || index >= review.items.length) return;
  review.index = index;
  await rvShow(review.items[index].id);
}

/* What the reviewer has typed or chosen in the detail now shown (field values by name, the
   merge name, the chosen candidate), so that drawing the same fact again keeps it. */
function rvTyped() {
  const fields = {};
  document.querySelectorAll("#review-form input").forEach((input) => { fields[input.name] = input.value; });
  const merge = $("#review-merge-name");
  return { fields, merge: merge ? merge.value : "", candidate: review.candidate };
}

function rvRestore(typed) {
  document.querySelectorAll("#review-form input").forEach((input) => {
    if (typed.fields[input.name] !== undefined) input.value = typed.fields[input.name];
  });
  $("#review-merge-name").value = typed.merge;
  if (!typed.candidate) return;
  review.candidate = review.item.candidates.find((c) => c.id === typed.candidate.id) || review.candidate;
  document.querySelectorAll(".rv-candidates li[data-candidate]").forEach((li) => li.classList.toggle("selected", li.dataset.candidate === String(review.candidate && review.candidate.id)));
}

/* One fact, whether or not the list shows it (after a conflict it may have left the list).
   Only the latest request draws (a slower answer to an earlier click is dropped), and drawing
   the fact already shown, unchanged (same version), keeps what the reviewer typed in it. */
async function rvShow(id) {
  const seq = ++review.shown;
  document.querySelectorAll("#review-list li[data-fact]").forEach((li) => li.classList.toggle("selected", li.dataset.fact === String(id)));
  const it = await api(`/api/review/${id}`);
  if (seq !== review.shown) return;
  const typed = review.item && review.item.id === it.id && review.item.version === it.version && $("#review-form") ? rvTyped() : null;
  review.item = it;
  review.candidate = it.candidates.length ? it.candidates[0] : null;
  setViewParams({ ...rvFilters(), fact: String(id) });
  const editable = RV_EDITABLE[it.type] || [];
  const ent = it.entity && it.entity.id !== null ? `${t(`ty_${it.entity.type}`)} #${it.entity.id} ${it.entity.name || ""} (${it.match || ""})` : "—";
  const dl = el("dl", { class: "rv-meta" },
    el("dt", {}, t("rvStatus")), el("dd", {}, el("span", { class: "badge", style: `background:${RV_STATUS_COLORS[it.status]}` }, it.status_zh),
      it.reviewed_by ? ` ${it.reviewed_by} ${it.reviewed_at || ""}` : ` ${t("rvUnreviewed")}`),
    el("dt", {}, t("rvConfidence")), el("dd", {}, it.confidence.toFixed(2)),
    it.why ? el("dt", {}, t("rvWhy")) : null, it.why ? el("dd", {}, it.why) : null,
    it.reasons.length ? el("dt", {}, t("rvReasons")) : null, it.reasons.length ? el("dd", {}, it.reasons.join("、")) : null,
    el("dt", {}, t("rvEntity")), el("dd", {}, ent));
  const form = el("form", { id: "review-form", class: "rv-form", onsubmit: (ev) => { ev.preventDefault(); rvAct("edit"); } },
    rvField("name", it.name), ...editable.map((k) => rvField(k, it.values[k])));
  const cands = el("div", { class: "rv-candidates" }, el("h3", {}, t("rvCandidates")),
    el("ul", { class: "list" }, it.candidates.map((c, i) => el("li", {
      "data-candidate": c.id, class: i === 0 ? "selected" : null,
      onclick: (ev) => { review.candidate = c; ev.currentTarget.parentNode.querySelectorAll("li").forEach((li) => li.classList.toggle("selected", li === ev.currentTarget)); } },
    `${c.name}`, el("small", {}, `${t(`ty_${c.type}`)} #${c.id}${c.trusted ? "" : ` · ${t("rv_pending")}`}`)))),
    el("input", { id: "review-merge-name", placeholder: t("rvMergeName"), autocomplete: "off" }));
  const buttons = el("div", { class: "rv-actions" },
    el("button", { type: "button", "data-action": "accept", title: "A", onclick: () => rvAct("accept") }, `${t("rvAccept")} (A)`),
    el("button", { type: "button", "data-action": "edit", title: "E", onclick: () => rvAct("edit") }, `${t("rvEdit")} (E)`),
    el("button", { type: "button", "data-action": "merge", title: "M", onclick: () => rvAct("merge") }, `${t("rvMerge")} (M)`),
    el("button", { type: "button", "data-action": "reject", class: "danger", title: "R", onclick: () => rvAct("reject") }, `${t("rvReject")} (R)`),
    el("button", { type: "button", "data-action": "undo", class: "ghost", title: "U", onclick: () => rvAct("undo") }, `${t("rvUndo")} (U)`),
    el("button", { type: "button", class: "ghost", onclick: () => rvOpen(review.index - 1) }, `${t("rvPrev")} (K)`),
    el("button", { type: "button", class: "ghost", onclick: () => rvOpen(review.index + 1) }, `${t("rvNext")} (J)`));
  const history = it.corrections.length ? el("ul", { class: "facts" }, it.corrections.map((c) => el("li", {},
    el("b", {}, `#${c.id} ${c.action_zh}`), ` ${c.reviewer} ${c.at}`,
    c.undone_by ? el("span", { class: "cite" }, `↩ #${c.undone_by}`) : null, c.note ? el("span", { class: "cite" }, c.note) : null)))
    : el("p", { class: "hint" }, "—");
  $("#review-detail").replaceChildren(
    el("h2", {}, `${t(`ty_${it.type}`)} · ${it.name}`),
    el("p", { class: "hint" }, [it.document && (it.document.title || it.document.key), `${it.span[0]}–${it.span[1]}`].filter(Boolean).join(" · ")),
    buttons, rvExcerpt(it.excerpt), dl, form, cands, el("h3", {}, t("rvHistory")), history,
    el("p", { class: "hint" }, t("rvKeys")));
  if (typed) rvRestore(typed);
  const mark = $("#review-evidence");
  if (mark) mark.scrollIntoView({ block: "center" });
  window.scrollTo(0, 0);
}

function rvEdits() {
  const form = $("#review-form");
  const values = {};
  let name = null;
  for (const input of form.querySelectorAll("input")) {
    const before = input.name === "name" ? review.item.name : review.item.values[input.name];
    const was = before === null || before === undefined ? "" : String(before);
    if (input.value.trim() === was) continue;
    if (input.name === "name") name = input.value.trim();
    else values[input.name] = input.value.trim();
  }
  return { name, values };
}

async function rvAct(action) {
  const it = review.item;
  if (!it || review.busy) return;
  rvMessage("");
  let path = `/api/review/${it.id}/${action}`;
  const body = { version: it.version };
  if (action === "edit") {
    const { name, values } = rvEdits();
    if (!name && !Object.keys(values).length) { rvMessage(t("noData"), "error"); return; }
    if (name) body.name = name;
    body.values = values;
  } else if (action === "merge") {
    const typed = $("#review-merge-name").value.trim();
    if (!typed && !review.candidate) { rvMessage(t("rvMergeName"), "error"); return; }
    body.into = typed || review.candidate.id;
  } else if (action === "undo") {
    const last = it.corrections.find((c) => c.action !== "undo" && !c.undone_by);
    if (!last) { rvMessage("—", "error"); return; }
    path = `/api/review/corrections/${last.id}/undo`;
  }
  review.busy = true;
  try {
    const res = await rvPost(path, body);
    if (res.ok) {
      await loadReview(rvFilters());
      rvMessage(`${t("rvDone")}: #${res.data.id} ${res.data.action_zh} · ${res.data.reviewer}`);
    } else if (res.status === 409) {
      await loadReview(rvFilters());
      await rvShow(it.id);  // the fact as it is now, with who acted
      rvMessage(`${t("rvConflict")}: ${res.data.detail}`, "error");
    } else {
      const detail = res.data && res.data.detail ? (typeof res.data.detail === "string" ? res.data.detail : JSON.stringify(res.data.detail)) : res.status;
      rvMessage(`${t("jobFailed")}: ${detail}${res.status === 401 && !res.token ? ` (${t("noToken")})` : ""}`, "error");
    }
  } finally {
    review.busy = false;
  }
}

function rvKey(ev) {
  if (currentView() !== "review" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (ev.target.closest("input, textarea, select, dialog")) {
    if (ev.key === "Enter" && ev.target.closest("#review-merge-name")) { ev.preventDefault(); rvAct("merge"); }
    return;
  }
  const actions = { a: "accept", e: "edit", m: "merge", r: "reject", u: "undo" };
  const key = ev.key.toLowerCase();
  if (actions[key]) { ev.preventDefault(); rvAct(actions[key]); } else if (key === "j") { ev.preventDefault(); rvOpen(review.index + 1); } else if (key === "k") { ev.preventDefault(); rvOpen(review.index - 1); }
}

document.addEventListener("keydown", rvKey);
document.addEventListener("DOMContentLoaded", () => {
  $("#review-status").addEventListener("change", () => { review.index = 0; loadReview(rvFilters()).catch(console.warn); });
  $("#review-type").addEventListener("change", () => { review.index = 0; loadReview(rvFilters()).catch(console.warn); });
});
registerView("review", loadReview);
