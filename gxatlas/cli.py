"""The `gxatlas` command. Each sub-command is a thin wrapper over a library function.

Conventions (docs/cli.md): results go to standard output, messages and progress to standard
error; ``--json`` on every command that prints results gives machine-readable output; a
problem the user can act on (GxatlasError) is one line ``gxatlas: ...`` on stderr, exit 1.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
import sys
from typing import Any

import click

from gxatlas.errors import GxatlasError, InputError

# `gxatlas --help` lists the commands in the order of the workflow, not alphabetically.
COMMAND_ORDER = ("init", "ingest", "extract", "review", "show", "search", "stats", "overview", "audit",
                 "monitor", "parks", "projects", "chains", "enterprises", "complexity", "partners",
                 "report", "serve", "users", "spark")
ENTITY_TYPES = ("park", "enterprise", "project", "indicator", "policy", "region", "industry",
                "document")
CONTEXT = {"help_option_names": ["-h", "--help"]}


class _Group(click.Group):
    """Turns GxatlasError into one line on stderr and exit status 1; lists commands in
    workflow order (COMMAND_ORDER), then in the order they were defined. Sub-groups made
    with ``@group.group()`` are of this class too (``group_class = type``)."""

    group_class = type

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = list(self.commands)
        rank = {n: i for i, n in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda n: (rank.get(n, len(rank)), names.index(n)))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GxatlasError as err:
            click.echo(f"gxatlas: {err}", err=True)
            ctx.exit(1)


def emit_json(obj: Any) -> None:
    """Print machine-readable output (UTF-8, Chinese kept readable)."""
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def note(message: str) -> None:
    """A message for people: standard error, so that standard output stays parseable."""
    click.echo(message, err=True)


def json_option(same_as: str | None = None):
    """``--json``; with ``same_as`` it is the same as ``--format json`` (or ``jsonl`` for
    commands that stream one object a line)."""
    if same_as is None:
        text = "机器可读输出 (machine-readable JSON)"
    elif same_as == "jsonl":
        text = "机器可读输出，每行一个 JSON 对象（同 --format jsonl; JSON Lines）"
    else:
        text = f"机器可读输出（同 --format {same_as}; machine-readable JSON）"
    return click.option("--json", "as_json", is_flag=True, help=text)


class InputFile(click.ParamType):
    """A file to read: missing, a directory or an empty file is a one-line InputError
    (exit 1), not a click usage error."""

    name = "FILE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        p = Path(value)
        if p.is_dir():
            raise InputError(str(value), "是目录，不是文件 (is a directory, not a file)")
        if not p.exists():
            raise InputError(str(value), "文件不存在 (no such file)")
        if p.is_file() and p.stat().st_size == 0:
            raise InputError(str(value), "空文件 (empty file)")
        return str(value)


class OutputFile(click.ParamType):
    """A file to write: its directory must exist and it must not be a directory."""

    name = "FILE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        p = Path(value)
        if p.is_dir():
            raise InputError(str(value), "是目录，不能作为输出文件 (is a directory)")
        parent = p.parent
        if not parent.is_dir():
            raise InputError(str(value), f"目录 {parent} 不存在 (no such directory)")
        return str(value)


INPUT_FILE = InputFile()
OUTPUT_FILE = OutputFile()


def pending_option(fn):
    """``--include-pending``: analyses use confirmed and high-confidence facts by default."""
    return click.option("--include-pending", is_flag=True,
                        help="一并计入待审核的事实 (include facts waiting for review; "
                             "see `gxatlas review`).")(fn)


def waiting_note(session: Any, entity_type: str, label: str, include_pending: bool) -> None:
    """Say on stderr how many entities an analysis left out because they wait for review."""
    from gxatlas.kb.review import waiting

    if not include_pending:
        line = waiting(session, entity_type).note(label)
        if line:
            note(line)


def table_output_options(fn=None, *, extra: tuple[str, ...] = ()):
    """``--format table|json|xlsx``, ``--json`` and ``--output`` (the xlsx file), as the
    commands that print a table share them; ``extra`` adds command-specific formats."""
    if fn is None:
        return lambda f: table_output_options(f, extra=extra)
    fn = click.option("--output", type=OUTPUT_FILE, default=None,
                      help="xlsx 输出文件 (the .xlsx file for --format xlsx).")(fn)
    fn = json_option("json")(fn)
    return click.option("--format", "fmt", type=click.Choice(["table", "json", "xlsx", *extra]),
                        default="table", show_default=True,
                        help="输出格式；xlsx 需要 --output (output format).")(fn)


def limit_option(fn):
    """``--limit NAME=VALUE`` (repeatable): the resource limits of reading a file."""
    return click.option(
        "--limit", "limit_specs", multiple=True, metavar="NAME=VALUE",
        help="资源限制，如 max_pages=5000、timeout_s=600（可重复；默认值见 README）(a resource "
             "limit for reading files; repeatable; also GXATLAS_LIMIT_<NAME>).")(fn)


def _limits(specs: tuple[str, ...]):
    from gxatlas.ingest.limits import Limits

    return Limits.parse(specs)


@click.group(cls=_Group, context_settings=CONTEXT)
@click.option("--db", "db_url", envvar="GXATLAS_DB", default=None, metavar="URL",
              help="知识库 (database): sqlite:///PATH、文件路径或 postgresql://USER@HOST/DB；"
                   "默认 GXATLAS_DB，否则用户数据目录中的 SQLite 文件。")
@click.version_option(package_name="gxatlas", help="显示版本 (show the version).")
@click.pass_context
def main(ctx: click.Context, db_url: str | None) -> None:
    """gxatlas 广西产业图谱：把产业规划文件变成可溯源的知识库。

    Guangxi industrial-planning documents as a source-linked knowledge base. 结果输出到
    stdout，提示与进度输出到 stderr；出错时 stderr 上一行 `gxatlas: ...`，退出码 1。
    See docs/cli.md.
    """
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
@json_option()
@click.pass_context
def init(ctx: click.Context, as_json: bool) -> None:
    """建立或升级知识库并加载内置图谱（可重复运行）。

    Create or upgrade the knowledge base and load the bundled atlas; running it twice
    changes nothing. JSON: {"db", "added": {type: n}, "counts": {type: n}}.
    """
    from gxatlas.kb.load import load_all
    from gxatlas.kb.query import stats
    from gxatlas.kb.store import _display

    kb = open_kb_from(ctx, create=True)
    with kb.session(write=True) as s:
        report = load_all(s)
        st = stats(s)
    if as_json:
        emit_json({"db": _display(kb.url), "added": report.added, "counts": st["counts"]})
        return
    added = "、".join(f"{k} {v}" for k, v in sorted(report.added.items())) or "无新增（已是最新）"
    click.echo(f"知识库 {_display(kb.url)}: 已加载内置图谱; 新增: {added}")


@main.command()
@click.argument("entity_type", metavar="TYPE", type=click.Choice(ENTITY_TYPES))
@click.argument("name")
@json_option()
@click.pass_context
def show(ctx: click.Context, entity_type: str, name: str, as_json: bool) -> None:
    """显示一个实体的全部事实及每条事实的出处。

    Show one entity with every fact and its citation. TYPE: park / enterprise / project /
    indicator / policy / region / industry / document; NAME: 名称、别名或编号 (name, alias
    or id). `show document ID` 显示规范化全文并标出抽取的事实。
    """
    from gxatlas.kb.query import entity_detail

    kb = open_kb_from(ctx)
    with kb.session(write=False) as s:
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
    for col in ("field", "value", "source", "审核 review"):
        t.add_column(col)
    for f in detail["facts"]:
        src = f["source"]
        where = src.get("at") or (f"chars {src['span'][0]}-{src['span'][1]} ({src['alignment']})"
                                  if src.get("span") else "")
        rv = f.get("review")
        t.add_row(f["field"], _fmt(f["value"]), f"{src.get('document') or ''} {where}".strip(),
                  f"#{rv['fact']} {rv['status_zh']}" if rv else "")
    c.print(t)


@main.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--type", "types", multiple=True, type=click.Choice(ENTITY_TYPES),
              help="只查这些类型，可重复 (only these entity types).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 500),
              help="最多结果数 (maximum number of hits).")
@json_option()
@click.pass_context
def search(ctx: click.Context, query: tuple[str, ...], types: tuple[str, ...], limit: int,
           as_json: bool) -> None:
    """中文全文检索实体（繁体、多余空格均可）。

    Full-text search in Chinese, ranked; `柳 州` and `廣西` find what `柳州` and `广西` find.
    JSON: [{"type", "id", "title", "snippet", "score"}].
    """
    from gxatlas.kb.search import search as run_search

    kb = open_kb_from(ctx)
    with kb.session(write=False) as s:
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
@json_option()
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """各类实体数量及按城市统计。

    Counts per entity type and per city. JSON: {"counts": {type: n}, "by_city": {...}}.
    """
    from gxatlas.kb.query import stats as kb_stats

    kb = open_kb_from(ctx)
    with kb.session(write=False) as s:
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
@json_option()
@click.pass_context
def overview(ctx: click.Context, as_json: bool) -> None:
    """知识库概览：数量、各市园区、规划目标。

    A readable summary of the KB: counts, the parks of each city (area, output target) and the
    planning targets (baseline → target).
    """
    from rich.table import Table

    from gxatlas.kb.query import overview as kb_overview

    kb = open_kb_from(ctx)
    with kb.session(write=False) as s:
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
    waits = "，".join(f"{w['type']} {w['entities']}" for w in ov["waiting"].values()
                      if w["entities"])
    if waits:
        note(f"待审核未计入 waiting for review (not shown): {waits}；`gxatlas review`")


def _walkable(paths: tuple[str, ...]) -> tuple[list[str], int]:
    """The paths worth reading, and the count of directories with nothing readable in them
    (each reported on one line)."""
    from gxatlas.ingest import iter_files

    keep, empty = [], 0
    for p in paths:
        if Path(p).is_dir() and next(iter(iter_files([p])), None) is None:
            note(f"gxatlas: {p}: 目录中没有可读取的文档 (no supported documents in this directory)")
            empty += 1
        else:
            keep.append(p)
    return keep, empty


def _batch_failed(failed: int) -> None:
    """Exit 1 when some files failed (each was already reported on its own line)."""
    if failed > 1:
        note(f"gxatlas: {failed} 个文件失败 ({failed} files failed)")
    if failed:
        sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, required=False, metavar="FILE|DIR...")
@click.option("--from-parquet", "parquet", default=None, metavar="PARQUET",
              type=click.Path(exists=True),
              help="载入 `gxatlas spark extract` 的结果，而不是读取文件 (store the documents and "
                   "facts of a `spark extract` result instead of reading files).")
@click.option("--slot", default=None, metavar="NAME",
              help="来源名称：同一名称的新版本替换旧版本（仅限单个文件）(a source name: a later "
                   "file ingested with the same --slot replaces this one; one file only).")
@limit_option
@json_option()
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], parquet: str | None, slot: str | None,
           limit_specs: tuple[str, ...], as_json: bool) -> None:
    """读取文件、抽取事实并存入知识库（每个文件一个事务）。

    Store documents and their facts in the KB, one transaction per file; directories are
    walked. A document is known by its content and its source (the file's path, or --slot),
    never by its name alone: content already stored is skipped (unchanged); new content at
    the path (or slot) of a stored document replaces that document's facts and keeps its
    earlier versions listed (replaced); anything else is a new document (added), renamed
    `<name>-<hash>` when its name is taken. A file that fails is reported on one line and
    leaves nothing in the KB; the others go on; the exit status is 1 when any failed. Each
    file is read within resource limits (size, pages, what it expands to, text and line
    length, digit runs, time and memory: --limit NAME=VALUE); a file over one is reported on
    one line naming the limit.
    `--from-parquet PARQUET` stores what `gxatlas spark extract` wrote instead (the same
    documents and facts, stored the same way).
    JSON: [{"file", "document", "status", "version", "same_as", "facts", "entities", "note"}].
    """
    import gc

    from gxatlas.ingest import iter_files
    from gxatlas.pipeline import batch_reader

    limits = _limits(limit_specs)

    if parquet is not None:
        if paths or slot is not None:
            raise click.UsageError("--from-parquet 不能与文件或 --slot 同用 "
                                   "(--from-parquet takes no files and no --slot)")
        _ingest_parquet(ctx, parquet, as_json=as_json)
        return
    if not paths:
        raise click.UsageError("缺少 FILE|DIR (missing FILE|DIR, or --from-parquet)")
    todo, failed = _walkable(paths)
    files = list(iter_files(todo))
    if slot is not None and len(files) != 1:
        raise click.UsageError("--slot 只能用于单个文件 (--slot takes exactly one file)")
    results = []
    # the readers' process is made before the KB is opened: they need none of it
    with batch_reader(limits=limits, warm=len(files) > 1) as reader:
        from gxatlas.kb.documents import Source, store_document
        from gxatlas.kb.names import known_names
        from gxatlas.progress import progress

        if slot is not None:
            try:
                slot_source = Source.slot(slot)
            except ValueError as err:
                raise click.BadParameter(str(err), param_hint="--slot") from err
        kb = open_kb_from(ctx)
        # what is loaded now (the KB's modules and engine) lasts the whole run, as what
        # ``batch_reader`` loaded: the collector leaves it alone from here on
        gc.freeze()
        with kb.session(write=False) as s:
            reader.know(known_names(s))
        with progress("读取、抽取并入库", unit="个文件", total=len(files)) as bar:
            for path in files:
                try:
                    doc, facts, profile = reader.read(path)
                    source = slot_source if slot is not None else None
                    res = kb.write(lambda s: store_document(s, doc, facts, source=source,
                                                            profile=profile))
                except GxatlasError as err:
                    failed += 1
                    click.echo(f"gxatlas: {err}", err=True)
                    continue
                finally:
                    bar.advance()
                results.append((path, res))
                _ingested(path, res, as_json=as_json)
        gc.freeze()
    _ingest_report(results, as_json=as_json)
    _batch_failed(failed)


def _ingested(path: Any, res: Any, *, as_json: bool) -> None:
    if not as_json:
        click.echo(f"{path}: {res.note}; 文档 {res.document}，{res.facts} facts, "
                   f"{res.entities} entities"
                   + (f"; {res.merged} 条并入已知实体 merged, {res.pending} 条待审核 "
                      f"pending review" if res.facts else ""))


def _ingest_report(results: list[tuple[Any, Any]], *, as_json: bool) -> None:
    if as_json:
        emit_json([{"file": str(p), "document": r.document, "status": r.status,
                    "version": r.version, "same_as": r.same_as, "facts": r.facts,
                    "entities": r.entities, "merged": r.merged, "pending": r.pending,
                    "note": r.note} for p, r in results])
    elif any(r.pending for _, r in results):
        note("待审核的事实不进入分析，`gxatlas review` 逐条确认、修改、合并或驳回 "
             "(facts waiting for review are left out of analyses until reviewed)")


def _ingest_parquet(ctx: click.Context, parquet: str, *, as_json: bool) -> None:
    """`ingest --from-parquet`: each document of a `spark extract` result stored as `ingest`
    stores a file (one transaction each; a document Spark could not read is reported)."""
    from gxatlas.kb.documents import store_document
    from gxatlas.progress import progress
    from gxatlas.spark import documents

    kb = open_kb_from(ctx)
    results, failed = [], 0
    with progress(f"{Path(parquet).name}：入库", unit="个文件") as bar:
        for path, doc, facts, error in documents(parquet):
            bar.advance()
            if error is not None:
                failed += 1
                click.echo(f"gxatlas: {error}", err=True)
                continue
            try:
                with kb.session() as s:
                    res = store_document(s, doc, facts)
            except GxatlasError as err:
                failed += 1
                click.echo(f"gxatlas: {path}: {err}", err=True)
                continue
            results.append((path, res))
            _ingested(path, res, as_json=as_json)
    _ingest_report(results, as_json=as_json)
    _batch_failed(failed)


# --- ingest / extract commands ---------------------------------------------------------------

@main.command("extract")
@click.argument("paths", nargs=-1, required=True, metavar="FILE|DIR...")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl",
              show_default=True,
              help="jsonl：交换格式，每行一条事实；table：供人阅读 (JSON Lines or a table).")
@json_option("jsonl")
@click.option("--out", "out_path", type=OUTPUT_FILE, default=None,
              help="写入该文件而不是标准输出 (write to FILE instead of stdout).")
@limit_option
def extract_cmd(paths: tuple[str, ...], fmt: str, as_json: bool, out_path: str | None,
                limit_specs: tuple[str, ...]) -> None:
    """抽取文件中的事实（不写入知识库），每行一条 JSON。

    Print the facts of each FILE as JSON Lines in the exchange format (types indicator,
    park, enterprise, project, policy, each with evidence spans); directories are walked.
    A file that fails is reported on one line and the others go on; exit 1 if any failed.
    """
    from gxatlas.extract.run import extract_files
    from gxatlas.pipeline import batch_reader

    limits = _limits(limit_specs)
    todo, failed = _walkable(paths)
    if todo:
        many = len(todo) > 1 or any(Path(p).is_dir() for p in todo)
        with batch_reader(limits=limits, warm=many) as reader:
            failed += extract_files(todo, fmt="jsonl" if as_json else fmt, out_path=out_path,
                                    facts_of=lambda path: reader.read(path).facts)
    _batch_failed(failed)


# --- review: the queue of facts waiting for a person, and the corrections log ---------------

def _reviewer_option(fn):
    import getpass

    return click.option("--reviewer", default=lambda: getpass.getuser(), show_default="当前用户",
                        help="审核人 (who acts; recorded in the corrections log).")(fn)


def _action_options(fn):
    fn = click.option("--note", default=None, help="说明 (a note kept with the correction).")(fn)
    fn = click.option("--version", "version", type=int, default=None,
                      help="你看到的事实版本；已被他人改动时报冲突 (the version you saw: "
                           "a conflict if someone acted since).")(fn)
    return json_option()(_reviewer_option(fn))


def _print_fact(item: dict[str, Any]) -> None:
    values = "，".join(f"{k}={_fmt(v)}" for k, v in item["values"].items() if v is not None)
    ent = item["entity"]
    where = item["document"]["key"] if item["document"] else "?"
    click.echo(f"#{item['id']} [{item['status_zh']}] {item['type']} {item['name']}  "
               f"置信度 {item['confidence']:.2f}  v{item['version']}")
    if values:
        click.echo(f"    {values}")
    if ent.get("id") is not None:
        click.echo(f"    → {ent['type']} #{ent['id']} {ent.get('name') or ''} ({item['match']})")
    click.echo(f"    出处 {where} {item['span'][0]}-{item['span'][1]} “{(item['quote'] or '')[:60]}”")
    why = [x for x in (item.get("why"), "、".join(item.get("reasons") or ())) if x]
    if why:
        click.echo(f"    {'；'.join(why)}")


def _done(correction: Any, as_json: bool) -> None:
    from gxatlas.kb.corrections import ACTION_ZH, correction_dict

    if as_json:
        emit_json(correction_dict(correction))
        return
    after = correction.after
    click.echo(f"更正 #{correction.id}：{ACTION_ZH[correction.action]} 事实 #{correction.fact_id}"
               f" → {after.get('status')}（v{after.get('version')}）；撤销：gxatlas review undo "
               f"{correction.id}")


@main.group("review", invoke_without_command=True)
@click.option("--status", type=click.Choice(["pending", "accepted", "confirmed", "rejected", "all"]),
              default="pending", show_default=True, help="按状态筛选 (which facts).")
@click.option("--type", "fact_type", default=None,
              type=click.Choice(["indicator", "park", "enterprise", "project", "policy",
                                 "industry_focus"]), help="只看某类事实 (one fact type).")
@click.option("--document", default=None, help="只看某文档（文件编号）(one document's facts).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000),
              help="最多列出几条 (at most this many).")
@click.option("--offset", default=0, type=click.IntRange(0), help="从第几条起 (skip this many).")
@json_option()
@click.pass_context
def review_cmd(ctx: click.Context, status: str, fact_type: str | None, document: str | None,
               limit: int, offset: int, as_json: bool) -> None:
    """审核：列出待审核的事实；确认、修改、合并、驳回，每次更正都有记录且可撤销。

    The review queue: facts the extractor was unsure of (confidence below
    GXATLAS_REVIEW_THRESHOLD, default 0.8) or that name an entity the KB does not know wait
    here and are left out of analyses. `review show ID` shows one with its text; `accept`,
    `edit`, `merge`, `reject` act on it (recorded: who, when, before and after, evidence);
    `undo` takes a correction back; `log` lists the corrections. JSON: {"total", "counts",
    "items"}.
    """
    if ctx.invoked_subcommand is not None:
        return
    from gxatlas.kb.review import STATUS_ZH, queue

    kb = open_kb_from(ctx)
    with kb.session(write=False) as s:
        page = queue(s, status=None if status == "all" else status, fact_type=fact_type,
                     document=document, limit=limit, offset=offset)
    if as_json:
        emit_json(page)
        return
    counts = "，".join(f"{STATUS_ZH[k]} {v}" for k, v in page["counts"].items())
    click.echo(f"{page['total']} 条（{counts}）")
    for item in page["items"]:
        _print_fact(item)
    if page["total"] > offset + len(page["items"]):
        note(f"还有 {page['total'] - offset - len(page['items'])} 条：--offset "
             f"{offset + len(page['items'])}")


@review_cmd.command("show")
@click.argument("fact_id", type=int)
@click.option("--context", default=200, show_default=True, type=click.IntRange(0, 5000),
              help="证据前后显示的字数 (characters of text around the evidence).")
@json_option()
@click.pass_context
def review_show(ctx: click.Context, fact_id: int, context: int, as_json: bool) -> None:
    """显示一条事实：原文（证据高亮）、可合并的已知实体、更正记录。"""
    from rich.text import Text

    from gxatlas.kb.review import review_item

    kb = open_kb_from(ctx)
    with kb.session(write=False) as s:
        item = review_item(s, fact_id, context=context)
    if as_json:
        emit_json(item)
        return
    _print_fact(item)
    ex = item["excerpt"]
    text = Text(ex["text"])
    text.stylize("bold reverse", ex["start"], ex["end"])
    console().print(text)
    for c in item["candidates"]:
        click.echo(f"  可合并 merge into: {c['type']} #{c['id']} {c['name']}"
                   + ("" if c["trusted"] else "（待审核）"))
    for c in item["corrections"]:
        click.echo(f"  更正 #{c['id']} {c['action_zh']} {c['reviewer']} {c['at']}"
                   + (f"（已撤销 #{c['undone_by']}）" if c["undone_by"] else ""))


@review_cmd.command("accept")
@click.argument("fact_id", type=int)
@_action_options
@click.pass_context
def review_accept(ctx: click.Context, fact_id: int, reviewer: str, version: int | None,
                  note: str | None, as_json: bool) -> None:
    """确认事实（其名称此后供抽取使用）。"""
    from gxatlas.kb import corrections

    with open_kb_from(ctx).session() as s:
        corr = corrections.accept(s, fact_id, reviewer=reviewer, version=version, note=note)
        _done(corr, as_json)


@review_cmd.command("edit")
@click.argument("fact_id", type=int)
@click.option("--name", default=None, help="改正名称 (the corrected name).")
@click.option("--set", "pairs", multiple=True, metavar="FIELD=VALUE",
              help="改正一个值，可重复；空值清除 (a corrected value; repeat; empty clears).")
@_action_options
@click.pass_context
def review_edit(ctx: click.Context, fact_id: int, name: str | None, pairs: tuple[str, ...],
                reviewer: str, version: int | None, note: str | None, as_json: bool) -> None:
    """修改事实的名称或数值（并确认）。例：--set target_value=16000 --set target_year=2025"""
    from gxatlas.kb import corrections

    values: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise GxatlasError(f"--set 需要 FIELD=VALUE：“{pair}”")
        k, v = pair.split("=", 1)
        values[k.strip()] = v
    with open_kb_from(ctx).session() as s:
        corr = corrections.edit(s, fact_id, reviewer=reviewer, values=values, name=name,
                                version=version, note=note)
        _done(corr, as_json)


@review_cmd.command("merge")
@click.argument("fact_id", type=int)
@click.argument("into", metavar="ENTITY")
@_action_options
@click.pass_context
def review_merge(ctx: click.Context, fact_id: int, into: str, reviewer: str,
                 version: int | None, note: str | None, as_json: bool) -> None:
    """把事实并入已有实体（编号或名称）；该名称此后解析到该实体。"""
    from gxatlas.kb import corrections

    with open_kb_from(ctx).session() as s:
        corr = corrections.merge(s, fact_id, reviewer=reviewer, into=into, version=version,
                                 note=note)
        _done(corr, as_json)


@review_cmd.command("reject")
@click.argument("fact_id", type=int)
@_action_options
@click.pass_context
def review_reject(ctx: click.Context, fact_id: int, reviewer: str, version: int | None,
                  note: str | None, as_json: bool) -> None:
    """驳回事实：它带来的数值与名称撤回，分析不再使用。"""
    from gxatlas.kb import corrections

    with open_kb_from(ctx).session() as s:
        corr = corrections.reject(s, fact_id, reviewer=reviewer, version=version, note=note)
        _done(corr, as_json)


@review_cmd.command("undo")
@click.argument("correction_id", type=int)
@click.option("--note", default=None, help="说明 (a note kept with the undo).")
@_reviewer_option
@json_option()
@click.pass_context
def review_undo(ctx: click.Context, correction_id: int, note: str | None, reviewer: str,
                as_json: bool) -> None:
    """撤销一次更正（须是该事实最近的一次）。"""
    from gxatlas.kb import corrections

    with open_kb_from(ctx).session() as s:
        corr = corrections.undo(s, correction_id, reviewer=reviewer, note=note)
        _done(corr, as_json)


@review_cmd.command("log")
@click.option("--fact", "fact_id", type=int, default=None, help="只看某事实 (one fact).")
@click.option("--document", default=None, help="只看某文档 (one document).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000),
              help="最多列出几条 (at most this many).")
@json_option()
@click.pass_context
def review_log(ctx: click.Context, fact_id: int | None, document: str | None, limit: int,
               as_json: bool) -> None:
    """更正记录：谁、何时、改前改后、依据的原文。"""
    from gxatlas.kb.corrections import history

    with open_kb_from(ctx).session() as s:
        rows = history(s, fact_id=fact_id, document=document, limit=limit)
    if as_json:
        emit_json(rows)
        return
    for c in rows:
        b, a = c["before"], c["after"]
        change = f"{b.get('status')}→{a.get('status')}"
        if b.get("name") != a.get("name"):
            change += f"，名称 {b.get('name')}→{a.get('name')}"
        diff = {k: (b.get("values", {}).get(k), v) for k, v in (a.get("values") or {}).items()
                if (b.get("values") or {}).get(k) != v}
        change += "".join(f"，{k} {x}→{y}" for k, (x, y) in diff.items())
        if a.get("into_name"):
            change += f"，并入 {a['into_name']}"
        click.echo(f"#{c['id']} {c['at']} {c['reviewer']} {c['action_zh']} 事实 #{c['fact']}"
                   f"（{c['document']}）：{change}"
                   + (f"（已撤销 #{c['undone_by']}）" if c["undone_by"] else "")
                   + (f"；{c['note']}" if c["note"] else ""))


# --- analysis commands: audit, monitor, parks ------------------------------------------------

def _write_xlsx(columns: list[tuple[str, Any]], items: list[Any], path: str | None, *,
                sheet: str) -> None:
    """Items to an Excel sheet: one column per ``(中文表头, getter)``, one value per cell,
    numbers as numbers (a getter returning a list gives its items joined with 、)."""
    import xlsxwriter

    if not path:
        raise GxatlasError("--format xlsx 需要 --output 文件名")
    try:
        book = xlsxwriter.Workbook(path)
        ws = book.add_worksheet(sheet)
        head = book.add_format({"bold": True, "bg_color": "#F0F6FC", "border": 1})
        for c, (title, _get) in enumerate(columns):
            ws.write_string(0, c, title, head)
            ws.set_column(c, c, max(8, min(40, 2 * len(title) + 2)))
        for r, item in enumerate(items, start=1):
            for c, (_title, get) in enumerate(columns):
                value = get(item)
                if isinstance(value, (list, tuple)):
                    value = "、".join(map(str, value))
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    ws.write_string(r, c, "是" if value else "否")
                elif isinstance(value, (int, float)):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
        ws.freeze_panes(1, 1)
        book.close()
    except OSError as err:
        raise GxatlasError(f"{path}: 无法写入（{err.strerror or err}）") from err
    note(f"已写入 {path}（{len(items)} 行）")


def _projection(row: Any, method: str) -> float | None:
    return next((p.value for p in row.progress.projections if p.method == method), None)


#: `gxatlas monitor --format xlsx` columns (one value per cell).
MONITOR_COLUMNS: list[tuple[str, Any]] = [
    ("指标", lambda r: r.indicator), ("地区", lambda r: r.region), ("规划", lambda r: r.plan),
    ("属性", lambda r: r.attribute), ("单位", lambda r: r.unit),
    ("目标类型", lambda r: r.progress.target_kind), ("目标", lambda r: r.target_text),
    ("目标年", lambda r: r.progress.target_year), ("目标值", lambda r: r.progress.target_level),
    ("测算序列", lambda r: r.series_name), ("序列单位", lambda r: r.series_unit),
    ("基期年", lambda r: r.progress.base_year), ("基期值", lambda r: r.progress.base_value),
    ("最新年", lambda r: r.progress.latest_year), ("最新值", lambda r: r.progress.latest_value),
    ("实际值个数", lambda r: r.observations),
    ("观察年均增速", lambda r: r.progress.observed_cagr),
    ("所需年均增速", lambda r: r.progress.required_cagr),
    ("仍需年均增速", lambda r: r.progress.still_required_cagr),
    ("观察年均变化", lambda r: r.progress.observed_pace),
    ("所需年均变化", lambda r: r.progress.required_pace),
    ("比值", lambda r: r.progress.ratio),
    ("分界值高", lambda r: r.progress.thresholds.high if r.progress.thresholds else None),
    ("分界值中", lambda r: r.progress.thresholds.med if r.progress.thresholds else None),
    ("分界值低", lambda r: r.progress.thresholds.low if r.progress.thresholds else None),
    ("状态", lambda r: r.progress.status_zh), ("状态 (Open SDG)", lambda r: r.progress.status),
    ("无法测算原因", lambda r: r.progress.reason),
    ("级别", lambda r: {"error": "错误", "warning": "提示"}.get(r.progress.severity or "")),
    ("复合增速外推", lambda r: _projection(r, "cagr")),
    ("线性趋势外推", lambda r: _projection(r, "linear")),
    ("规则", lambda r: r.progress.rule), ("调整", lambda r: r.progress.adjustments),
]

#: `gxatlas parks --format xlsx` columns.
PARK_COLUMNS: list[tuple[str, Any]] = [
    ("园区", lambda e: e.park.name), ("城市", lambda e: e.park.city),
    ("级别", lambda e: e.park.level), ("类别", lambda e: e.park.tier),
    ("面积 (平方公里)", lambda e: e.park.area_km2),
    ("目标 (亿元)", lambda e: e.park.target_value), ("目标年", lambda e: e.park.target_year),
    ("目标口径", lambda e: e.park.target_kind),
    ("规划产出强度 (亿元/平方公里)", lambda e: e.intensity),
    ("市内排名", lambda e: e.rank_city), ("市内参与排名园区数", lambda e: e.n_city or None),
    ("全区排名", lambda e: e.rank_region), ("全区参与排名园区数", lambda e: e.n_region or None),
    ("对数偏离 (稳健 z)", lambda e: e.log_deviation), ("异常值", lambda e: e.outlier),
    ("实际值 (亿元)", lambda e: e.park.actual_value), ("实际年", lambda e: e.park.actual_year),
    ("目标完成度", lambda e: e.attainment), ("完成情况", lambda e: e.attainment_status),
    ("重点产业", lambda e: e.park.industries), ("说明", lambda e: e.notes),
]


@main.command("audit")
@click.argument("target", metavar="[FILE|DOCUMENT_ID]", required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table",
              show_default=True, help="表格（供阅读）或 JSON Lines（每行一条问题）(table or JSON Lines).")
@json_option("jsonl")
@click.pass_context
def audit_cmd(ctx: click.Context, target: str | None, fmt: str, as_json: bool) -> None:
    """审查规划：找出文件（或知识库中的文件）里前后矛盾的数字，以及不同来源之间的矛盾。

    Audit a plan FILE (or a DOCUMENT_ID of the KB) for numbers that do not hold together; for a
    document of the KB also the figures other sources state differently (CROSS_SOURCE_CONFLICT:
    the atlas's table vs the prose, a plan vs a later report). Without TARGET: every such
    cross-source disagreement in the KB. JSON Lines: one finding a line with rule, severity,
    indicator, values, message, evidence.
    """
    from gxatlas.analysis.audit import RULE_ZH, audit, kb_cross_source, stored_document
    from gxatlas.pipeline import read_file

    doc = None
    if target is not None and Path(target).exists():
        doc = read_file(INPUT_FILE.convert(target, None, ctx), fork=True)
        findings = audit(doc)
    else:
        kb = open_kb_from(ctx)
        with kb.session(write=False) as s:
            doc = stored_document(s, target) if target is not None else None
            cross = kb_cross_source(s, document=doc.name if doc is not None else None)
        findings = (audit(doc) if doc is not None else []) + cross
    if as_json or fmt == "jsonl":
        for f in findings:
            click.echo(json.dumps(f.to_dict(), ensure_ascii=False))
        return
    from rich.table import Table

    title = (doc.title or doc.name) if doc is not None else "知识库（不同来源之间）"
    table = Table(title=f"{title}：{len(findings)} 条问题", show_lines=True)
    for col in ("规则", "级别", "指标", "数值", "说明", "位置"):
        table.add_column(col, overflow="fold")

    def place(e: Any) -> str:
        if doc is not None and e.doc == doc.name and e.end > e.start:
            return f"第{doc.line_of(e.start)}行 “{e.quote[:30]}”"
        return f"{e.doc} " + (f"字符 {e.start}–{e.end} “{e.quote[:30]}”" if e.end > e.start
                              else (e.reason or ""))

    for f in findings:
        where = "；".join(place(e) for e in f.evidence)
        table.add_row(f"{f.rule}\n{RULE_ZH[f.rule]}", "错误" if f.severity == "error" else "提示",
                      f.indicator, " / ".join(str(v) for v in f.values), f.message, where)
    console().print(table)


@main.group("monitor", invoke_without_command=True)
@click.option("--region", default=None, help="只看某地区（如 南宁）的指标 (only this region).")
@click.option("--plan", default=None,
              help="只看某规划文件（知识库中的文件编号）的指标 (only this plan's indicators).")
@click.option("--cutoffs", "cutoffs_no_target", default=None, metavar="HIGH,MED,LOW",
              help="无数值目标时年均增速的分界值，默认 0.015,0.005,0 "
                   "(Open SDG progress_thresholds without a target).")
@click.option("--target-cutoffs", "cutoffs_target", default=None, metavar="HIGH,MED,LOW",
              help="有目标时 观察/所需 比值的分界值，默认 0.95,0.6,0 (with a target).")
@pending_option
@table_output_options(extra=("opensdg",))
@click.pass_context
def monitor_cmd(ctx: click.Context, region: str | None, plan: str | None,
                cutoffs_no_target: str | None, cutoffs_target: str | None,
                include_pending: bool, fmt: str, as_json: bool, output: str | None) -> None:
    """目标监测：最新实际值、进展状态、仍需年均增速、到目标年的预测。

    Target monitoring: for each indicator with a target, the latest actual, progress, the
    growth still required, projections and a status (Open SDG's progress measure, extended
    for Chinese plans), the deciding rule written out; a status that cannot be measured says
    why. `--format opensdg` writes Open SDG indicator metadata (progress_status and
    progress_calculation_options). `monitor import FILE` adds actuals.
    """
    if ctx.invoked_subcommand is not None:
        return
    if as_json:
        fmt = "json"
    from gxatlas.analysis import growth
    from gxatlas.analysis.monitor import monitor
    from gxatlas.analysis.progress import (DEFAULT_CONFIG, Cutoffs, ProgressConfig,
                                           open_sdg_record)

    try:
        config = ProgressConfig(
            no_target=Cutoffs.parse(cutoffs_no_target) if cutoffs_no_target
            else DEFAULT_CONFIG.no_target,
            target=Cutoffs.parse(cutoffs_target) if cutoffs_target else DEFAULT_CONFIG.target)
    except ValueError as err:
        raise GxatlasError(str(err)) from err
    kb = open_kb_from(ctx)
    with kb.session(write=False) as s:
        rows = monitor(s, region=region, plan=plan, config=config,
                       include_pending=include_pending)
        waiting_note(s, "indicator", "指标", include_pending)
    if fmt == "json":
        emit_json([r.to_dict() for r in rows])
        return
    if fmt == "opensdg":
        emit_json([{**open_sdg_record(r.progress, config=config), "region": r.region,
                    "unit": r.unit, "plan": r.plan} for r in rows])
        return
    if fmt == "xlsx":
        _write_xlsx(MONITOR_COLUMNS, rows, output, sheet="目标监测")
        return
    from rich.table import Table

    nt, tg = config.no_target, config.target
    table = Table(title=f"目标监测（{len(rows)} 项）", show_lines=True,
                  caption=f"状态按 Open SDG 进展测度：无目标时看复合年均增长率（>{nt.high:.1%} 显著、"
                          f"{nt.med:.1%}～{nt.high:.1%} 中等、{nt.low:.1%}～{nt.med:.1%} 有限、"
                          f"<{nt.low:.1%} 倒退）；有目标时看 观察增速/所需增速（≥{tg.high:g} 显著、"
                          f"{tg.med:g}～{tg.high:g} 中等、{tg.low:g}～{tg.med:g} 有限、<{tg.low:g} 倒退）；"
                          "约束性指标未达进度记为错误")
    for col in ("指标", "地区", "属性", "基期", "最新", "目标", "进展", "仍需年均增速", "预测", "状态及规则"):
        table.add_column(col, overflow="fold")
    for r in rows:
        p = r.progress
        ratio = f"{p.ratio:.2f}" if p.ratio is not None else "—"
        proj = "\n".join(f"{'CAGR' if x.method == 'cagr' else '线性'}: "
                         f"{x.value:g}" if x.value is not None else
                         f"{x.method}: {x.reason}" for x in p.projections) or "—"
        why = f"原因：{p.reason}" if p.status == "not_available" else p.rule.rsplit("；", 1)[-1]
        table.add_row(r.indicator, r.region or "", r.attribute or "", r.baseline_text,
                      r.latest_text, r.target_text, ratio,
                      growth.percent(p.still_required_cagr), proj,
                      f"{p.status_zh}\n{why}"
                      + ("\n（约束性指标未达进度）" if p.severity == "error" else ""))
    console().print(table)


@monitor_cmd.command("import")
@click.argument("path", metavar="FILE", type=INPUT_FILE)
@json_option()
@click.pass_context
def monitor_import_cmd(ctx: click.Context, path: str, as_json: bool) -> None:
    """导入实际值（CSV/XLSX；指标、地区、年份、数值、单位，或每年一列）。

    Import actual values as observations: long layout (indicator, region, year, value, unit;
    headers in English or Chinese) or wide (one column per year). Units are converted;
    problem rows are reported one a line and the good rows are stored (exit 1 when rows were
    skipped). The same data from another file name is not stored again.
    JSON: {"file", "layout", "rows", "stored", "replaced", "status", "document",
    "skipped_rows", "problems": [{"line", "problem"}]}.
    """
    from gxatlas.analysis.monitor import import_actuals

    kb = open_kb_from(ctx)
    with kb.session(write=True) as s:
        res = import_actuals(s, path)
    problems = [{"line": p.line, "problem": p.problem} for p in res.imported.problems]
    if as_json:
        emit_json({"file": path, "layout": res.imported.layout, "rows": len(res.imported.rows),
                   "stored": res.stored, "replaced": res.replaced, "status": res.status,
                   "document": res.document, "skipped_rows": res.skipped_rows,
                   "problems": problems})
    else:
        for p in res.imported.problems:
            where = f"{path}:{p.line}" if p.line is not None else path
            click.echo(f"gxatlas: {where}: {p.problem}", err=True)
        if res.status == "unchanged":
            click.echo(f"数据与已导入的 {res.document} 相同，未重复存入 (unchanged)；"
                       f"跳过 {res.skipped_rows} 行，问题 {len(problems)} 处")
        else:
            click.echo(f"已导入 {res.stored} 条实际值（更新 {res.replaced} 条），"
                       f"跳过 {res.skipped_rows} 行，问题 {len(problems)} 处")
    if res.skipped_rows:
        ctx.exit(1)


@main.command("parks")
@click.option("--region", default=None, help="只看某城市的园区 (only the parks of this city).")
@click.option("--sort", "sort_key", type=click.Choice(
    ["intensity", "rank", "name", "city", "target", "area", "attainment", "level"]),
    default="intensity", show_default=True, help="排序字段 (sort key).")
@click.option("--asc", is_flag=True, help="升序 (ascending).")
@pending_option
@table_output_options
@click.pass_context
def parks_cmd(ctx: click.Context, region: str | None, sort_key: str, asc: bool,
              include_pending: bool, fmt: str, as_json: bool, output: str | None) -> None:
    """园区评价：规划产出强度、市内与全区排名、异常值、目标完成度。

    Park evaluation: planned output intensity (亿元/km²), level and class, rank within the
    city and the region, outliers, target attainment where actuals exist, focus industries.
    """
    if as_json:
        fmt = "json"
    from gxatlas.analysis.monitor import park_evaluations
    from gxatlas.analysis.parks import OUTLIER_RULE, sort_evaluations

    kb = open_kb_from(ctx)
    with kb.session(write=False) as s:
        evals = sort_evaluations(park_evaluations(s, region=region,
                                                  include_pending=include_pending),
                                 key=sort_key, descending=False if asc else None)
        waiting_note(s, "park", "园区", include_pending)
    if fmt == "json":
        emit_json([e.to_dict() for e in evals])
        return
    if fmt == "xlsx":
        _write_xlsx(PARK_COLUMNS, evals, output, sheet="园区评价")
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
    """企业名录：导入校验（import）、产业链环节分类（classify）、企业招商简报（show）。

    Enterprise registries: validate and import (import), classify to chain links (classify);
    the brief on one firm: which Guangxi chains and cities need what it makes (show).
    """


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
@click.argument("path", metavar="FILE", type=INPUT_FILE, required=False)
@click.option("--from-parquet", "parquet", default=None, metavar="PARQUET",
              type=click.Path(exists=True),
              help="载入 `gxatlas spark classify` 的结果，而不是读取名录文件 (import the validated "
                   "rows of a `spark classify` result).")
@click.option("--check", is_flag=True, help="只校验，不存入知识库 (validate only).")
@json_option()
@click.pass_context
def enterprises_import(ctx: click.Context, path: str | None, parquet: str | None, check: bool,
                       as_json: bool) -> None:
    """导入企业名录 CSV/XLSX：校验、解析地区，有效行存入知识库。

    Import an enterprise registry: names, credit-code check digits, encoding and quotes are
    validated, regions resolved from addresses; the good rows are stored in one transaction
    (written in batches) and each problem is reported with its line (exit 1 when rows were
    skipped). The same content under another name or encoding is not stored again.
    `--from-parquet PARQUET` imports what `gxatlas spark classify` validated instead.
    JSON: {"file", "rows", "errors", "warnings", "regions", "added", "updated", "status",
    "document", "problems"}.
    """
    from gxatlas.analysis.registry import RegistryTally, iter_registry, iter_registry_in_child
    from gxatlas.progress import progress

    if (path is None) == (parquet is None):
        raise click.UsageError("给出 FILE 或 --from-parquet PARQUET 之一 "
                               "(give FILE or --from-parquet PARQUET)")
    digest = None
    if parquet is not None:
        from gxatlas.spark import parquet_digest, registry_items

        path, items, digest = parquet, registry_items(parquet), parquet_digest(parquet)
    else:
        # when storing, the rows are checked (and made ready to store) by a child process
        # beside the KB writes
        from gxatlas.analysis.registry_store import store_row

        items = iter_registry(path) if check else iter_registry_in_child(path,
                                                                         prepare=store_row)
    kb = None if check else open_kb_from(ctx)  # a bad --db is reported before the file is read
    problems: list[dict[str, Any]] = []
    printer = _problem_printer(path)

    def on_problem(p) -> None:
        if as_json:
            problems.append({"line": p.line, "severity": p.severity, "problem": p.problem})
        else:
            printer(p)
    tally = RegistryTally(on_problem)
    stored = None
    with progress(f"{Path(path).name}：校验并导入" if kb else f"{Path(path).name}：校验") as bar:
        rows = tally.rows(items)
        if kb is None:
            for _ in rows:
                bar.advance()
        else:
            from gxatlas.analysis.registry_store import store_registry

            with kb.session() as s:  # one transaction for the whole file
                stored = store_registry(s, rows, path=path, digest=digest,
                                        on_batch=bar.advance)
            for _ in rows:  # content imported before: still validated and reported
                bar.advance()
    summary = tally.summary()
    added = stored.added if stored else 0
    updated = stored.updated if stored else 0
    if as_json:
        emit_json({"file": path, "rows": summary.rows, "errors": summary.errors,
                   "warnings": summary.warnings, "regions": summary.regions,
                   "added": added, "updated": updated,
                   "status": stored.status if stored else "checked",
                   "document": stored.document if stored else None, "problems": problems})
    else:
        regions = "、".join(f"{k} {v}" for k, v in list(summary.regions.items())[:10]) or "无"
        if stored is None:
            outcome = "（仅校验）"
        elif stored.status == "unchanged":
            outcome = f"；内容与已导入的 {stored.document} 相同，未重复存入 (unchanged)"
        else:
            outcome = f"；存入知识库: 新增 {added}，更新 {updated}"
        click.echo(f"{path}: 可导入 {summary.rows} 家企业；跳过 {summary.errors} 行，警告 "
                   f"{summary.warnings} 条；地区: {regions}{outcome}")
    if summary.errors:
        ctx.exit(1)


@enterprises_cmd.command("classify")
@click.argument("path", metavar="[FILE]", required=False, type=INPUT_FILE)
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="json",
              show_default=True, help="JSON 列表或制表符分隔的文本 (JSON list or text lines).")
@json_option("json")
@click.option("--chain", "chain_ids", multiple=True,
              help="只用这些产业链（id 或名称，可重复）(only these chains).")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="并行进程数（CSV 按记录边界切块，输出顺序不变）(worker processes).")
@click.pass_context
def enterprises_classify(ctx: click.Context, path: str | None, fmt: str, as_json: bool,
                         chain_ids: tuple[str, ...], jobs: int) -> None:
    """把企业分到产业链环节（名称 + 经营范围）；无 FILE 时分类知识库中的企业。

    Classify each enterprise of FILE (or of the KB) to chain links with a score and the
    deciding words. The JSON list is streamed one enterprise a line, so a million rows fit
    in little memory: [{"name", "links": [{"chain", "chain_name", "link", "link_name",
    "score", "evidence"}]}].
    """
    if as_json:
        fmt = "json"
    from gxatlas.analysis.classify import classify_file, classify_rows, enterprises_from_kb
    from gxatlas.data.chains import find_chain

    chains = tuple(find_chain(c) for c in chain_ids) or None
    printer = _problem_printer(path or "知识库")

    def on_problem(item) -> None:
        if item.severity == "error" or item.field == "header":
            printer(item)

    if path is None:
        results = iter(classify_rows(enterprises_from_kb(db_url=ctx.obj.get("db_url")),
                                     chains=chains))
    else:
        results = iter(classify_file(path, chains=chains, jobs=jobs, on_problem=on_problem))
    # the first result is computed before anything is written, so that an unreadable file
    # or KB is one error line and no half-written JSON
    head = next(results, None)
    results = itertools.chain([head] if head is not None else [], results)
    out = sys.stdout
    from gxatlas.progress import progress

    with progress(f"{Path(path).name if path else '知识库'}：分类", unit="家") as bar:
        _write_classified(results, out, bar, json_list=fmt == "json")


def _write_classified(results, out, bar, *, json_list: bool, batch: int = 2000) -> None:
    """Write classified enterprises as the JSON list (one object a line) or as text lines,
    ``batch`` rows per write."""
    lines: list[str] = []
    first = True
    if json_list:
        out.write("[")
    for r in results:
        lines.append(r.json() if json_list else r.text())
        if len(lines) >= batch:
            out.write(_joined(lines, first, json_list))
            bar.advance(len(lines))
            lines, first = [], False
    if lines:
        out.write(_joined(lines, first, json_list))
        bar.advance(len(lines))
        first = False
    if json_list:
        out.write("\n]\n" if not first else "]\n")
    out.flush()


def _joined(lines: list[str], first: bool, json_list: bool) -> str:
    if json_list:
        return ("\n" if first else ",\n") + ",\n".join(lines)
    return "\n".join(lines) + "\n"


@enterprises_cmd.command("show")
@click.argument("name")
@json_option()
@click.pass_context
def enterprises_show(ctx: click.Context, name: str, as_json: bool) -> None:
    """企业招商简报：该企业能做哪些产业链环节，广西哪些城市缺这些环节。

    The brief for a meeting with a firm (a listed company's short or full name or stock code,
    or an enterprise of the KB): the chain links it can supply and why, the Guangxi cities
    where each is a gap (most important first), its ties to Guangxi, and the data's age.
    JSON: {"firm", "needs": [{"chain", "link", "fit", "words", "cities", "other_cities"}],
    "cities": [{"city", "importance", "links"}], "candidate_pool"}.
    """
    from gxatlas.analysis.kbdata import firm_needs_from_kb

    kb = open_kb_from(ctx)
    with kb.session(write=False) as s:
        result = firm_needs_from_kb(s, name=name)
    if as_json:
        emit_json(result)
        return
    f = result["firm"]
    head = f["name"] + (f"（{f['full_name']}）" if f["full_name"] else "")
    listed = f"，{f['code']}.{f['exchange']}" if f["code"] else ""
    click.echo(f"{head}{listed}")
    place = "".join(x for x in (f["province"], f["city"] if f["city"] != f["province"] else None)
                    if x) or "所在地不详"
    click.echo(f"  行业：{f['industry'] or '—'}；所在地：{place}；来源：{f['source']}"
               + (f"（数据截至 {f['as_of']}）" if f["as_of"] else ""))
    if f["products"]:
        click.echo(f"  主营产品：{'、'.join(f['products'])}")
    if f["registered_capital"]:
        click.echo(f"  注册资本：{f['registered_capital']:g} 万元")
    for tie in f["ties"]:
        click.echo(f"  已有联系：{tie}")
    if not result["needs"]:
        click.echo("  没有落到任何产业链环节（行业、主营产品或经营范围中没有环节词）。")
    for need in result["needs"]:
        why = f"{need['word_source']}含“{'、'.join(need['words'][:4])}”" if need["words"] \
            else "申万行业对口"
        click.echo(f"  可供 {need['chain_name']}·{need['link_name']}（契合 {need['fit']:.2f}，{why}）")
        for g in need["cities"]:
            click.echo(f"    {g['city']}：{g['status_name']}，重要度 {g['importance']}")
        if need["other_cities"]:
            click.echo(f"    另有 {len(need['other_cities'])} 市也缺此环节，但当地尚无相关规划或上下游："
                       f"{'、'.join(need['other_cities'])}")
    if result["cities"]:
        click.echo("  首选城市：" + "；".join(f"{c['city']}（{'、'.join(c['links'][:3])}）"
                                         for c in result["cities"][:5]))
    meta = result["candidate_pool"]
    click.echo(f"  数据：{meta['name']}，截至 {meta['as_of']}；城市缺口来自知识库的产业链分析。")


@main.group("spark")
def spark_cmd() -> None:
    """在 Spark 上运行：全国名录分类（classify）、文档库抽取（extract），结果写 Parquet。

    The CLI's own functions on Apache Spark, per partition, for registries and archives that
    outgrow one machine; `enterprises import --from-parquet` and `ingest --from-parquet`
    load the results. Needs PySpark (pip install 'gxatlas[spark]') and Java 17+.
    """


def _master_option(fn):
    return click.option("--master", default=None, metavar="URL",
                        help="Spark master：local[2]、spark://HOST:7077、yarn；默认 spark-submit "
                             "或环境的设置，否则 local[*] (Spark master URL).")(fn)


@spark_cmd.command("classify")
@click.argument("paths", nargs=-1, required=True, metavar="REGISTRY...")
@click.option("--out", "out", required=True, metavar="PARQUET",
              help="输出目录（Parquet）(output Parquet directory).")
@click.option("--chain", "chain_ids", multiple=True,
              help="只用这些产业链（id 或名称，可重复）(only these chains).")
@click.option("--parts", type=click.IntRange(min=1), default=None,
              help="把 CSV 切成约 N 块（默认：并行度的 2 倍）(number of chunks).")
@_master_option
@json_option()
def spark_classify_cmd(paths: tuple[str, ...], out: str, chain_ids: tuple[str, ...],
                       parts: int | None, master: str | None, as_json: bool) -> None:
    """在 Spark 上分类并校验企业名录（与 enterprises classify / import 相同的函数）。

    Classify and validate registry files (CSV cut at record boundaries; XLSX whole; a
    directory of files) on Spark; one Parquet row per record with the links
    `enterprises classify` prints and the fields `enterprises import` stores.
    JSON: {"out", "records"}.
    """
    from gxatlas.spark import spark_classify, spark_session

    spark = spark_session(master, app="gxatlas classify")
    try:
        n = spark_classify(spark, list(paths), out=out, chain_ids=chain_ids, parts=parts)
    finally:
        spark.stop()
    if as_json:
        emit_json({"out": out, "records": n})
    else:
        click.echo(f"已写入 {out}：{n} 条记录 (records)")


@spark_cmd.command("extract")
@click.argument("paths", nargs=-1, required=True, metavar="FILE|DIR...")
@click.option("--out", "out", required=True, metavar="PARQUET",
              help="输出目录（Parquet）(output Parquet directory).")
@click.option("--kb-names", is_flag=True,
              help="用知识库（--db）中的园区与企业名称辅助抽取，与 ingest 相同 (use the KB's "
                   "names, as `gxatlas ingest` does; default: none, as `gxatlas extract`).")
@_master_option
@json_option()
@click.pass_context
def spark_extract_cmd(ctx: click.Context, paths: tuple[str, ...], out: str, kb_names: bool,
                      master: str | None, as_json: bool) -> None:
    """在 Spark 上读取并抽取文档（与 extract / ingest 相同的函数），一个文件一个任务。

    Read and extract every document under the paths on Spark; one Parquet row per document
    with the records `gxatlas extract` prints and the payload `ingest --from-parquet` stores.
    JSON: {"out", "documents"}.
    """
    from gxatlas.spark import spark_extract, spark_session

    gazetteer = None
    if kb_names:
        from gxatlas.kb.names import known_names

        kb = open_kb_from(ctx)
        with kb.session(write=False) as s:
            gazetteer = known_names(s)
    spark = spark_session(master, app="gxatlas extract")
    try:
        n = spark_extract(spark, list(paths), out=out, gazetteer=gazetteer)
    finally:
        spark.stop()
    if as_json:
        emit_json({"out": out, "documents": n})
    else:
        click.echo(f"已写入 {out}：{n} 个文档 (documents)")


def _check_place(ctx: click.Context, *, region: str | None, park: str | None,
                 use_kb: bool) -> None:
    """An unknown --region / --park is an error, not an empty result. Names are resolved
    through the KB (kb.resolve.find), or through the bundled regions without a KB."""
    if not (region or park):
        return
    if use_kb:
        from gxatlas.kb.resolve import find

        kb = open_kb_from(ctx)
        with kb.session(write=False) as s:
            if region and find(s, "region", region) is None:
                raise GxatlasError(f"未知地区“{region}”(unknown region)")
            if park and find(s, "park", park) is None:
                raise GxatlasError(f"知识库中没有园区“{park}”(unknown park)")
        kb.dispose()
    elif region:
        from gxatlas.data import load_regions

        if load_regions().find(region) is None:
            raise GxatlasError(f"未知地区“{region}”(unknown region)")


@main.command("chains")
@click.option("--chain", "chain_ids", multiple=True,
              help="产业链 id 或名称（可重复；默认全部）(chain id or name; repeatable).")
@click.option("--region", default=None, help="地区，如 南宁、横州 (region).")
@click.option("--park", default=None, help="园区名称，与 --region 二选一 (park, instead of --region).")
@click.option("--registry", "registry_path", default=None, type=INPUT_FILE,
              help="用企业名录文件代替知识库中的企业 (use a registry file instead of the KB).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "graph"]), default="table",
              show_default=True,
              help="table、json，或 graph（ECharts 产业链图 JSON）(output format).")
@click.option("--candidates", "n_candidates", type=click.IntRange(0, 50), default=5,
              show_default=True,
              help="每个缺口列出的招商候选企业数（全国上市公司库与知识库；0 不列）"
                   "(candidate firms per gap).")
@pending_option
@json_option("json")
@click.pass_context
def chains_cmd(ctx: click.Context, chain_ids: tuple[str, ...], region: str | None,
               park: str | None, registry_path: str | None, n_candidates: int, fmt: str,
               include_pending: bool, as_json: bool) -> None:
    """产业链覆盖：各环节强/具备/薄弱/缺失，缺口排序并给出招商对象。

    Chain coverage of a region or park: each link strong / present / weak / missing with its
    enterprises and projects; gaps ranked by importance, with candidate sources to court.
    JSON: {"region", "chains": [{"id", "name", "links": [...], "gaps": [...]}]}.
    """
    from gxatlas.analysis.chains import (STATUS_NAMES, analyse, entities_from_kb,
                                         entities_from_registry, graph_view, staged_project)
    from gxatlas.data.chains import POSITION_NAMES, find_chain, load_chains

    if as_json:
        fmt = "json"
    if region and park:
        raise GxatlasError("--region 与 --park 只能给一个 (give --region or --park, not both)")
    chains = tuple(find_chain(c) for c in chain_ids) or load_chains()
    _check_place(ctx, region=region, park=park, use_kb=not registry_path)
    if registry_path:
        entities = entities_from_registry(registry_path,
                                          on_problem=_problem_printer(registry_path))
    else:
        entities = entities_from_kb(db_url=ctx.obj.get("db_url"), region=region, park=park,
                                    include_pending=include_pending)
        with open_kb_from(ctx).session() as s:
            for etype, label in (("enterprise", "企业"), ("project", "项目")):
                waiting_note(s, etype, label, include_pending)
    court = None
    if n_candidates:
        from gxatlas.analysis.candidates import court_from_db, court_without_kb

        court = (court_without_kb(region=region, top=n_candidates) if registry_path else
                 court_from_db(db_url=ctx.obj.get("db_url"), region=region, park=park,
                               top=n_candidates))
    result = analyse(chains, entities=entities, region=region, park=park, court=court)
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
                          "、".join(staged_project(lk, name) for name in lk["projects"][:3]))
        con.print(table)
        names = {lk["id"]: lk["name"] for lk in entry["links"]}
        for gap in entry["gaps"]:
            click.echo(f"  缺口 {names[gap['link']]}（{STATUS_NAMES[gap['status']]}，重要度 "
                       f"{gap['importance']}）")
            firms = [c for c in gap["candidates"] if c["type"] == "enterprise"]
            places = [c for c in gap["candidates"] if c["type"] == "region"]
            for i, c in enumerate(firms, start=1):
                score = f" [{c['score']:.2f}]" if "score" in c else ""
                click.echo(f"    {i}. {c['reason']}{score}")
            for c in places:
                click.echo(f"    · {c['reason']}")
            if gap.get("no_candidates"):
                click.echo(f"    {gap['no_candidates']}")
            elif not gap["candidates"]:
                click.echo("    暂无候选来源")
        if entry.get("candidate_pool"):
            meta = entry["candidate_pool"]
            click.echo(f"  候选企业来源：{meta['name']}（数据截至 {meta['as_of']}，"
                       f"{meta['firms']} 家）与知识库。{meta['source']}")

# --- analysis commands: complexity, partners -------------------------------------------------

def _read_long_table(path: str, *, resolve_regions: bool = True):
    """Validated rows of a long table; bad rows reported on stderr (many of one kind in one
    line) and skipped. Without ``resolve_regions`` unknown region names are kept as written."""
    from gxatlas.analysis.tables import lenient_region_resolver, problem_lines, read_table

    imported = read_table(path, regions=None if resolve_regions else lenient_region_resolver())
    for line in problem_lines(imported.problems):
        click.echo(f"gxatlas: {path}: {line}（已跳过）", err=True)
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
@click.argument("path", metavar="FILE", type=INPUT_FILE)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="输出格式 (output format).")
@json_option("json")
@click.option("--year", type=int, default=None,
              help="年份（默认：表中最近一年）(year; default the latest).")
@click.option("--rca-threshold", type=float, default=1.0, show_default=True,
              help="RCA 不低于该值视为具有比较优势 (presence threshold).")
@click.option("--part", type=click.Choice(["all", "regions", "industries", "pairs"]),
              default="all", show_default=True, help="只输出这一部分 (only this part).")
@click.option("--limit", type=click.IntRange(min=0), default=30, show_default=True,
              help="table 格式每部分最多显示行数，0 = 全部 (rows per part in a table).")
def complexity_cmd(path: str, fmt: str, as_json: bool, year: int | None, rca_threshold: float,
                   part: str, limit: int) -> None:
    """经济复杂度：地区 ECI/COI、产业 PCI、地区×产业 RCA/密度/COG。

    Economic-complexity measures of a long table FILE (CSV/XLSX: region, industry, value,
    optional year): per region diversity, ECI, COI; per industry ubiquity, PCI; per pair RCA,
    presence, density, COG. JSON: {"regions": [...], "industries": [...], "pairs": [...]}.
    """
    from gxatlas.analysis.complexity import measures

    if as_json:
        fmt = "json"
    imported = _read_long_table(path, resolve_regions=False)  # any regions: countries, codes
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
@click.option("--home", default=None, help="本地区，如 南宁 (home region; required).")
@click.option("--table", "table_path", type=INPUT_FILE, default=None,
              help="地区—产业长表 CSV/XLSX，代替知识库 (region × industry table).")
@click.option("--chain", "chain_ids", multiple=True,
              help="产业链契合只看这些链（id 或名称，可重复；默认全部）(chains for chain fit).")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True,
              help="列出前 N 个伙伴 (number of partners).")
@click.option("--weights", default=None,
              help="权重，如 互补性=0.35,关联性=0.25,产业链契合=0.2,联系=0.2（默认即此）(weights).")
@table_output_options
@click.pass_context
def partners_cmd(ctx: click.Context, home: str | None, table_path: str | None,
                 chain_ids: tuple[str, ...], top: int, weights: str | None, fmt: str,
                 as_json: bool, output: str | None) -> None:
    """合作伙伴排序：互补性、关联性、产业链契合、联系，各项得分与理由。

    Rank partner regions for --home by complementarity, relatedness, chain fit and
    connection, each component shown and the weights stated; each with the industries to
    cooperate on and a reason in Chinese. Chain fit comes from the KB's chain maps (`--chain`
    to choose chains). `partners import FILE` stores a value table.
    JSON: {"home", "year", "weights", "components", "notes", "partners": [...],
    "table_source"}.
    """
    if ctx.invoked_subcommand:
        return
    if not home:
        raise GxatlasError("缺少 --home 本地区，如 `gxatlas partners --home 南宁` "
                           "(missing --home; see `gxatlas partners --help`)")
    from gxatlas.analysis.partners import PartnerWeights, partners_report

    if as_json:
        fmt = "json"
    if table_path and chain_ids:
        raise GxatlasError("--chain 需要知识库中的产业链数据，不能与 --table 同用 "
                           "(--chain uses the KB; drop --table)")
    w = PartnerWeights.parse(weights) if weights else PartnerWeights()
    if table_path:
        imported = _read_long_table(table_path)
        report = partners_report(home=home, table=imported.rows, top=top, weights=w)
        report["table_source"] = f"文件 {table_path}"
    else:
        from gxatlas.analysis.kbdata import partners_from_kb
        from gxatlas.data.chains import find_chain

        for c in chain_ids:
            find_chain(c)  # an unknown chain is an error before the KB is read
        kb = open_kb_from(ctx)
        with kb.session(write=False) as s:
            report = partners_from_kb(s, home=home, chain_ids=chain_ids, top=top, weights=w)
    if report.get("table_source"):
        note(f"注：数据来源：{report['table_source']}")
    if report.get("matrix_note"):
        note(f"注：{report['matrix_note']}")
    for text in report["notes"]:
        note(f"注：{text}")
    if fmt == "json":
        emit_json(report)
        return
    import pandas as pd

    def shown(v: Any) -> Any:
        return "无数据" if v is None else v

    rows = [{"地区": p["region"], "得分": p["score"],
             **{name: shown(p["components"][key]) for key, name in report["components"].items()},
             "合作产业": "、".join(p["industries"]), "理由": p["reason"],
             "数据依据": p.get("basis_text", ""),
             "说明": p.get("data_gap") or ""}
            for p in [*report["partners"], *report.get("named_partners", [])]]
    if fmt == "xlsx":
        _write_xlsx([(k, lambda r, k=k: r[k]) for k in (rows[0] if rows else {"地区": None})],
                    rows, output, sheet="合作伙伴")
        return
    w = "，".join(f"{report['components'][k]} {v:.2f}" for k, v in report["weights"].items())
    click.echo(f"{report['home']} 的合作伙伴（权重：{w}）")
    ranked = [r for r in rows if not r["说明"]]
    named = [r for r in rows if r["说明"]]
    for title, part in (("合作伙伴", ranked),
                        ("文件点名的合作对象（矩阵中无产业数据，只按联系排序，得分为下限）", named)):
        if not part:
            continue
        frame = pd.DataFrame(part).drop(columns=["理由", "数据依据", "说明"])
        _rich_frame(frame, title=title, limit=0)
    for rank, row in enumerate(rows, start=1):
        click.echo(f"{rank}. {row['理由']}")
        if row["数据依据"]:
            click.echo(f"   数据依据：{row['数据依据']}")


@partners_cmd.command("import")
@click.argument("path", metavar="FILE", type=INPUT_FILE)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="输出格式 (output format).")
@json_option("json")
@click.pass_context
def partners_import(ctx: click.Context, path: str, fmt: str, as_json: bool) -> None:
    """导入地区—产业数值表：有效行存入知识库，问题逐行报告。

    Import a region × industry table (CSV/XLSX: region, industry, value, year, unit) used by
    `partners` and `chains`; names resolved to the bundled regions and the industry taxonomy,
    bad rows reported with their line (exit 1 when rows were skipped).
    """
    from gxatlas.analysis.tables import read_table

    if as_json:
        fmt = "json"
    kb = open_kb_from(ctx)  # a bad --db is reported before the file is read
    imported = read_table(path)
    if len(imported.rows):
        from gxatlas.analysis.kbdata import store_table

        with kb.session(write=True) as s:
            stored = store_table(s, imported.rows, source=str(Path(path).resolve()),
                                 unit=imported.unit)
        click.echo(f"已存入知识库 {stored} 行 (stored {stored} rows)", err=True)
    if fmt == "json":
        emit_json(imported.to_dict())
    else:
        from gxatlas.analysis.tables import problem_lines

        click.echo(f"{path}：共 {imported.total_rows} 行，有效 {len(imported.rows)} 行，"
                   f"问题 {len(imported.problems)} 行")
        for line in problem_lines(imported.problems):
            click.echo(f"  {line}")
        for note in imported.notes:
            click.echo(f"注：{note}")
        if imported.unknown_industries:
            click.echo(f"未归入规范产业表：{'、'.join(imported.unknown_industries)}")
    if imported.problems:
        ctx.exit(1)

# --- registers: projects, enterprises pool ---------------------------------------------------

def _write_sheets(sheets: dict[str, list[dict[str, Any]]], path: str | None) -> None:
    """Several sheets of rows (Chinese headers as given) to one Excel workbook."""
    from gxatlas.report.registers import sheets_xlsx

    if not path:
        raise GxatlasError("--format xlsx 需要 --output 文件名")
    try:
        Path(path).write_bytes(sheets_xlsx(sheets))
    except OSError as err:
        raise GxatlasError(f"{path}: 无法写入（{err.strerror or err}）") from err
    note(f"已写入 {path}（{'、'.join(f'{k} {len(v)} 行' for k, v in sheets.items())}）")


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


@main.group("projects", invoke_without_command=True)
@click.option("--region", default=None, help="地区（含下辖区县），如 南宁 (region).")
@click.option("--park", default=None, help="只看某园区的项目 (only this park's projects).")
@click.option("--chain", default=None, help="只看某产业链（id 或名称）的项目 (only this chain).")
@click.option("--stage", default=None,
              help="只看某阶段：储备、签约、在建、竣工、投产 (only this stage).")
@click.option("--year", type=int, default=None, help="进入当前阶段的年份 (year of the stage).")
@click.option("--document", default=None, metavar="DOCUMENT_ID",
              help="只看某文件提到的项目（知识库中的文件编号）(projects a document names).")
@click.option("--stale-months", type=click.IntRange(min=1), default=24, show_default=True,
              help="多少个月未推进算停滞 (months without a move that flag a project).")
@click.option("--stale", "stale_only", is_flag=True, help="只列停滞的项目 (only stalled ones).")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="判断停滞的基准日，默认今天 (reference date).")
@click.option("--by", "groups", multiple=True,
              type=click.Choice(["stage", "city", "park", "chain", "year"]),
              help="表格输出时打印哪些汇总（可重复；默认 stage 和 city）(totals to print).")
@pending_option
@table_output_options
@click.pass_context
def projects_cmd(ctx: click.Context, region: str | None, park: str | None, chain: str | None,
                 stage: str | None, year: int | None, document: str | None, stale_months: int,
                 stale_only: bool, as_of: str | None, groups: tuple[str, ...],
                 include_pending: bool, fmt: str, as_json: bool, output: str | None) -> None:
    """重大项目库：各项目的阶段（储备/前期、签约、开工/在建、竣工、投产/达产）、日期与出处，
    按阶段、城市、园区、产业链、年份汇总个数与投资额（亿元），标出久未推进的项目。

    The major-project pipeline: each project's stage with its date and source, totals (count
    and investment in 亿元) by stage, city, park, chain and year, and projects that have not
    moved for --stale-months. `projects set NAME STAGE` records a stage by hand.
    JSON: {"as_of", "rule", "summary", "funnel", "totals": {stage|city|park|chain|year: [...]},
    "projects": [{"name", "stage", "since", "source", "history", "stale", ...}]}.
    """
    if ctx.invoked_subcommand is not None:
        return
    import datetime as dt

    from gxatlas.analysis.pipeline import GROUP_NAMES, pipeline_from_kb
    from gxatlas.report.brief import citation_text

    if as_json:
        fmt = "json"
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError as err:
        raise GxatlasError(f"--as-of {as_of!r}: 应为 YYYY-MM-DD") from err
    kb = open_kb_from(ctx)
    with kb.session(write=False) as s:
        report = pipeline_from_kb(s, region=region, park=park, chain=chain, stage=stage,
                                  year=year, document=document, stale_only=stale_only,
                                  stale_months=stale_months, as_of=day,
                                  include_pending=include_pending)
        waiting_note(s, "project", "项目", include_pending)
    if fmt == "json":
        emit_json(report)
        return
    if fmt == "xlsx":
        from gxatlas.report.registers import project_sheets

        _write_sheets(project_sheets(report), output)
        return
    from rich.table import Table

    sm = report["summary"]
    table = Table(title=f"重大项目（{sm['count']} 个，投资额合计 {sm['investment']:g} 亿元，其中 "
                        f"{sm['with_investment']} 个写明投资额；停滞 {sm['stale']} 个）",
                  caption=report["rule"], show_lines=True)
    for col in ("项目", "城市", "园区/企业", "阶段", "自", "投资亿元", "产业链", "出处", "停滞"):
        table.add_column(col, overflow="fold")
    for p in report["projects"]:
        place = p["city"] or "—"
        if p["county"]:
            place += f"·{p['county']}"
        extra = "\n".join(f"（后文称{c['stage']}：{citation_text(c['source'])}）"
                          for c in p["conflicts"])
        table.add_row(p["name"], place, " / ".join(x for x in (p["park"], p["enterprise"]) if x),
                      p["stage_label"] or "阶段不明", p["since"] or "—", _money(p["investment"]),
                      "、".join(p["chains"]),
                      citation_text(p["source"] or p["named"]) + (f"\n{extra}" if extra else ""),
                      {True: "停滞", False: "", None: "—"}[p["stale"]])
    console().print(table)
    for by in groups or ("stage", "city"):
        t = Table(title=f"按{GROUP_NAMES[by]}汇总")
        for col in (GROUP_NAMES[by], "项目数", "投资额（亿元）", "写明投资额", "停滞"):
            t.add_column(col, justify="left" if col == GROUP_NAMES[by] else "right")
        for r in report["totals"][by]:
            t.add_row(r["label"], str(r["count"]), f"{r['investment']:g}",
                      str(r["with_investment"]), str(r["stale"]))
        console().print(t)


@projects_cmd.command("set")
@click.argument("name")
@click.argument("stage")
@click.option("--date", "date", default=None, metavar="YYYY[-MM[-DD]]",
              help="到达该阶段的日期，默认今天 (date reached; default today).")
@click.option("--by", "by", default=None,
              help="设定人，默认当前系统用户 (who sets it; default the OS user).")
@click.option("--note", default=None, help="说明或依据 (note, e.g. the source).")
@json_option()
@click.pass_context
def projects_set(ctx: click.Context, name: str, stage: str, date: str | None, by: str | None,
                 note: str | None, as_json: bool) -> None:
    """人工设定项目阶段（记录设定人与时间；可把项目退回早先阶段）。

    Record by hand that project NAME reached STAGE (储备/签约/在建/竣工/投产 or 前期, 开工,
    达产 …), with who and when; a person's setting is authoritative at its date.
    JSON: {"project", "stage", "since", "set_by"}.
    """
    import getpass

    from gxatlas.kb.query import get_entity
    from gxatlas.kb.registers import set_stage

    who = by or getpass.getuser()
    kb = open_kb_from(ctx)
    with kb.session() as s:
        proj = get_entity(s, "project", name)
        current = set_stage(s, proj, stage, by=who, date=date, note=note)
        out = {"project": proj.name, "stage": current.stage if current else None,
               "since": current.date if current else None, "set_by": who}
    if as_json:
        emit_json(out)
        return
    click.echo(f"{out['project']}: 当前阶段 {out['stage']}（自 {out['since']}），由 {who} 设定")


@enterprises_cmd.group("pool", invoke_without_command=True)
@click.option("--region", default=None, help="地区（含下辖区县），如 南宁 (region).")
@click.option("--chain", default=None, help="只看某产业链上的企业 (only firms on this chain).")
@click.option("--since", type=int, default=None, help="只列此年以来晋级的企业 (moves since YEAR).")
@pending_option
@table_output_options
@click.pass_context
def pool_cmd(ctx: click.Context, region: str | None, chain: str | None, since: int | None,
             include_pending: bool, fmt: str, as_json: bool, output: str | None) -> None:
    """企业培育库：按称号、城市、产业链环节计数，晋级的企业，下一档称号的候选及依据。

    The enterprise cultivation pool: counts by tier (with issuing level), city and chain link;
    firms that moved up; candidates for the next tier, each with the rule that made it one.
    `enterprises pool import LIST` adds a published tier list.
    JSON: {"summary", "by_tier", "by_city", "by_link", "moved_up", "candidates", "firms"}.
    """
    if ctx.invoked_subcommand is not None:
        return
    from gxatlas.analysis.pool import pool_from_kb

    if as_json:
        fmt = "json"
    kb = open_kb_from(ctx)
    with kb.session(write=False) as s:
        report = pool_from_kb(s, region=region, chain=chain, since=since,
                              include_pending=include_pending)
        waiting_note(s, "enterprise", "企业", include_pending)
    if fmt == "json":
        emit_json(report)
        return
    from gxatlas.report.registers import pool_sheets

    sheets = pool_sheets(report)
    if fmt == "xlsx":
        _write_sheets(sheets, output)
        return
    import pandas as pd

    sm = report["summary"]
    click.echo(f"培育库企业 {sm['firms']} 家；晋级 {sm['moved_up']} 家；下一档候选 "
               f"{sm['candidates']} 条")
    _rich_frame(pd.DataFrame(sheets["按称号"]), title="按称号", limit=0)
    _rich_frame(pd.DataFrame(sheets["按城市"]), title="按城市", limit=0)
    if report["by_link"]:
        _rich_frame(pd.DataFrame(sheets["按产业链环节"]), title="按产业链环节", limit=30)
    if sheets["晋级企业"]:
        _rich_frame(pd.DataFrame(sheets["晋级企业"]), title="晋级企业", limit=0)
    if sheets["候选企业"]:
        _rich_frame(pd.DataFrame(sheets["候选企业"]).drop(columns=["规则"]), title="下一档称号候选",
                    limit=50)


@pool_cmd.command("import")
@click.argument("path", metavar="FILE", type=INPUT_FILE)
@click.option("--tier", default=None,
              help="名单的称号（标题、文件名或称号列中没有时），如 小巨人、瞪羚 (the list's tier).")
@click.option("--level", default=None, help="认定层级：国家级、省级、市级 (issuing level).")
@click.option("--year", type=int, default=None, help="认定年份 (year of recognition).")
@click.option("--check", is_flag=True, help="只校验，不存入知识库 (validate only).")
@json_option()
@click.pass_context
def pool_import(ctx: click.Context, path: str, tier: str | None, level: str | None,
                year: int | None, check: bool, as_json: bool) -> None:
    """导入称号名单（CSV/XLSX，如主管部门公布的专精特新、瞪羚、单项冠军名单）。

    Import a published tier list. Rows are checked one by one; a list with any problem is
    reported row by row and nothing of it is stored (exit 1); importing the same list again
    changes nothing. JSON: {"file", "title", "rows", "status", "problems", "warnings", "notes"}.
    """
    from gxatlas.analysis.tierlists import read_tier_list
    from gxatlas.kb.registers import store_tier_list

    kb = None if check else open_kb_from(ctx)  # a bad --db is reported before the file is read
    tiers = read_tier_list(path, tier=tier, level=level, year=year)
    out = tiers.to_dict()
    out["status"] = "checked" if tiers.ok else "refused"
    if tiers.ok and kb is not None:
        with kb.session() as s:
            res = store_tier_list(s, tiers)
        out.update(status=res.status, document=res.document,
                   enterprises_added=res.enterprises_added)
    if as_json:
        emit_json(out)
    else:
        for p in tiers.problems:
            click.echo(f"gxatlas: {path}{f':{p.line}' if p.line is not None else ''}: {p.problem}",
                       err=True)
        for p in tiers.warnings:
            click.echo(f"gxatlas: {path}:{p.line}: 警告: {p.problem}", err=True)
        for text in tiers.notes:
            note(f"注：{text}")
        said = {"added": "已存入", "replaced": "已更新（替换同名名单）",
                "unchanged": "与已导入的名单相同，未改动", "checked": "校验通过（未存入）",
                "refused": "有问题，未存入任何内容"}[out["status"]]
        counted = (f"{len(tiers.problems)} 处问题（另有 {len(tiers.rows)} 行无误）" if tiers.problems
                   else f"{len(tiers.rows)} 家企业，无问题")
        click.echo(f"{path}（{tiers.title}）：{counted}；{said}")
    if tiers.problems:
        ctx.exit(1)


# --- api / web / report: serve, users, report ------------------------------------------------

def _check_port(host: str, port: int) -> None:
    """A port in use or not allowed is one line, not uvicorn's log and traceback."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise GxatlasError(f"--host {host}: 无法解析 (cannot resolve: {err.strerror})") from err
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as err:
            raise GxatlasError(f"{host}:{port}: 无法监听 (cannot listen: "
                               f"{err.strerror or err})") from err


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 (address).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="端口 (port).")
@click.option("--db", "db_url", default=None, metavar="URL",
              help="知识库，同 gxatlas --db (database URL, as gxatlas --db).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="允许的主机名（可重复；默认只允许本机名称与 --host）(a Host name the server "
                   "answers to, besides loopback names and --host; repeatable).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, db_url: str | None,
          allow_hosts: tuple[str, ...]) -> None:
    """启动 API 与仪表盘（http://HOST:PORT/，接口文档 /docs）。

    Serve the REST API and the dashboard on the KB until interrupted (Ctrl-C). Requests
    must name an allowed host (loopback names, --host, --allow-host, GXATLAS_ALLOWED_HOSTS):
    other sites' pages cannot reach it through DNS rebinding.
    """
    import uvicorn

    from gxatlas.api.app import create_app

    if db_url:
        ctx.obj["db_url"] = db_url
    names = [*allow_hosts, *([host] if host not in ("0.0.0.0", "::", "") else [])]
    app = create_app(kb=open_kb_from(ctx), hosts=names)
    _check_port(host, port)
    note(f"仪表盘 dashboard http://{host}:{port}/  API 文档 http://{host}:{port}/docs")
    # beyond 1024 open connections uvicorn answers 503 itself; a slow client gets 30 s
    uvicorn.run(app, host=host, port=port, log_level="info", limit_concurrency=1024,
                backlog=2048, timeout_keep_alive=30)


@main.group()
def users() -> None:
    """API 令牌：add / list / revoke（角色 read / write / admin）。

    API tokens and their roles; tokens are stored hashed and shown only once.
    """


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["read", "write", "admin"]), default="read",
              show_default=True, help="角色 (role): read 只读 / write 上传 / admin 管理.")
