"""The `gxatlas` command. Each sub-command is a thin wrapper over a library function."""

from __future__ import annotations

import json
from pathlib import Path
import sys
from typing import Any

import click

from gxatlas.errors import GxatlasError


class _Group(click.Group):
    """Turns GxatlasError into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GxatlasError as err:
            click.echo(f"gxatlas: {err}", err=True)
            ctx.exit(1)


def emit_json(obj: Any) -> None:
    """Print machine-readable output (UTF-8, Chinese kept readable)."""
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


@click.group(cls=_Group)
@click.option("--db", "db_url", envvar="GXATLAS_DB", default=None,
              help="Database URL (sqlite:///path or postgresql://...); default: GXATLAS_DB, "
                   "else a SQLite file in the user data directory.")
@click.version_option(package_name="gxatlas")
@click.pass_context
def main(ctx: click.Context, db_url: str | None) -> None:
    """gxatlas 广西产业图谱: planning intelligence for Guangxi's industries."""
    ctx.ensure_object(dict)
    ctx.obj["db_url"] = db_url


# --- foundation commands (kb): init, show, search, stats ------------------------------------

def open_kb_from(ctx: click.Context, *, create: bool = False):
    """The KB chosen by --db / GXATLAS_DB / the default file."""
    from gxatlas.kb.store import open_kb

    return open_kb(ctx.obj.get("db_url"), create=create)


def console():
    from rich.console import Console

    # A pipe or file gets wide tables (Chinese cells wrap badly at the default 80 columns).
    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def init(ctx: click.Context, as_json: bool) -> None:
    """Create or upgrade the knowledge base and load the bundled atlas (idempotent)."""
    from gxatlas.kb.load import load_all
    from gxatlas.kb.query import stats

    kb = open_kb_from(ctx, create=True)
    with kb.session() as s:
        report = load_all(s)
        st = stats(s)
    if as_json:
        emit_json({"db": kb.url, "added": report.added, "counts": st["counts"]})
        return
    from gxatlas.kb.store import _display

    added = "、".join(f"{k} {v}" for k, v in sorted(report.added.items())) or "无新增（已是最新）"
    click.echo(f"知识库 {_display(kb.url)}: 已加载内置图谱; 新增: {added}")


@main.command()
@click.argument("entity_type", type=click.Choice(
    ["park", "enterprise", "project", "indicator", "policy", "region", "industry", "document"]))
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def show(ctx: click.Context, entity_type: str, name: str, as_json: bool) -> None:
    """Show one entity with every fact about it and the citation of each fact."""
    from gxatlas.kb.query import entity_detail

    kb = open_kb_from(ctx)
    with kb.session() as s:
        if entity_type == "document" and not as_json:
            from gxatlas.kb.documents import render_document

            render_document(s, name, console())
            return
        detail = entity_detail(s, entity_type, name)
    if as_json:
        emit_json(detail)
        return
    _print_detail(detail)


def _fmt(v: Any) -> str:
    if isinstance(v, list):
        return "、".join(_fmt(x) for x in v) if v and not isinstance(v[0], dict) else (
            "; ".join(", ".join(f"{k}={x[k]}" for k in x if x[k] is not None) for x in v))
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v)


def _print_detail(detail: dict[str, Any]) -> None:
    from rich.table import Table

    c = console()
    c.print(f"[bold]{detail.get('name') or detail.get('title') or detail.get('key')}[/bold]"
            f"  ({detail['type']} #{detail['id']})")
    for k, v in detail.items():
        if k in ("type", "id", "facts", "relations", "name") or v in (None, [], ""):
            continue
        c.print(f"  {k}: {_fmt(v)}")
    if detail.get("relations"):
        c.print("  relations: " + "; ".join(f"{r['type']} → {r['with']}"
                                           for r in detail["relations"]))
    t = Table(title="事实与出处 facts and citations", show_lines=False)
    for col in ("field", "value", "source"):
        t.add_column(col)
    for f in detail["facts"]:
        src = f["source"]
        where = src.get("at") or (f"chars {src['span'][0]}-{src['span'][1]} ({src['alignment']})"
                                  if src.get("span") else "")
        t.add_row(f["field"], _fmt(f["value"]), f"{src.get('document') or ''} {where}".strip())
    c.print(t)


