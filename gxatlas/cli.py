"""The `gxatlas` command. Each sub-command is a thin wrapper over a library function."""

from __future__ import annotations

import json
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

    return Console(soft_wrap=False)


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


# --- ingest / extract commands ---------------------------------------------------------------

# --- analysis commands: audit, monitor, parks ------------------------------------------------

# --- analysis commands: chains, enterprises --------------------------------------------------

# --- analysis commands: complexity, partners -------------------------------------------------

def _read_long_table(path: str):
    """Validated rows of a long table; bad rows reported on stderr and skipped."""
    from gxatlas.analysis.tables import read_table

    imported = read_table(path)
    for problem in imported.problems:
        click.echo(f"gxatlas: {path}:{problem.line}: {problem.problem}（已跳过）", err=True)
    return imported


def _rich_frame(frame: Any, *, title: str, limit: int) -> None:
    from rich.table import Table

    shown = frame if limit <= 0 else frame.head(limit)
    table = Table(title=f"{title}（{len(shown)}/{len(frame)}）")
    for col in frame.columns:
        table.add_column(str(col), justify="left" if frame[col].dtype == object else "right")
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
    if not table_path:
        raise GxatlasError("请用 --table 指定地区—产业长表")
    from gxatlas.analysis.partners import PartnerWeights, partners_report

    imported = _read_long_table(table_path)
    report = partners_report(home=home, table=imported.rows, top=top,
                             weights=PartnerWeights.parse(weights) if weights else PartnerWeights())
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
    _rich_frame(frame, title="合作伙伴", limit=0)


@partners_cmd.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_context
def partners_import(ctx: click.Context, path: str, fmt: str) -> None:
    """检查地区—产业表（地区、产业、数值、年份、单位），逐行报告问题。"""
    from gxatlas.analysis.tables import read_table

    imported = read_table(path)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