@json_option()
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, as_json: bool) -> None:
    """发放令牌（只显示这一次）。

    Issue a token for NAME; it is printed once and stored hashed.
    JSON: {"name", "role", "token"}.
    """
    from gxatlas.api.auth import add_user

    kb = open_kb_from(ctx)
    with kb.session(write=True) as s:
        user, token = add_user(s, name=name, role=role)
    if as_json:
        emit_json({"name": user.name, "role": user.role, "token": token})
    else:
        click.echo(f"{user.name} ({user.role}): {token}")
    note("注：请妥善保存令牌，它不会再次显示 (the token is not shown again).")


@users.command("list")
@json_option()
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """列出令牌持有人（不含令牌）。

    List token holders (never the tokens). JSON: [{"id", "name", "role", "revoked",
    "created_at"}].
    """
    from dataclasses import asdict

    from gxatlas.api.auth import list_users

    kb = open_kb_from(ctx)
    with kb.session(write=False) as s:
        rows = list_users(s)
    if as_json:
        emit_json([asdict(u) for u in rows])
        return
    if not rows:
        note("没有令牌 (no users); `gxatlas users add NAME` 发放一个")
    for u in rows:
        click.echo(f"{u.name}\t{u.role}\t{'已撤销 revoked' if u.revoked else '有效 active'}"
                   f"\t{u.created_at}")


