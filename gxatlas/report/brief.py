"""The region brief: every section's rows gathered from the KB and the analysis capabilities.

A ``Brief`` is plain data (frozen dataclasses) that the HTML, XLSX and PDF writers render the
same way; every figure carries the citation it came from (document title and locator or
character span), and a section whose capability is missing says so instead of being empty.

Sections are built by the functions registered in ``SECTIONS`` (in order), each
``builder(session, scope) -> Section``. A module that adds a section to the brief calls
``register_section(key, builder, before=...)``; the writers need no change. Each section
may contribute sentences to the executive summary (``Section.summary``), which the writers
put first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy.orm import Session

from gxatlas.api import capabilities, queries
from gxatlas.errors import GxatlasError
from gxatlas.kb.query import facts_of
from gxatlas.kb.resolve import covering_region_ids

MAX_ROWS = 200
REPORT_CANDIDATES = 3  # candidate firms per chain gap
_STATUS_ZH = {"strong": "强", "present": "具备", "weak": "薄弱", "missing": "缺失"}


@dataclass(frozen=True)
class Section:
    """One part of the brief: a table (columns, rows) with a citation per row, or a note.

    Cells are plain values: numbers stay numbers (the XLSX writer keeps them as numbers).
    ``summary`` holds the sentences this section adds to the executive summary.
    """

    key: str
    title: str
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    sources: tuple[str, ...] = ()  # one citation per row
    note: str | None = None        # why the section is empty or partial
    chart: dict[str, Any] | None = None  # {"kind": "bar", "title", "labels", "series": {name: values}}
    summary: tuple[str, ...] = ()


@dataclass(frozen=True)
class Brief:
    region: str
    generated: str
    sections: tuple[Section, ...] = field(default=())

    @property
    def summary(self) -> tuple[str, ...]:
        """The executive summary: every section's summary sentences, in section order."""
        return tuple(line for s in self.sections for line in s.summary)


@dataclass(frozen=True)
class Scope:
    """What a section builder is given: the brief's region and the region ids it covers."""

    region: str                   # full name, e.g. 南宁市
    region_ids: frozenset[int]    # the region and every region inside it
    covering_ids: frozenset[int]  # plus the regions and groups containing it (their plans)


SectionBuilder = Callable[[Session, Scope], Section]


def citation_text(source: dict[str, Any] | None) -> str:
    """``示例规划 · 第1段`` / ``示例规划 · 字符 0–11`` from a `gxatlas.kb.query.citation`."""
    if not source:
        return ""
    where = source.get("at") or (f"字符 {source['span'][0]}-{source['span'][1]}"
                                 if source.get("span") else "")
    doc = source.get("title") or source.get("document") or ""
    return "，".join(x for x in (doc, where) if x)


def entity_citations(session: Session, entity_type: str, entity_id: int, *prefixes: str,
                     limit: int = 3) -> list[str]:
    """The citations of an entity's statements whose field starts with one of ``prefixes``
    (all statements when none matches), de-duplicated, in order."""
    facts = facts_of(session, entity_type, entity_id)
    chosen = [f for f in facts if any(f["field"].startswith(p) for p in prefixes)] or facts
    seen: list[str] = []
    for fact in chosen:
        text = citation_text(fact["source"])
        if text and text not in seen:
            seen.append(text)
    return seen[:limit]


def _cite(session: Session, entity_type: str, entity_id: int, *prefixes: str) -> str:
    return "；".join(entity_citations(session, entity_type, entity_id, *prefixes))