@main.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--type", "types", multiple=True, help="Only these entity types.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 500))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def search(ctx: click.Context, query: tuple[str, ...], types: tuple[str, ...], limit: int,
           as_json: bool) -> None:
    """Find entities by Chinese text (traditional characters and stray spaces accepted)."""
    from gxatlas.kb.search import search as run_search

    kb = open_kb_from(ctx)
    with kb.session() as s:
        hits = run_search(s, " ".join(query), types=types, limit=limit)
    if as_json:
        emit_json([{"type": h.entity_type, "id": h.entity_id, "title": h.title,
                    "snippet": h.snippet, "score": round(h.score, 4)} for h in hits])
        return
    if not hits:
        click.echo("没有结果 (no results)")
        return
    from rich.table import Table

    t = Table()
    for col in ("类型 type", "名称 name", "摘要 snippet"):
        t.add_column(col)
    for h in hits:
        t.add_row(f"{h.type_label} {h.entity_type}", h.title, h.snippet)
    console().print(t)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts per entity type and per city."""
    from gxatlas.kb.query import stats as kb_stats

    kb = open_kb_from(ctx)
    with kb.session() as s:
        st = kb_stats(s)
    if as_json:
        emit_json(st)
        return
    from rich.table import Table

    c = console()
    t = Table(title="实体数量 counts")
    t.add_column("type")
    t.add_column("n", justify="right")
    for k, v in st["counts"].items():
        t.add_row(k, str(v))
    c.print(t)
    t = Table(title="按城市 by city")
    t.add_column("city")
    for col in ("park", "enterprise", "project", "indicator"):
        t.add_column(col, justify="right")
    for city, d in st["by_city"].items():
        t.add_row(city, *(str(d.get(col, 0)) for col in ("park", "enterprise", "project",
                                                         "indicator")))
    c.print(t)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def overview(ctx: click.Context, as_json: bool) -> None:
    """A readable summary of the KB: counts, the parks of each city, the planning targets."""
    from rich.table import Table

    from gxatlas.kb.query import overview as kb_overview

    kb = open_kb_from(ctx)
    with kb.session() as s:
        ov = kb_overview(s)
    if as_json:
        emit_json(ov)
        return
    c = console()
    c.print("[bold]广西产业图谱 gxatlas[/bold] — " + "，".join(
        f"{k} {v}" for k, v in ov["counts"].items()))
    t = Table(title="各市园区 parks by city (面积 km², 规划目标)")
    for col in ("城市 city", "园区 park", "级别 level", "面积 km²", "目标 target"):
        t.add_column(col)
    for city, parks in ov["parks_by_city"].items():
        for i, p in enumerate(parks):
            tg = p["target"]
            tgt = "" if tg is None else (f"{tg['year']}年 {tg['metric']} "
                                         f"{'≥' if tg['comparator'] == '>=' else ''}"
                                         f"{_fmt(tg['value'])}{tg['unit']}")
            t.add_row(city if i == 0 else "", p["name"], " ".join(
                x for x in (p["level"], p["class"]) if x), _fmt(p["area_km2"]), tgt)
    c.print(t)
    t = Table(title="规划目标 planning targets (基期 → 目标)")
    for col in ("范围 scope", "指标 indicator", "单位", "基期 baseline", "目标 target", "属性"):
        t.add_column(col)
    for x in ov["targets"]:
        base = f"{x['baseline_year']}: {_fmt(x['baseline_value'])}" if x["baseline_year"] else "—"
        cmp_ = {">=": "≥", "<=": "≤"}.get(x["comparator"] or "", "")
        t.add_row(x["scope"] or "", x["name"], x["unit"] or "", base,
                  f"{x['target_year']}: {cmp_}{_fmt(x['target_value'])}", x["attribute"] or "")
    c.print(t)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], as_json: bool) -> None:
    """Store documents and their facts in the KB, one transaction per file.

    Re-ingesting an unchanged file is a no-op; a changed file replaces its own facts only.
    A file that fails is reported on one line and leaves nothing in the KB; the others go on.
    """
    from gxatlas.ingest import iter_files, read
    from gxatlas.kb.documents import store_document
    from gxatlas.kb.names import known_names

    kb = open_kb_from(ctx)
    with kb.session() as s:
        gazetteer = known_names(s)
    results, failed = [], 0
    for path in iter_files(list(paths)):
        try:
            doc = read(path)
            from gxatlas.extract import extract

            facts = extract(doc, gazetteer=gazetteer)
            with kb.session() as s:
                res = store_document(s, doc, facts)
        except GxatlasError as err:
            failed += 1
            click.echo(f"gxatlas: {err}", err=True)
            continue
        results.append(res)
        if not as_json:
            label = {"unchanged": "未变（跳过）unchanged", "added": "新增 added",
                     "replaced": "已替换 replaced"}[res.status]
            click.echo(f"{path}: {label}; {res.facts} facts, {res.entities} entities")
    if as_json:
        emit_json([{"document": r.document, "status": r.status, "facts": r.facts,
                    "entities": r.entities} for r in results])
    if failed:
        ctx.exit(1)


# --- ingest / extract commands ---------------------------------------------------------------

@main.command("extract")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl",
              show_default=True, help="JSON Lines in the exchange format, or a table for people.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output.")
def extract_cmd(paths: tuple[str, ...], fmt: str, out_path: str | None) -> None:
    """Print the facts of each FILE (directories are walked) as JSON Lines."""
    from gxatlas.extract.run import extract_files

    failed = extract_files(paths, fmt=fmt, out_path=out_path)
    if failed:
        click.echo(f"gxatlas: {failed} file(s) failed", err=True)
        sys.exit(1)


# --- analysis commands: audit, monitor, parks ------------------------------------------------

def _write_xlsx(rows: list[dict[str, Any]], path: str | None, *, sheet: str) -> None:
    """Rows to an Excel sheet (lists joined with 、); ``--output`` is required."""
    import pandas as pd

    if not path:
        raise GxatlasError("--format xlsx 需要 --output 文件名")
    flat = [{k: "、".join(map(str, v)) if isinstance(v, (list, tuple)) else
             json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v
             for k, v in r.items()} for r in rows]
    try:
        pd.DataFrame(flat).to_excel(path, sheet_name=sheet, index=False, engine="xlsxwriter")
    except OSError as err:
        raise GxatlasError(f"{path}: 无法写入（{err.strerror or err}）") from err
    click.echo(f"已写入 {path}（{len(rows)} 行）")


@main.command("audit")
@click.argument("target")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table",
              show_default=True, help="表格（供阅读）或 JSON Lines（每行一条问题）。")
@click.pass_context
def audit_cmd(ctx: click.Context, target: str, fmt: str) -> None:
    """审查规划：找出 FILE（或知识库中的 DOCUMENT_ID）里前后矛盾的数字。"""
    from pathlib import Path

    from gxatlas.analysis.audit import RULE_ZH, audit, stored_document
    from gxatlas.ingest import read

    if Path(target).exists():
        doc = read(target)
    else:
        kb = open_kb_from(ctx)
        with kb.session() as s:
            doc = stored_document(s, target)
    findings = audit(doc)
    if fmt == "jsonl":
        for f in findings:
            click.echo(json.dumps(f.to_dict(), ensure_ascii=False))
        return
    from rich.table import Table

    table = Table(title=f"{doc.title or doc.name}：{len(findings)} 条问题", show_lines=True)
    for col in ("规则", "级别", "指标", "数值", "说明", "位置"):
        table.add_column(col, overflow="fold")
    for f in findings:
        where = "；".join(f"第{doc.line_of(e.start)}行 “{e.quote[:30]}”" for e in f.evidence)
        table.add_row(f"{f.rule}\n{RULE_ZH[f.rule]}", "错误" if f.severity == "error" else "提示",
                      f.indicator, " / ".join(str(v) for v in f.values), f.message, where)
    console().print(table)


@main.group("monitor", invoke_without_command=True)
@click.option("--region", default=None, help="只看某地区（如 南宁）的指标。")
@click.option("--plan", default=None, help="只看某规划文件（知识库中的文件编号）的指标。")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "xlsx"]), default="table",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="xlsx 输出文件")
@click.pass_context
def monitor_cmd(ctx: click.Context, region: str | None, plan: str | None, fmt: str,
                output: str | None) -> None:
    """目标监测：各指标的最新实际值、进展状态、仍需的年均增速和到目标年的预测。"""
    if ctx.invoked_subcommand is not None:
        return
    from gxatlas.analysis import growth
    from gxatlas.analysis.monitor import monitor

    kb = open_kb_from(ctx)
    with kb.session() as s:
        rows = monitor(s, region=region, plan=plan)
    if fmt == "json":
        emit_json([r.to_dict() for r in rows])
        return
    if fmt == "xlsx":
        _write_xlsx([r.to_dict() for r in rows], output, sheet="目标监测")
        return
    from rich.table import Table

    table = Table(title=f"目标监测（{len(rows)} 项）", show_lines=True,
                  caption="状态按 Open SDG 进展测度：无目标时看复合年均增长率（>1% 显著、0.5%～1% 中等、"
                          "0～0.5% 甚微、<0 倒退）；有目标时看 观察增速/所需增速（≥0.95 显著、"
                          "0.5～0.95 中等、0～0.5 甚微、<0 倒退）；约束性指标未达进度记为错误")
    for col in ("指标", "地区", "属性", "基期", "最新", "目标", "进展", "仍需年均增速", "预测", "状态及规则"):
        table.add_column(col, overflow="fold")
    for r in rows:
        p = r.progress
        base = f"{p.base_year}: {p.base_value:g}" if p.base_value is not None else "—"
        latest = f"{p.latest_year}: {p.latest_value:g}" if p.latest_value is not None else "—"
        tgt = f"{p.target_year}: {p.target_level:g}" if p.target_level is not None else (
            f"{p.target_year}: {p.target:g}" if p.target is not None else "—")
        ratio = f"{p.ratio:.2f}" if p.ratio is not None else "—"
        proj = "\n".join(f"{'CAGR' if x.method == 'cagr' else '线性'}: "
                         f"{x.value:g}" if x.value is not None else
                         f"{x.method}: {x.reason}" for x in p.projections) or "—"
        table.add_row(r.indicator, r.region or "", r.attribute or "", base, latest, tgt, ratio,
                      growth.percent(p.still_required_cagr), proj,
                      f"{p.status_zh}\n{p.reason or p.rule.rsplit('；', 1)[-1]}"
                      + ("\n（约束性指标未达进度）" if p.severity == "error" else ""))
    console().print(table)


@monitor_cmd.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def monitor_import_cmd(ctx: click.Context, path: str, as_json: bool) -> None:
    """导入实际值（CSV 或 Excel；长表：指标、地区、年份、数值、单位；或宽表：每年一列）。"""
    from gxatlas.analysis.monitor import import_actuals

    kb = open_kb_from(ctx)
    with kb.session() as s:
        res = import_actuals(s, path)
    problems = [{"line": p.line, "problem": p.problem} for p in res.imported.problems]
    if as_json:
        emit_json({"file": path, "layout": res.imported.layout, "rows": len(res.imported.rows),
                   "stored": res.stored, "replaced": res.replaced, "problems": problems})
        return
    for p in res.imported.problems:
        where = f"{path}:{p.line}" if p.line is not None else path
        click.echo(f"gxatlas: {where}: {p.problem}", err=True)
    click.echo(f"已导入 {res.stored} 条实际值（更新 {res.replaced} 条），"
               f"问题 {len(problems)} 处")


@main.command("parks")
@click.option("--region", default=None, help="只看某城市的园区。")
@click.option("--sort", "sort_key", type=click.Choice(
    ["intensity", "rank", "name", "city", "target", "area", "attainment", "level"]),
    default="intensity", show_default=True, help="排序字段")
@click.option("--asc", is_flag=True, help="升序。")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "xlsx"]), default="table",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="xlsx 输出文件")
@click.pass_context
def parks_cmd(ctx: click.Context, region: str | None, sort_key: str, asc: bool, fmt: str,
              output: str | None) -> None:
    """园区评价：规划产出强度（亿元/km²）、城市内与全区排名、异常值、目标完成度。"""
    from gxatlas.analysis.monitor import park_records
    from gxatlas.analysis.parks import OUTLIER_RULE, evaluate_parks, sort_evaluations

    kb = open_kb_from(ctx)
    with kb.session() as s:
        records = park_records(s, region=region)
    evals = sort_evaluations(evaluate_parks(records), key=sort_key,
                             descending=False if asc else None)
    if fmt == "json":
        emit_json([e.to_dict() for e in evals])
        return
    if fmt == "xlsx":
        _write_xlsx([e.to_dict() for e in evals], output, sheet="园区评价")
        return
    from rich.table import Table

    table = Table(title=f"园区评价（{len(evals)} 个）", caption=f"异常值规则：{OUTLIER_RULE}")
    for col in ("园区", "城市", "级别", "类别", "面积km²", "目标亿元", "强度亿元/km²", "市内排名",
                "全区排名", "异常", "完成度", "重点产业"):
        table.add_column(col, overflow="fold")
    for e in evals:
        p = e.park
        table.add_row(
            p.name, p.city or "", p.level or "", p.tier or "",
            f"{p.area_km2:g}" if p.area_km2 else "—",
            (f"{p.target_value:g}" + ("（贸易额）" if p.target_kind == "贸易额" else ""))
            if p.target_value is not None else "—",
            f"{e.intensity:.1f}" if e.intensity is not None else "—",
            f"{e.rank_city}/{e.n_city}" if e.rank_city else "—",
            f"{e.rank_region}/{e.n_region}" if e.rank_region else "—",
            "是" if e.outlier else "",
            f"{e.attainment:.0%} {e.attainment_status}" if e.attainment is not None else "—",
            "、".join(p.industries))
    console().print(table)


# --- analysis commands: chains, enterprises --------------------------------------------------

@main.group("enterprises")
def enterprises_cmd() -> None:
    """企业名录：导入校验（import）与产业链环节分类（classify）。"""


def _problem_printer(source: str, *, limit: int = 200):
    """Print the first ``limit`` row problems on stderr (then only count them)."""
    shown = [0]

    def echo(problem) -> None:
        shown[0] += 1
        if shown[0] <= limit:
            click.echo(problem.message(source), err=True)
        elif shown[0] == limit + 1:
            click.echo(f"{source}: 问题过多，其余只计数", err=True)
    return echo


@enterprises_cmd.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--check", is_flag=True, help="只校验，不存入知识库 (validate only).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def enterprises_import(ctx: click.Context, path: str, check: bool, as_json: bool) -> None:
    """导入企业名录 CSV/XLSX：校验（名称、信用代码校验位、编码、引号）、解析所属地区，
    有效行存入知识库（一个事务），问题逐行报告。"""
    from gxatlas.analysis.registry import RegistryRow, iter_registry, summarize

    problems: list[dict[str, Any]] = []
    printer = _problem_printer(path)

    def on_problem(p) -> None:
        if as_json:
            problems.append({"line": p.line, "severity": p.severity, "problem": p.problem})
        else:
            printer(p)
    summary = summarize(iter_registry(path), on_problem=on_problem)
    added = updated = 0
    if not check and summary.rows:
        from gxatlas.analysis.kbdata import store_registry

        kb = open_kb_from(ctx)
        with kb.session() as s:
            good = (r for r in iter_registry(path) if isinstance(r, RegistryRow))
            added, updated = store_registry(s, good, path=path)
    if as_json:
        emit_json({"file": path, "rows": summary.rows, "errors": summary.errors,
                   "warnings": summary.warnings, "regions": summary.regions,
                   "added": added, "updated": updated, "problems": problems})
    else:
        regions = "、".join(f"{k} {v}" for k, v in list(summary.regions.items())[:10]) or "无"
        stored = "（仅校验）" if check else f"；存入知识库: 新增 {added}，更新 {updated}"
        click.echo(f"{path}: 可导入 {summary.rows} 家企业；跳过 {summary.errors} 行，警告 "
                   f"{summary.warnings} 条；地区: {regions}{stored}")
    if summary.errors:
        ctx.exit(1)


@enterprises_cmd.command("classify")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="json",
              show_default=True)
@click.option("--chain", "chain_ids", multiple=True, help="只用这些产业链（id，可重复）。")
@click.pass_context
def enterprises_classify(ctx: click.Context, path: str | None, fmt: str,
                         chain_ids: tuple[str, ...]) -> None:
    """把企业分到产业链环节（名称 + 经营范围）；不给 FILE 时分类知识库中的企业。

    JSON 逐行流式输出（百万行不占内存）：[{"name", "links": [{chain, chain_name, link,
    link_name, score, evidence}]}]。
    """
    from gxatlas.analysis.classify import classify_rows, enterprises_from_kb
    from gxatlas.analysis.registry import RegistryProblem, iter_registry
    from gxatlas.data.chains import find_chain

    chains = tuple(find_chain(c) for c in chain_ids) or None
    printer = _problem_printer(path or "知识库")

    def rows():
        for item in iter_registry(path, names_only=True):
            if isinstance(item, RegistryProblem):
                if item.severity == "error":
                    printer(item)
                continue
            yield item

    source = enterprises_from_kb(db_url=ctx.obj.get("db_url")) if path is None else rows()
    results = classify_rows(source, chains=chains)
    out = sys.stdout
    if fmt == "json":
        out.write("[")
        first = True
        for r in results:
            out.write(("\n" if first else ",\n")
                      + json.dumps(r.to_dict(), ensure_ascii=False, separators=(",", ":")))
            first = False
        out.write("\n]\n" if not first else "]\n")
        out.flush()
        return
    for r in results:
        links = "；".join(f"{h.chain_name}/{h.link_name} {h.score:.2f}（{'、'.join(h.evidence)}）"
                         for h in r.links) or "—"
        out.write(f"{r.name}\t{links}\n")


@main.command("chains")
@click.option("--chain", "chain_ids", multiple=True, help="产业链 id 或名称（可重复；默认全部）。")
@click.option("--region", default=None, help="地区，如 南宁、横州。")
@click.option("--park", default=None, help="园区名称（与 --region 二选一）。")
@click.option("--registry", "registry_path", default=None, type=click.Path(dir_okay=False),
              help="用企业名录文件代替知识库中的企业。")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "graph"]), default="table",
              show_default=True)
@click.pass_context
def chains_cmd(ctx: click.Context, chain_ids: tuple[str, ...], region: str | None,
               park: str | None, registry_path: str | None, fmt: str) -> None:
    """产业链覆盖图：各环节强/具备/薄弱/缺失，缺口按重要度排序并给出招商对象。"""
    from gxatlas.analysis.chains import (STATUS_NAMES, analyse, entities_from_kb,
                                         entities_from_registry, graph_view)
    from gxatlas.data.chains import POSITION_NAMES, find_chain, load_chains

    if region and park:
        raise GxatlasError("--region 与 --park 只能给一个")
    chains = tuple(find_chain(c) for c in chain_ids) or load_chains()
    if registry_path:
        entities = entities_from_registry(registry_path,
                                          on_problem=_problem_printer(registry_path))
    else:
        entities = entities_from_kb(db_url=ctx.obj.get("db_url"), region=region, park=park)
    result = analyse(chains, entities=entities, region=region, park=park)
    if fmt == "json":
        emit_json(result)
        return
    if fmt == "graph":
        emit_json(graph_view(result, chains=chains))
        return
    from rich.table import Table

    con = console()
    for entry in result["chains"]:
        table = Table(title=f"{entry['name']}（{result['region'] or '全部地区'}）")
        for col in ("环节", "位置", "状态", "企业", "项目"):
            table.add_column(col)
        for lk in entry["links"]:
            table.add_row(lk["name"], POSITION_NAMES[lk["position"]], STATUS_NAMES[lk["status"]],
                          "、".join(lk["enterprises"][:5]) + ("等" if len(lk["enterprises"]) > 5
                                                              else ""),
                          "、".join(lk["projects"][:3]))
        con.print(table)
        names = {lk["id"]: lk["name"] for lk in entry["links"]}
        for gap in entry["gaps"]:
            first = gap["candidates"][0]["reason"] if gap["candidates"] else "暂无候选来源"
            con.print(f"  缺口 {names[gap['link']]}（{STATUS_NAMES[gap['status']]}，重要度 "
                      f"{gap['importance']}）: {first}")

# --- analysis commands: complexity, partners -------------------------------------------------

def _read_long_table(path: str):
    """Validated rows of a long table; bad rows reported on stderr and skipped."""
    from gxatlas.analysis.tables import read_table

    imported = read_table(path)
    for problem in imported.problems:
        click.echo(f"gxatlas: {path}:{problem.line}: {problem.problem}（已跳过）", err=True)
    return imported


def _rich_frame(frame: Any, *, title: str, limit: int) -> None:
    import pandas as pd
    from rich.table import Table

    shown = frame if limit <= 0 else frame.head(limit)
    table = Table(title=f"{title}（{len(shown)}/{len(frame)}）")
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        table.add_column(str(col), justify="right" if numeric else "left")
    for row in shown.itertuples(index=False):
        table.add_row(*("" if v is None or v != v else f"{v:.3f}" if isinstance(v, float)
                        else str(v) for v in row))
    console().print(table)


@main.command("complexity")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@click.option("--year", type=int, default=None, help="年份（默认：表中最近一年）")
@click.option("--rca-threshold", type=float, default=1.0, show_default=True,
              help="RCA 不低于该值视为具有比较优势")
@click.option("--part", type=click.Choice(["all", "regions", "industries", "pairs"]),
              default="all", show_default=True)
@click.option("--limit", type=int, default=30, show_default=True,
              help="table 格式每部分最多显示行数（0 = 全部）")
def complexity_cmd(path: str, fmt: str, year: int | None, rca_threshold: float, part: str,
                   limit: int) -> None:
    """经济复杂度：各地区 ECI/COI、各产业 PCI、各地区×产业 RCA/密度/COG。"""
    from gxatlas.analysis.complexity import measures

    imported = _read_long_table(path)
    result = measures(imported.rows, year=year, rca_threshold=rca_threshold, source=path)
    for note in (*imported.notes, *result.notes):
        click.echo(f"注：{note}", err=True)
    parts = ["regions", "industries", "pairs"] if part == "all" else [part]
    if fmt == "json":
        records = result.to_records()
        emit_json({name: records[name] for name in parts})
        return
    frames = {"regions": result.regions.sort_values("eci", ascending=False),
              "industries": result.industries.sort_values("pci", ascending=False),
              "pairs": result.pairs}
    titles = {"regions": "地区", "industries": "产业", "pairs": "地区×产业"}
    for i, name in enumerate(parts):
        if fmt == "csv":
            if len(parts) > 1:
                click.echo(("\n" if i else "") + f"# {name}")
            click.echo(getattr(result, name).to_csv(index=False), nl=False)
        else:
            _rich_frame(frames[name], title=titles[name], limit=limit)


@main.group("partners", invoke_without_command=True)
@click.option("--home", default=None, help="本地区，如 南宁")
@click.option("--table", "table_path", type=click.Path(dir_okay=False), default=None,
              help="地区—产业长表（CSV/XLSX）")
@click.option("--top", type=int, default=20, show_default=True)
@click.option("--weights", default=None,
              help="权重，如 互补性=0.35,关联性=0.25,产业链契合=0.2,联系=0.2（默认即此）")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "xlsx"]), default="table",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="xlsx 输出文件")
@click.pass_context
def partners_cmd(ctx: click.Context, home: str | None, table_path: str | None, top: int,
                 weights: str | None, fmt: str, output: str | None) -> None:
    """合作伙伴排序：互补性、关联性、产业链契合、联系，各项得分与理由。"""
    if ctx.invoked_subcommand:
        return
    if not home:
        click.echo(ctx.get_help())
        return
    from gxatlas.analysis.partners import PartnerWeights, partners_report

    w = PartnerWeights.parse(weights) if weights else PartnerWeights()
    if table_path:
        imported = _read_long_table(table_path)
        report = partners_report(home=home, table=imported.rows, top=top, weights=w)
    else:
        from gxatlas.analysis.kbdata import region_industry_table, region_relations

        kb = open_kb_from(ctx)
        with kb.session() as s:
            table, origin = region_industry_table(s)
            relations = region_relations(s)
        if table.empty:
            raise GxatlasError("知识库中没有地区—产业数据；先 `gxatlas init`，"
                               "或用 `gxatlas partners import FILE` 导入数值表")
        click.echo(f"注：数据来源：{origin}", err=True)
        report = partners_report(home=home, table=table, relations=relations, top=top, weights=w)
    for note in report["notes"]:
        click.echo(f"注：{note}", err=True)
    if fmt == "json":
        emit_json(report)
        return
    import pandas as pd

    rows = [{"地区": p["region"], "得分": p["score"],
             **{name: p["components"][key] for key, name in report["components"].items()},
             "合作产业": "、".join(p["industries"]), "理由": p["reason"]}
            for p in report["partners"]]
    frame = pd.DataFrame(rows)
    if fmt == "xlsx":
        if not output:
            raise GxatlasError("--format xlsx 需要 --output 文件名")
        frame.to_excel(output, index=False, sheet_name="合作伙伴")
        click.echo(f"已写入 {output}")
        return
    w = "，".join(f"{report['components'][k]} {v:.2f}" for k, v in report["weights"].items())
    click.echo(f"{report['home']} 的合作伙伴（权重：{w}）")
    _rich_frame(frame.drop(columns=["理由"]) if len(frame) else frame, title="合作伙伴", limit=0)
    for rank, row in enumerate(rows, start=1):
        click.echo(f"{rank}. {row['理由']}")


@partners_cmd.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_context
def partners_import(ctx: click.Context, path: str, fmt: str) -> None:
    """导入地区—产业表（地区、产业、数值、年份、单位）：有效行存入知识库，问题逐行报告。"""
    from gxatlas.analysis.tables import read_table

    imported = read_table(path)
    if len(imported.rows):
        from gxatlas.analysis.kbdata import store_table

        kb = open_kb_from(ctx)
        with kb.session() as s:
            stored = store_table(s, imported.rows, source=str(Path(path).resolve()),
                                 unit=imported.unit)
        click.echo(f"已存入知识库 {stored} 行 (stored {stored} rows)", err=True)
    if fmt == "json":
        emit_json(imported.to_dict())
    else:
        click.echo(f"{path}：共 {imported.total_rows} 行，有效 {len(imported.rows)} 行，"
                   f"问题 {len(imported.problems)} 行")
        for problem in imported.problems:
            click.echo(f"  {problem}")
        for note in imported.notes:
            click.echo(f"注：{note}")
        if imported.unknown_industries:
            click.echo(f"未归入规范产业表：{'、'.join(imported.unknown_industries)}")
    if imported.problems:
        ctx.exit(1)

# --- api / web / report: serve, users, report ------------------------------------------------

@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", type=int, default=8000, show_default=True, help="端口")
@click.option("--db", "db_url", default=None, help="数据库 URL (同 gxatlas --db)")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, db_url: str | None) -> None:
    """启动 API 与仪表盘 (http://HOST:PORT/，文档 /docs)。"""
    import uvicorn

    from gxatlas.api.app import create_app

    if db_url:
        ctx.obj["db_url"] = db_url
    app = create_app(kb=open_kb_from(ctx))
    click.echo(f"gxatlas: 仪表盘 http://{host}:{port}/  API 文档 http://{host}:{port}/docs", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info")


@main.group()
def users() -> None:
    """API 令牌：add / list / revoke (角色 read / write / admin，令牌只保存散列)。"""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["read", "write", "admin"]), default="read",
              show_default=True)
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str) -> None:
    """发放令牌 (只显示这一次)。"""
    from gxatlas.api.auth import add_user

    kb = open_kb_from(ctx)
    with kb.session() as s:
        user, token = add_user(s, name=name, role=role)
    click.echo(f"{user.name} ({user.role}): {token}")
    click.echo("gxatlas: 请妥善保存令牌，它不会再次显示。", err=True)


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """列出令牌持有人 (不含令牌)。"""
    from dataclasses import asdict

    from gxatlas.api.auth import list_users

    kb = open_kb_from(ctx)
    with kb.session() as s:
        rows = list_users(s)
    if as_json:
        emit_json([asdict(u) for u in rows])
        return
    for u in rows:
        click.echo(f"{u.name}\t{u.role}\t{'已撤销 revoked' if u.revoked else '有效 active'}"
                   f"\t{u.created_at}")


@users.command("revoke")
@click.argument("name")
@click.pass_context
def users_revoke(ctx: click.Context, name: str) -> None:
    """撤销令牌。"""
    from gxatlas.api.auth import revoke_user

    kb = open_kb_from(ctx)
    with kb.session() as s:
        user = revoke_user(s, name=name)
    click.echo(f"{user.name}: 已撤销 revoked")


@main.command()
@click.option("--region", required=True, help="地区，如 南宁")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="输出文件 .html / .xlsx / .pdf")
@click.pass_context
def report(ctx: click.Context, region: str, out: str) -> None:
    """地区简报：目标与状态、园区、产业链与缺口、合作伙伴、审查发现，图表与出处。"""
    from gxatlas.report import write_report

    kb = open_kb_from(ctx)
    with kb.session() as s:
        path = write_report(s, region=region, out=out)
    click.echo(f"已写入 {path}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