@users.command("revoke")
@click.argument("name")
@json_option()
@click.pass_context
def users_revoke(ctx: click.Context, name: str, as_json: bool) -> None:
    """撤销令牌。

    Revoke NAME's token (the user stays listed as revoked). JSON: the user as in `list`.
    """
    from dataclasses import asdict

    from gxatlas.api.auth import revoke_user

    kb = open_kb_from(ctx)
    with kb.session(write=True) as s:
        user = revoke_user(s, name=name)
    if as_json:
        emit_json(asdict(user))
        return
    click.echo(f"{user.name}: 已撤销 revoked")


@main.command()
@click.option("--region", required=True, help="地区，如 南宁 (region).")
@click.option("--out", "out", required=True, type=OUTPUT_FILE,
              help="输出文件 .html / .xlsx / .pdf，格式由扩展名决定 (output file).")
@json_option()
@click.pass_context
def report(ctx: click.Context, region: str, out: str, as_json: bool) -> None:
    """地区简报：目标与状态、园区、产业链与缺口、合作伙伴、审查发现。

    Write a region brief (targets and status, parks, chains and gaps, partners, audit
    findings), charts included and every figure cited, as HTML, XLSX or PDF.
    JSON: {"region", "out", "format", "bytes"}.
    """
    from gxatlas.report import write_report

    kb = open_kb_from(ctx)
    with kb.session(write=False) as s:
        path = write_report(s, region=region, out=out)
    if as_json:
        emit_json({"region": region, "out": str(path), "format": path.suffix.lstrip(".").lower(),
                   "bytes": path.stat().st_size})
        return
    click.echo(f"已写入 {path}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
