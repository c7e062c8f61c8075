"""The region brief: every section's rows gathered from the KB and the analysis capabilities.

A ``Brief`` is plain data (frozen dataclasses) that the HTML, XLSX and PDF writers render the
same way; every figure carries the citation it came from (document title and locator or
character span), and a section whose capability is missing says so instead of being empty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from gxatlas.api import capabilities, queries
from gxatlas.errors import GxatlasError
from gxatlas.kb.query import facts_of

MAX_ROWS = 200
_STATUS_ZH = {"strong": "强", "present": "具备", "weak": "薄弱", "missing": "缺失"}


@dataclass(frozen=True)
class Section:
    """One part of the brief: a table (columns, rows) with a citation per row, or a note."""

    key: str
    title: str
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    sources: tuple[str, ...] = ()  # one citation per row
    note: str | None = None        # why the section is empty or partial
    chart: dict[str, Any] | None = None  # {"kind": "bar", "title", "labels", "series": {name: values}}


@dataclass(frozen=True)
class Brief:
    region: str
    generated: str
    sections: tuple[Section, ...] = field(default=())


def citation_text(source: dict[str, Any] | None) -> str:
    """``示例规划 · 第1段`` / ``示例规划 · 字符 0–11`` from a `gxatlas.kb.query.citation`."""
    if not source:
        return ""
    where = source.get("at") or (f"字符 {source['span'][0]}-{source['span'][1]}"
                                 if source.get("span") else "")
    doc = source.get("title") or source.get("document") or ""
    return "，".join(x for x in (doc, where) if x)


def _cite(session: Session, entity_type: str, entity_id: int, *prefixes: str) -> str:
    """The citations of an entity's statements whose field starts with one of ``prefixes``
    (all statements when none matches), de-duplicated, in order."""
    facts = facts_of(session, entity_type, entity_id)
    chosen = [f for f in facts if any(f["field"].startswith(p) for p in prefixes)] or facts
    seen: list[str] = []
    for fact in chosen:
        text = citation_text(fact["source"])
        if text and text not in seen:
            seen.append(text)
    return "；".join(seen[:3])


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


def targets_section(session: Session, region_ids: set[int], region: str) -> Section:
    page = queries.indicator_series(session, region=region_ids, limit=MAX_ROWS)
    monitor = capabilities.run("monitor", session, region=region)
    status = _status_index(monitor)
    rows, sources, labels, progress = [], [], [], []
    for item in page["items"]:
        st = status.get(item["id"]) or status.get(item["name"]) or {}
        latest = item["observations"][-1] if item["observations"] else None
        rows.append((item["name"], item.get("scope_name") or "", item.get("unit") or "",
                     _fmt_point(item["baseline_year"], item["baseline_value"],
                                item.get("baseline_text")),
                     _fmt_point(item["target_year"], item["target_value"], item.get("target_text")),
                     _fmt_point(latest["year"], latest["value"]) if latest else "—",
                     st.get("status_zh") or st.get("status") or "未评估"))
        obs_src = f"；实际值: {latest['source']}" if latest and latest.get("source") else ""
        sources.append(_cite(session, "indicator", item["id"], "target", "baseline") + obs_src)
        share = _progress_share(item, latest)
        if share is not None:
            labels.append(item["name"][:16])
            progress.append(share)
    note = None if monitor.get("available") else f"监测状态暂缺: {monitor.get('reason')}"
    if not rows:
        note = "本地区暂无规划指标。"
    chart = ({"kind": "bar", "title": "最新实际值占目标值的比例 (%)", "labels": labels,
              "series": {"完成度 %": progress}} if labels else None)
    return Section("targets", "规划目标与进展",
                   ("指标", "范围", "单位", "基期", "目标", "最新实际", "状态"),
                   tuple(rows), tuple(sources), note, chart)


def _progress_share(item: dict[str, Any], latest: dict[str, Any] | None) -> float | None:
    target = item.get("target_value")
    if latest is None or not isinstance(target, (int, float)) or not target:
        return None
    return round(100.0 * latest["value"] / target, 1)


def parks_section(session: Session, region_ids: set[int]) -> Section:
    data = queries.map_parks(session, region=region_ids)
    parks = sorted(data["parks"], key=lambda p: -(p["planned_output"] or {}).get("value", 0))
    rows, sources = [], []
    for park in parks[:MAX_ROWS]:
        out = park["planned_output"]
        rows.append((park["name"], park["city"] or "", park["level"] or "", park["class"] or "",
                     f"{out['value']:g} {out['unit']} ({out['year']}年, {out['metric']})"
                     if out else "—"))
        sources.append(_cite(session, "park", park["id"], "target", "name"))
    top = [p for p in parks if p["planned_output"]][:15]
    chart = ({"kind": "bar", "title": "园区规划产值 (亿元)", "labels": [p["name"][:16] for p in top],
              "series": {"规划产值": [p["planned_output"]["value"] for p in top]}} if top else None)
    return Section("parks", "园区", ("园区", "城市", "级别", "等级", "规划产值"), tuple(rows),
                   tuple(sources), None if rows else "本地区暂无园区记录。", chart)


def _unavailable(key: str, title: str, result: dict[str, Any]) -> Section | None:
    if result.get("available"):
        return None
    return Section(key, title, note=f"暂缺: {result.get('reason')}")


def _join(items: Any, n: int = 3) -> str:
    return "、".join(str(i) for i in list(items or [])[:n])


def chains_section(session: Session, region: str) -> Section:
    title = "产业链与缺口"
    try:
        templates = capabilities.chain_templates()
    except GxatlasError as err:
        return Section("chains", title, note=f"产业链模板无法读取: {err}")
    rows: list[tuple[Any, ...]] = []
    for template in templates:
        result = capabilities.run("chains", session, region=region, chain=template["id"])
        if not result.get("available"):
            names = "、".join(t["name"] for t in templates)
            return Section("chains", title,
                           note=f"环节状态暂缺: {result.get('reason')}。已有产业链模板: {names}")
        coverage = result["result"]
        names = {link["id"]: link["name"] for link in coverage["links"]}
        for gap in coverage["gaps"]:
            rows.append((template["name"], names.get(gap["link"], gap["link"]),
                         _STATUS_ZH.get(gap["status"], gap["status"]), gap["importance"],
                         _join(c["name"] for c in gap["candidates"])))
    source = "产业链覆盖分析 (gxatlas.analysis.chains)：知识库中的企业、项目与规划表述"
    return Section("chains", title, ("产业链", "环节", "状态", "重要性", "候选来源"),
                   tuple(rows), tuple(source for _ in rows), None if rows else "没有缺口。")


def partners_section(session: Session, region: str) -> Section:
    title = "合作伙伴"
    result = capabilities.run("partners", session, home=region, limit=20)
    empty = _unavailable("partners", title, result)
    if empty:
        return empty
    report = result["result"]
    source = f"合作伙伴排序 (gxatlas.analysis.partners)，数据: {report.get('table_source', '')}"
    rows = [(p["region"], round(p["score"], 3), _join(p.get("industries")),
             p.get("distance_km") if p.get("distance_km") is not None else "—", p["reason"])
            for p in report.get("partners", [])]
    top = rows[:10]
    chart = ({"kind": "bar", "title": "合作伙伴综合得分", "labels": [r[0] for r in top],
              "series": {"得分": [r[1] for r in top]}} if top else None)
    return Section("partners", title, ("地区", "得分", "合作产业", "距离 (公里)", "理由"),
                   tuple(rows), tuple(source for _ in rows), None if rows else "无结果。", chart)


def audit_section(session: Session, region: str) -> Section:
    title = "规划审查发现"
    result = capabilities.run("audit", session, region=region)
    empty = _unavailable("audit", title, result)
    if empty:
        return empty
    findings = result["result"].get("findings", [])
    rows, sources = [], []
    for f in findings[:MAX_ROWS]:
        rows.append((f["rule"], f["severity"], f["indicator"], f["message"]))
        ev = (f.get("evidence") or [{}])[0]
        where = f"字符 {ev['start']}-{ev['end']}" if ev.get("start") is not None else ""
        sources.append("，".join(x for x in (ev.get("doc", ""), where, ev.get("quote", "")) if x))
    docs = result["result"].get("documents", [])
    note = None if rows else (f"已审查 {len(docs)} 个文件，未发现问题。" if docs
                              else "本地区没有保存原文的文件可供审查。")
    return Section("audit", title, ("规则", "级别", "指标", "说明"), tuple(rows),
                   tuple(sources), note)


def build_brief(session: Session, *, region: str) -> Brief:
    """The brief of ``region`` (a name, short name, alias or code); unknown -> GxatlasError."""
    try:
        reg = queries.find_region(session, region)
    except queries.NotFound as err:
        raise GxatlasError(str(err)) from err
    ids = queries.region_ids(session, reg)
    sections = (
        targets_section(session, ids, reg.name),
        parks_section(session, ids),
        chains_section(session, reg.name),
        partners_section(session, reg.name),
        audit_section(session, reg.name),
    )
    return Brief(region=reg.name, generated=dt.date.today().isoformat(), sections=sections)
