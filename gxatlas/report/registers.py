"""The brief's two register sections: the major-project pipeline and the cultivation pool,
registered before the chain section (importing this module registers them; the report
package does)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from gxatlas.api import capabilities
from gxatlas.report.brief import (MAX_ROWS, Scope, Section, _unavailable, citation_text,
                                  register_section)


def _run(name: str, title: str, session: Session, scope: Scope) -> dict[str, Any] | Section:
    """The capability's report for the brief's region, or the section saying it is missing."""
    result = capabilities.run(name, session, region=scope.region)
    return _unavailable(name, title, result) or result["result"]


def _place(item: dict[str, Any]) -> str:
    """南宁市·横州市: the city and, when its sources name one, the county."""
    return "·".join(x for x in (item.get("city"), item.get("county")) if x)


def projects_section(session: Session, scope: Scope) -> Section:
    """Every project of the region with its stage, date, investment and the source of the
    stage; the funnel as a chart; the stalled ones flagged."""
    title = "重大项目库"
    report = _run("projects", title, session, scope)
    if isinstance(report, Section):
        return report
    order = {s["stage"]: i for i, s in enumerate(report["stages"])}
    projects = sorted(report["projects"], key=lambda p: (
        p["stage"] is None, -order.get(p["stage"], -1), p["name"]))
    rows, sources = [], []
    for p in projects[:MAX_ROWS]:
        stale = {True: "停滞", False: "", None: "—"}[p["stale"]]
        rows.append((p["name"], _place(p), p["park"] or p["enterprise"] or "",
                     p["stage_label"] or "阶段不明", p["since"] or "—",
                     p["investment"] if p["investment"] is not None else "—",
                     "、".join(p["chains"]), stale))
        sources.append(citation_text(p["source"] or p["named"]) or "；".join(p["documents"][:2]))
    sm = report["summary"]
    funnel = report["funnel"]
    note = (f"共 {sm['count']} 个项目，投资额合计 {sm['investment']:g} 亿元（{sm['with_investment']} 个"
            f"写明投资额）；阶段：" + "，".join(f"{f['label']} {f['count']}" for f in funnel)
            + f"，阶段不明 {sm['unstaged']}；停滞 {sm['stale']} 个。{report['rule']}")
    summary = ((f"重大项目：{sm['count']} 个，" + "、".join(
        f"{f['label']} {f['count']} 个" for f in funnel if f["count"])
        + (f"；{sm['stale']} 个 {report['stale_months']} 个月以上未推进" if sm["stale"] else "")
        + "。",) if rows else ())
    if not rows:
        note = "本地区暂无重大项目记录。"
    chart = ({"kind": "bar", "title": "项目阶段漏斗（个）", "labels": [f["label"] for f in funnel],
              "series": {"项目数": [f["count"] for f in funnel]}}
             if any(f["count"] for f in funnel) else None)
    return Section("projects", title, ("项目", "城市", "园区/企业", "阶段", "进入阶段", "投资 (亿元)",
                                       "产业链", "停滞"),
                   tuple(rows), tuple(sources), note, chart, summary)


def pool_section(session: Session, scope: Scope) -> Section:
    """The region's cultivation pool: each member with its tiers, then the firms that moved
    up and the candidates for the next tier with their rule."""
    title = "企业培育库"
    report = _run("pool", title, session, scope)
    if isinstance(report, Section):
        return report
    rows, sources = [], []
    for f in report["firms"][:MAX_ROWS]:
        tiers = "、".join(f"{t['name']}" + (f"（{t['when']}）" if t["when"] else "")
                         for t in f["tiers"])
        rows.append(("培育库", f["name"], _place(f), tiers, "、".join(f["links"][:3])))
        sources.append("；".join(dict.fromkeys(citation_text(t["source"]) for t in f["tiers"])))
    for m in report["moved_up"][:MAX_ROWS]:
        rows.append(("晋级", m["name"], m["city"] or "", m["text"], ""))
        sources.append(citation_text(m["to"]["source"]))
    for c in report["candidates"][:MAX_ROWS]:
        rows.append(("候选", c["name"], c["city"] or "", f"→ {c['target_name']}", c["reason"]))
        sources.append(f"规则 {c['rule']}")
    counts = [t for t in report["by_tier"] if t["count"]]
    sm = report["summary"]
    note = (f"培育库企业 {sm['firms']} 家（" + "，".join(f"{t['name']} {t['count']}" for t in counts)
            + f"）；晋级 {sm['moved_up']} 家；下一档候选 {sm['candidates']} 条。") if counts else \
        "本地区暂无企业称号记录（可用 gxatlas enterprises pool import 导入称号名单）。"
    chart = ({"kind": "bar", "title": "培育库企业数（按称号）", "labels": [t["name"] for t in counts],
              "series": {"企业数": [t["count"] for t in counts]}} if counts else None)
    summary = ((f"企业培育库：{sm['firms']} 家企业，晋级 {sm['moved_up']} 家，下一档候选 "
                f"{sm['candidates']} 条。",) if counts else ())
    return Section("pool", title, ("类别", "企业", "城市", "称号", "产业链环节 / 依据"),
                   tuple(rows), tuple(sources), note, chart, summary)


register_section("projects", projects_section, before="chains")
register_section("pool", pool_section, before="chains")
