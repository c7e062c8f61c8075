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


# --- the registers as workbooks (CLI --format xlsx, API …/projects.xlsx and …/pool.xlsx) ---

ORIGIN_NAMES = {"atlas": "内置图谱", "extracted": "文件抽取", "user": "人工设定", "list": "称号名单"}


def _total_rows(rows: list[dict[str, Any]], *, group: str) -> list[dict[str, Any]]:
    return [{group: r["label"], "项目数": r["count"], "投资额（亿元）": r["investment"],
             "其中有投资额的项目": r["with_investment"], "停滞": r["stale"]} for r in rows]


def project_sheets(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The pipeline (`gxatlas.analysis.pipeline.pipeline_report`) as sheets of rows with
    Chinese headers: the projects, one sheet per total, every stage statement."""
    from gxatlas.analysis.pipeline import GROUP_NAMES

    projects = [{"项目": p["name"], "城市": p["city"], "区县": p["county"], "园区": p["park"],
                 "企业": p["enterprise"], "阶段": p["stage_label"] or "阶段不明",
                 "进入阶段日期": p["since"], "在此阶段月数": p["months"],
                 "停滞": {True: "是", False: "否"}.get(p["stale"], "无法判断"),
                 "投资额（亿元）": p["investment"], "产能": p["capacity"],
                 "产业链": "、".join(p["chains"]), "环节": "、".join(p["links"]),
                 "阶段出处": citation_text(p["source"]),
                 "名称出处": citation_text(p.get("named")),
                 "后文称早先阶段": "；".join(f"{c['date'] or '日期不明'} {c['stage']}："
                                           f"{citation_text(c['source'])}"
                                           for c in p["conflicts"])}
                for p in report["projects"]]
    history = [{"项目": p["name"], "阶段": c["stage"], "原文说法": c["word"], "日期": c["date"],
                "来源类型": ORIGIN_NAMES.get(c["origin"], c["origin"]),
                "出处": citation_text(c["source"]), "设定人": c["set_by"], "设定时间": c["set_at"],
                "说明": c["note"]} for p in report["projects"] for c in p["history"]]
    sheets = {"项目": projects}
    for by, rows in report["totals"].items():
        sheets[f"按{GROUP_NAMES[by]}"] = _total_rows(rows, group=GROUP_NAMES[by])
    sheets["阶段记录"] = history
    return sheets


def pool_sheets(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The cultivation pool (`gxatlas.analysis.pool.pool_report`) as sheets of rows with
    Chinese headers: counts by tier, city and chain link, movers, candidates, members."""
    names = {t["id"]: t["name"] for t in report["tiers"]}
    by_tier = [{"称号": r["name"], "企业数": r["count"],
                "层级": "、".join(f"{k} {v}" for k, v in r["levels"].items())}
               for r in report["by_tier"]]
    held = [t for t in names if any(t in r["tiers"] for r in report["by_city"])]

    def counts(rows: list[dict[str, Any]], head: str) -> list[dict[str, Any]]:
        return [{head: r["key"], "企业数": r["total"],
                 **{names[t]: r["tiers"].get(t, 0) for t in held}} for r in rows]

    moved = [{"企业": m["name"], "城市": m["city"], "原称号": m["from"]["name"],
              "原年份": m["from"]["year"], "现称号": m["to"]["name"], "现年份": m["to"]["year"],
              "出处": citation_text(m["to"]["source"])} for m in report["moved_up"]]
    cands = [{"企业": c["name"], "城市": c["city"], "现有称号": "、".join(c["now"]),
              "候选称号": c["target_name"], "规则": c["rule"], "依据": c["reason"]}
             for c in report["candidates"]]
    firms = [{"企业": f["name"], "城市": f["city"], "区县": f["county"],
              "称号": "、".join(f"{t['level'] or ''}{t['name']}" + (f"（{t['when']}）" if t["when"]
                                                                   else "") for t in f["tiers"]),
              "产业链环节": "、".join(f["links"]),
              "出处": "；".join(dict.fromkeys(citation_text(src) for t in f["tiers"]
                                            for src in (t.get("sources") or [t["source"]])
                                            if src))}
             for f in report["firms"]]
    return {"按称号": by_tier, "按城市": counts(report["by_city"], "城市"),
            "按产业链环节": counts(report["by_link"], "产业链环节"), "晋级企业": moved,
            "候选企业": cands, "培育库企业": firms}


def sheets_xlsx(sheets: dict[str, list[dict[str, Any]]]) -> bytes:
    """Sheets of rows (their keys are the headers) as one Excel workbook."""
    import io

    import pandas as pd

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as writer:
        for name, rows in sheets.items():
            pd.DataFrame(rows).to_excel(writer, sheet_name=name[:31], index=False)
    return buf.getvalue()


register_section("projects", projects_section, before="chains")
register_section("pool", pool_section, before="chains")