def _status_index(monitor: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    result = monitor.get("result") if monitor.get("available") else None
    index: dict[Any, dict[str, Any]] = {}
    for row in result if isinstance(result, list) else []:
        if isinstance(row, dict):
            index[row.get("indicator_id") or row.get("indicator")] = row
    return index


def _fmt_point(year: Any, value: Any, text: Any = None) -> str:
    if year is None and value is None and not text:
        return "—"
    shown = text if text else (f"{value:g}" if isinstance(value, (int, float)) else value)
    return f"{year}: {shown}" if year else str(shown)


def _count_text(counts: dict[str, int]) -> str:
    return "，".join(f"{k} {v} 项" for k, v in counts.items() if v)


def _waiting(waiting: dict[str, Any] | None, label: str, note: str | None) -> str | None:
    """The section's note with how many entities wait for review (left out of the brief)."""
    if not waiting or not waiting.get("entities"):
        return note
    line = (f"知识库中另有 {waiting['entities']} 个{label}待审核，未计入本简报"
            f"（gxatlas review 审核）。")
    return f"{note} {line}" if note else line


def targets_section(session: Session, scope: Scope) -> Section:
    page = queries.indicator_series(session, region=set(scope.region_ids), limit=MAX_ROWS)
    monitor = capabilities.run("monitor", session, region=scope.region)
    status = _status_index(monitor)
    rows, sources, labels, progress = [], [], [], []
    counts: dict[str, int] = {}
    for item in page["items"]:
        st = status.get(item["id"]) or {}
        latest = item["observations"][-1] if item["observations"] else None
        shown = st.get("status_zh") or "未评估"
        if st.get("status"):
            counts[shown] = counts.get(shown, 0) + 1
        rows.append((item["name"], item.get("scope_name") or "", item.get("unit") or "",
                     st.get("baseline_text") or _fmt_point(item["baseline_year"],
                                                           item["baseline_value"],
                                                           item.get("baseline_text")),
                     st.get("target_text") or _fmt_point(item["target_year"],
                                                         item["target_value"],
                                                         item.get("target_text")),
                     _fmt_point(latest["year"], latest["value"]) if latest else "—",
                     shown, st.get("reason") or ""))
        obs_src = f"；实际值: {latest['source']}" if latest and latest.get("source") else ""
        sources.append(_cite(session, "indicator", item["id"], "target", "baseline") + obs_src)
        share = _progress_share(item, latest)
        if share is not None:
            labels.append(item["name"][:16])
            progress.append(share)
    note = None if monitor.get("available") else f"监测状态暂缺: {monitor.get('reason')}"
    if not rows:
        note = "本地区暂无规划指标。"
    note = _waiting(page.get("waiting"), "指标", note)
    chart = ({"kind": "bar", "title": "最新实际值占目标值的比例 (%)", "labels": labels,
              "series": {"完成度 %": progress}, "format": "%.0f"} if labels else None)
    summary = (f"规划目标：{len(rows)} 项指标" + (f"，其中{_count_text(counts)}" if counts else "")
               + "。",) if rows else ("规划目标：本地区暂无规划指标。",)
    return Section("targets", "规划目标与进展",
                   ("指标", "范围", "单位", "基期", "目标", "最新实际", "状态", "说明"),
                   tuple(rows), tuple(sources), note, chart, summary)


def _progress_share(item: dict[str, Any], latest: dict[str, Any] | None) -> float | None:
    target = item.get("target_value")
    if latest is None or not isinstance(target, (int, float)) or not target:
        return None
    return round(100.0 * latest["value"] / target, 1)


def parks_section(session: Session, scope: Scope) -> Section:
    data = queries.map_parks(session, region=set(scope.region_ids))
    parks = sorted(data["parks"], key=lambda p: -(p["planned_output"] or {}).get("value", 0))
    rows, sources = [], []
    for park in parks[:MAX_ROWS]:
        out = park["planned_output"] or {}
        rows.append((park["name"], park["city"] or "", park["level"] or "", park["class"] or "",
                     out.get("value"), out.get("unit") or "", out.get("year"),
                     out.get("metric") or ""))
        sources.append(_cite(session, "park", park["id"], "target", "name"))
    top = [p for p in parks if p["planned_output"]][:15]
    chart = ({"kind": "bar", "title": "园区规划产值 (亿元)", "labels": [p["name"][:16] for p in top],
              "series": {"规划产值": [p["planned_output"]["value"] for p in top]}} if top else None)
    summary = ((f"园区：{len(parks)} 个，规划产值最高的是{top[0]['name']}"
                f"（{top[0]['planned_output']['value']:g} {top[0]['planned_output']['unit']}，"
                f"{top[0]['planned_output']['year']}年）。",) if top else
               (f"园区：{len(parks)} 个。",))
    return Section("parks", "园区", ("园区", "城市", "级别", "等级", "规划产值", "单位", "目标年",
                                     "指标"), tuple(rows),
                   tuple(sources), _waiting(data.get("waiting"), "园区",
                                            None if rows else "本地区暂无园区记录。"),
                   chart, summary)


def _unavailable(key: str, title: str, result: dict[str, Any]) -> Section | None:
    if result.get("available"):
        return None
    return Section(key, title, note=f"暂缺: {result.get('reason')}",
                   summary=(f"{title}：暂缺（{result.get('reason')}）。",))


def _join(items: Any, n: int = 3) -> str:
    return "、".join(str(i) for i in list(items or [])[:n])


def _link_basis(link: dict[str, Any], region: str) -> str:
    """What the status of a chain link rests on, in words (a project with its stage)."""
    from gxatlas.analysis.chains import staged_project

    held = [*(f"企业 {e}" for e in link.get("enterprises", [])),
            *(f"项目 {staged_project(link, p)}" for p in link.get("projects", []))]
    if held:
        return "知识库中的" + "、".join(str(h) for h in held[:3])
    return f"知识库中{region}没有该环节的企业或项目"


def chains_section(session: Session, scope: Scope) -> Section:
    title = "产业链与缺口"
    try:
        templates = capabilities.chain_templates()
    except GxatlasError as err:
        return Section("chains", title, note=f"产业链模板无法读取: {err}")
    rows: list[tuple[Any, ...]] = []
    sources: list[str] = []
    pool: dict[str, Any] | None = None
    for template in templates:
        result = capabilities.run("chains", session, region=scope.region, chain=template["id"],
                                  candidates=REPORT_CANDIDATES)
        if not result.get("available"):
            names = "、".join(t["name"] for t in templates)
            return Section("chains", title,
                           note=f"环节状态暂缺: {result.get('reason')}。已有产业链模板: {names}")
        coverage = result["result"]
        pool = pool or coverage.get("candidate_pool")
        links = {link["id"]: link for link in coverage["links"]}
        for gap in coverage["gaps"]:
            link = links.get(gap["link"], {})
            rows.append((template["name"], link.get("name", gap["link"]),
                         _STATUS_ZH.get(gap["status"], gap["status"]), gap["importance"],
                         _candidate_firms(gap["candidates"]) or (
                             "无（全国候选库与知识库中没有做此环节的企业）"
                             if gap.get("no_candidates") else ""),
                         _join(c["name"] for c in gap["candidates"] if c["type"] == "region")))
            cand = "；".join(f"{c['name']}: {c['reason']}" for c in gap["candidates"][:2]
                            if c.get("reason") and c["type"] == "region")
            age = (f"候选企业：{pool['name']}（数据截至 {pool['as_of']}）与知识库" if pool else "")
            sources.append("；".join(x for x in (
                _link_basis(link, scope.region),
                f"产业链模板“{template['name']}”依据: {template['source']}" if template.get("source")
                else "", age, cand) if x))
    chains_with_gaps = len({r[0] for r in rows})
    summary = (f"产业链：{len(templates)} 条产业链中有 {chains_with_gaps} 条存在缺口，"
               f"共 {len(rows)} 个缺失或薄弱环节"
               + (f"；每个缺口列出 {REPORT_CANDIDATES} 家招商候选企业（{pool['name']}，数据截至 "
                  f"{pool['as_of']}）" if pool else "") + "。",)
    return Section("chains", title, ("产业链", "环节", "状态", "重要性", "招商候选企业",
                                     "候选地区"),
                   tuple(rows), tuple(sources), None if rows else "没有缺口。", summary=summary)


def _candidate_firms(candidates: list[dict[str, Any]], n: int = REPORT_CANDIDATES) -> str:
    """The top firms of a gap with where they are: 恩捷股份（云南省玉溪市）、…"""
    out = []
    for c in [c for c in candidates if c["type"] == "enterprise"][:n]:
        place = "".join(x for x in (c.get("province"), c.get("city")
                                    if c.get("city") != c.get("province") else None) if x)
        out.append(f"{c['name']}（{place}）" if place else c["name"])
    return "、".join(out)


def partners_section(session: Session, scope: Scope) -> Section:
    title = "合作伙伴"
    result = capabilities.run("partners", session, home=scope.region, limit=20)
    empty = _unavailable("partners", title, result)
    if empty:
        return empty
    report = result["result"]
    rows, sources = [], []
    for p in [*report.get("partners", []), *report.get("named_partners", [])]:
        comps = p.get("components", {})
        rows.append((p["region"], round(p["score"], 3),
                     *(round(comps[k], 3) if comps.get(k) is not None else "无数据"
                       for k in ("complementarity", "relatedness", "chain_fit", "connection")),
                     _join(p.get("industries")),
                     p.get("distance_km") if p.get("distance_km") is not None else "—",
                     p["reason"]))
        sources.append(p.get("basis_text") or report.get("table_source", ""))
    top = rows[:min(10, len(report.get("partners", [])))]
    chart = ({"kind": "bar", "title": "合作伙伴综合得分 (0–1)", "labels": [r[0] for r in top],
              "series": {"得分": [r[1] for r in top]}, "format": "%.2f"} if top else None)
    notes = [n for n in (report.get("matrix_note"), report.get("table_source")) if n]
    named = [p["region"] for p in report.get("named_partners", [])]
    summary = ((f"合作伙伴：排名前列的是{_join((p['region'] for p in report['partners']), 5)}"
                + (f"；文件点名而缺少产业数据的合作对象有{_join(named, 5)}等" if named else "")
                + "。",) if rows else ())
    return Section("partners", title, ("地区", "得分", "互补性", "关联性", "产业链契合", "联系",
                                       "合作产业", "距离 (公里)", "理由"),
                   tuple(rows), tuple(sources), "；".join(notes) if rows else "无结果。",
                   chart, summary)


def audit_section(session: Session, scope: Scope) -> Section:
    title = "规划审查发现"
    result = capabilities.run("audit", session, region=scope.region, covering=True)
    empty = _unavailable("audit", title, result)
    if empty:
        return empty
    findings = result["result"].get("findings", [])
    titles = result["result"].get("titles", {})
    rows, sources = [], []
    for f in findings[:MAX_ROWS]:
        rows.append((f["rule"], "错误" if f["severity"] == "error" else "提示", f["indicator"],
                     f["message"]))
        ev = (f.get("evidence") or [{}])[0]
        where = f"字符 {ev['start']}-{ev['end']}" if ev.get("start") is not None else ""
        doc = titles.get(ev.get("doc", ""), ev.get("doc", ""))
        sources.append("，".join(x for x in (doc, where, f"“{ev['quote']}”" if ev.get("quote")
                                             else "") if x))
    docs = result["result"].get("documents", [])
    note = None if rows else (f"已审查 {len(docs)} 个文件，未发现问题。" if docs
                              else "本地区没有保存原文的文件可供审查。")
    errors = sum(1 for r in rows if r[1] == "错误")
    summary = (f"规划审查：审查 {len(docs)} 个文件，发现 {len(rows)} 处问题"
               f"（其中错误 {errors} 处）。",)
    return Section("audit", title, ("规则", "级别", "指标", "说明"), tuple(rows),
                   tuple(sources), note, summary=summary)


#: The brief's sections, in order: (key, builder). Add one with ``register_section``.
SECTIONS: list[tuple[str, SectionBuilder]] = [
    ("targets", targets_section),
    ("parks", parks_section),
    ("chains", chains_section),
    ("partners", partners_section),
    ("audit", audit_section),
]


def register_section(key: str, builder: SectionBuilder, *, before: str | None = None) -> None:
    """Add (or replace) the section ``key``; placed before section ``before`` if given, else
    last."""
    existing = [k for k, _ in SECTIONS]
    if key in existing:
        SECTIONS[existing.index(key)] = (key, builder)
        return
    index = existing.index(before) if before in existing else len(SECTIONS)
    SECTIONS.insert(index, (key, builder))


def build_brief(session: Session, *, region: str) -> Brief:
    """The brief of ``region`` (a name, short name, alias or code); unknown -> GxatlasError."""
    try:
        reg = queries.find_region(session, region)
    except queries.NotFound as err:
        raise GxatlasError(str(err)) from err
    scope = Scope(region=reg.name, region_ids=frozenset(queries.region_ids(session, reg)),
                  covering_ids=frozenset(covering_region_ids(session, reg.id)))
    sections = tuple(builder(session, scope) for _key, builder in SECTIONS)
    return Brief(region=reg.name, generated=dt.date.today().isoformat(), sections=sections)
