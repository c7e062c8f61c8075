/* Candidates to court for a chain gap (产业链招商): one list item per candidate and the note on
   where the candidate firms come from and how old that data is. Used by the chain view in
   app.js through window.gxCandidates; needs nothing but the DOM. */
(function () {
  const ORIGIN = { pool: "上市公司", registry: "用户名录", kb: "知识库" };
  const ORIGIN_EN = { pool: "listed", registry: "your registry", kb: "KB" };

  function node(tag, cls, ...children) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    for (const c of children) if (c !== null && c !== undefined) n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return n;
  }

  /* one <li>: the name, score and origin on the first line, the reasons below */
  function item(c, lang) {
    if (c.type !== "enterprise" || !Array.isArray(c.reasons)) {
      return node("li", "cand region", node("b", null, c.name), node("span", "cite", c.reason || ""));
    }
    const origin = (lang === "en" ? ORIGIN_EN : ORIGIN)[c.origin] || c.origin;
    const head = node("div", "cand-head", node("b", null, c.name),
      node("span", "cand-score", ` ${Number(c.score).toFixed(2)}`),
      node("span", "cand-origin", ` · ${origin}${c.code ? ` ${c.code}` : ""}`));
    const li = node("li", "cand firm", head, node("span", "cite", c.reasons.join("；")));
    li.dataset.name = c.name;
    return li;
  }

  /* "候选企业来源：A股上市公司候选库（数据截至 2021-10，4654 家）与知识库" */
  function poolNote(result, lang) {
    const meta = result && result.candidate_pool;
    if (!meta) return null;
    const text = lang === "en"
      ? `Candidate firms: ${meta.name} (data as of ${meta.as_of}, ${meta.firms} firms) and the KB`
      : `候选企业来源：${meta.name}（数据截至 ${meta.as_of}，${meta.firms} 家）与知识库`;
    const p = node("p", "hint pool-note", text);
    p.title = meta.source || "";
    return p;
  }

  /* a gap without any firm to court says why (the analysis' no_candidates) */
  function none(gap, lang) {
    if (!gap || !gap.no_candidates) return null;
    return node("p", "hint no-cand", lang === "en"
      ? "No firm to court: neither the listed-company pool nor the KB's other regions has one on this link; import a registry (gxatlas enterprises import) to search further."
      : gap.no_candidates);
  }

  window.gxCandidates = { item, poolNote, none };
})();
