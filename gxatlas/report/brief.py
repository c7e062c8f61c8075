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


def _capability_section(key: str, title: str, result: dict[str, Any],
                        rows_of: Any) -> Section:
    if not result.get("available"):
        return Section(key, title, note=f"暂缺: {result.get('reason')}")
    columns, rows, sources = rows_of(result["result"])
    return Section(key, title, columns, tuple(rows), tuple(sources),
                   None if rows else "无结果。")


def _generic_rows(result: Any) -> tuple[tuple[str, ...], list[tuple[Any, ...]], list[str]]:
    """Rows of a list of dicts (columns = the union of their scalar keys), sources from
    ``source``/``citation``/``evidence`` keys."""
    items = result.get("items") or result.get("findings") or result.get("partners") \
        if isinstance(result, dict) else result
    items = [i for i in (items or []) if isinstance(i, dict)]
    cols: list[str] = []
    for item in items:
        for k, v in item.items():
            if k not in cols and k not in ("source", "citation", "evidence", "sources") \
                    and not isinstance(v, (dict, list)):
                cols.append(k)
    rows = [tuple(item.get(c, "") for c in cols) for item in items[:MAX_ROWS]]
    sources = [str(item.get("source") or item.get("citation") or item.get("evidence") or "")
               for item in items[:MAX_ROWS]]
    return tuple(cols), rows, sources


def chains_section(session: Session, region: str) -> Section:
    try:
        templates = capabilities.chain_templates()
    except GxatlasError as err:
        return Section("chains", "产业链与缺口", note=f"产业链模板无法读取: {err}")
    rows: list[tuple[Any, ...]] = []
    sources: list[str] = []
    reason = None
    for template in templates:
        result = capabilities.run("chains", session, region=region, chain=template["id"])
        if not result.get("available"):
            reason = result.get("reason")
            break
        _cols, chain_rows, chain_sources = _generic_rows(result["result"])
        rows.extend((template["name"], *r) for r in chain_rows)
        sources.extend(chain_sources)
    if reason:
        names = "、".join(t["name"] for t in templates)
        return Section("chains", "产业链与缺口",
                       note=f"环节状态暂缺: {reason}。已有产业链模板: {names}")
    return Section("chains", "产业链与缺口", ("产业链", "环节", "状态", "说明"),
                   tuple(r[:4] for r in rows), tuple(sources), None if rows else "无结果。")


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
        _capability_section("partners", "合作伙伴",
                            capabilities.run("partners", session, home=reg.name, limit=20),
                            _generic_rows),
        _capability_section("audit", "规划审查发现",
                            capabilities.run("audit", session, region=reg.name), _generic_rows),
    )
    return Brief(region=reg.name, generated=dt.date.today().isoformat(), sections=sections)
