"""The contract of the `gxatlas` command as a whole (docs/cli.md).

- every command and option has help, and `--help` works everywhere;
- `--json` on every command that prints results; its standard output parses as JSON (JSON
  Lines for `extract` and `audit`), messages stay on standard error;
- a predictable user mistake (missing file, a directory, an empty or binary file, an unknown
  region or chain, a KB that does not exist, a file that is not a database, an unknown URL
  scheme) is exactly one line `gxatlas: ...` on standard error, exit status 1, no traceback.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from gxatlas.cli import COMMAND_ORDER, main

FIXTURES = Path(__file__).parent / "fixtures"
PLAN = FIXTURES / "kb" / "plan_a.txt"
PROSE = FIXTURES / "extract" / "prose.txt"
PLANTED = FIXTURES / "audit" / "planted.txt"
ACTUALS = FIXTURES / "monitor" / "beibu_actuals.csv"
REGISTRY = FIXTURES / "chains" / "registry_small.csv"
LONG_TABLE = FIXTURES / "complexity" / "small.csv"
TIER_LIST = FIXTURES / "registers" / "2024年广西专精特新中小企业名单.csv"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


def _commands(group: click.Group = main, path: tuple[str, ...] = ()):
    """(path, command) of every command and sub-command."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        yield (*path, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*path, name))


ALL = [p for p, _ in _commands()]
# groups whose own invocation prints nothing but help, and the server
NO_RESULTS = {("enterprises",), ("users",), ("serve",), ("spark",)}


# --- help ---------------------------------------------------------------------------------

def test_top_level_lists_commands_in_workflow_order() -> None:
    res = run("--help")
    assert res.exit_code == 0
    listed = [line.split()[0] for line in res.stdout.split("Commands:")[1].splitlines()
              if line.strip()]
    assert listed == list(COMMAND_ORDER)


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_help_works_and_everything_is_described(path: tuple[str, ...]) -> None:
    res = run(*path, "--help")
    assert res.exit_code == 0, res.output
    assert "Usage:" in res.stdout
    cmd = dict(_commands())[path]
    assert cmd.help and cmd.help.strip(), f"{path}: no help text"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in cmd.help.splitlines()[0]), \
        f"{path}: the first help line is not Chinese"
    for param in cmd.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert param.help, f"{path} {param.opts}: no help text"


def test_short_help_option() -> None:
    assert run("-h").exit_code == 0
    assert run("monitor", "import", "-h").exit_code == 0


@pytest.mark.parametrize("path", [p for p in ALL if p not in NO_RESULTS], ids=" ".join)
def test_every_command_that_prints_results_has_json(path: tuple[str, ...]) -> None:
    cmd = dict(_commands())[path]
    assert any("--json" in p.opts for p in cmd.params if isinstance(p, click.Option)), path


# --- --json parses ------------------------------------------------------------------------

JSON_CASES = {
    "init": ["init"],
    "show park": ["show", "park", "南宁高新技术产业开发区"],
    "show region": ["show", "region", "南宁"],
    "search": ["search", "柳州", "汽车"],
    "stats": ["stats"],
    "overview": ["overview"],
    "ingest": ["ingest", PLAN],
    "monitor": ["monitor", "--region", "南宁"],
    "monitor import": ["monitor", "import", ACTUALS],
    "parks": ["parks", "--region", "南宁"],
    "chains": ["chains", "--chain", "new_energy_battery", "--region", "南宁"],
    "projects": ["projects", "--region", "南宁"],
    "projects set": ["projects", "set", "比亚迪碳酸锂项目", "竣工", "--by", "测试"],
    "enterprises pool": ["enterprises", "pool", "--region", "南宁"],
    "enterprises pool import": ["enterprises", "pool", "import", TIER_LIST],
    "enterprises import": ["enterprises", "import", REGISTRY],
    "enterprises classify": ["enterprises", "classify", REGISTRY],
    "enterprises classify kb": ["enterprises", "classify"],
    "enterprises show": ["enterprises", "show", "比亚迪"],
    "complexity": ["complexity", LONG_TABLE],
    "partners": ["partners", "--home", "南宁", "--top", "3"],
    "partners --chain": ["partners", "--home", "南宁", "--chain", "automotive", "--top", "3"],
    "partners import": ["partners", "import", LONG_TABLE],
    "users list": ["users", "list"],
    "review": ["review", "--status", "all", "--limit", "3"],
    "review log": ["review", "log"],
}


@pytest.mark.parametrize("name", list(JSON_CASES))
def test_json_output_parses(name: str, atlas_url: str) -> None:
    res = run("--db", atlas_url, *JSON_CASES[name], "--json")
    # importers exit 1 when they skipped bad rows (the fixtures have some); the output stands
    assert res.exit_code in ((0, 1) if name.endswith("import") else (0,)), res.output
    assert "Traceback" not in res.output
    json.loads(res.stdout)


@pytest.mark.parametrize("args", [["extract", PROSE], ["audit", PLANTED]], ids=["extract",
                                                                                 "audit"])
def test_json_lines_output_parses(args: list, atlas_url: str) -> None:
    res = run("--db", atlas_url, *args, "--json")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines, "expected at least one record"
    for line in lines:
        assert isinstance(json.loads(line), dict)


def test_json_is_the_same_as_format_json(atlas_url: str) -> None:
    a = run("--db", atlas_url, "parks", "--json")
    b = run("--db", atlas_url, "parks", "--format", "json")
    assert a.exit_code == b.exit_code == 0
    assert a.stdout == b.stdout


def test_users_and_report_json(atlas_url: str, tmp_path: Path) -> None:
    added = run("--db", atlas_url, "users", "add", "alice", "--role", "write", "--json")
    assert added.exit_code == 0, added.output
    data = json.loads(added.stdout)
    assert data["name"] == "alice" and data["role"] == "write" and data["token"]
    revoked = run("--db", atlas_url, "users", "revoke", "alice", "--json")
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["revoked"] is True
    out = tmp_path / "brief.html"
    rep = run("--db", atlas_url, "report", "--region", "南宁", "--out", out, "--json")
    assert rep.exit_code == 0, rep.output
    info = json.loads(rep.stdout)
    assert info["out"] == str(out) and info["format"] == "html" and info["bytes"] > 0


# --- bad input: one line, exit 1, no traceback -------------------------------------------

@pytest.fixture()
def bad(tmp_path: Path) -> dict[str, Path]:
    d = tmp_path / "bad"
    d.mkdir()
    (d / "adir").mkdir()
    (d / "empty.txt").write_bytes(b"")
    (d / "empty.csv").write_bytes(b"")
    noise = bytes(range(256)) * 8
    for name in ("binary.txt", "binary.csv", "binary.xlsx"):
        (d / name).write_bytes(noise)
    (d / "notadb.sqlite").write_text("hello, not a database\n")
    return {"dir": d / "adir", "missing": d / "missing.txt", "missing_csv": d / "missing.csv",
            **{p.stem + p.suffix.replace(".", "_"): p for p in d.iterdir()}}


def assert_one_line_error(res: Result, *must: str) -> None:
    lines = res.stderr.splitlines()
    assert res.exit_code == 1, (res.exit_code, res.output)
    assert len(lines) == 1 and lines[0].startswith("gxatlas: "), res.stderr
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    for text in must:
        assert text in lines[0], lines[0]


DB_COMMANDS = [
    ["init"], ["stats"], ["show", "park", "南宁"], ["search", "南宁"], ["overview"],
    ["ingest", PLAN], ["audit", "1"], ["monitor"], ["monitor", "import", ACTUALS], ["parks"],
    ["chains", "--region", "南宁"], ["enterprises", "import", REGISTRY],
    ["projects", "--region", "南宁"], ["projects", "set", "比亚迪碳酸锂项目", "投产"],
    ["enterprises", "pool"], ["enterprises", "pool", "import", TIER_LIST],
    ["enterprises", "classify"], ["enterprises", "show", "比亚迪"], ["partners", "--home", "南宁"],
    ["partners", "import", LONG_TABLE], ["users", "add", "bob"], ["users", "list"],
    ["users", "revoke", "bob"], ["report", "--region", "南宁", "--out", "/tmp/gxatlas-x.html"],
    ["serve", "--port", "1"],
]


@pytest.mark.parametrize("args", DB_COMMANDS, ids=lambda a: " ".join(map(str, a[:2])))
@pytest.mark.parametrize("db", ["notadb", "mysql", "absent", "dir"])
def test_bad_database(args: list, db: str, bad: dict[str, Path]) -> None:
    if db == "absent" and args == ["init"]:
        pytest.skip("init creates the KB")
    url, must = {"notadb": (bad["notadb_sqlite"], "not a SQLite database"),
                 "mysql": ("mysql://x", "unknown database URL scheme"),
                 "absent": (bad["dir"] / "nope.sqlite", "no such database"),
                 "dir": (bad["dir"], "directory")}[db]
    assert_one_line_error(run("--db", url, *args), must)


FILE_COMMANDS = {
    "ingest": ["ingest"],
    "extract": ["extract"],
    "audit": ["audit"],
    "monitor import": ["monitor", "import"],
    "enterprises import": ["enterprises", "import"],
    "enterprises classify": ["enterprises", "classify"],
    "enterprises pool import": ["enterprises", "pool", "import"],
    "complexity": ["complexity"],
    "partners import": ["partners", "import"],
    "partners --table": ["partners", "--home", "南宁", "--table"],
    "chains --registry": ["chains", "--registry"],
}
TABULAR = {"monitor import", "enterprises import", "enterprises classify", "complexity",
           "enterprises pool import",
           "partners import", "partners --table", "chains --registry"}


@pytest.mark.parametrize("kind", ["missing", "dir", "empty", "binary", "binary_xlsx"])
@pytest.mark.parametrize("cmd", list(FILE_COMMANDS))
def test_bad_input_file(cmd: str, kind: str, bad: dict[str, Path], atlas_url: str) -> None:
    ext = "csv" if cmd in TABULAR else "txt"
    if kind == "binary_xlsx" and cmd not in TABULAR:
        pytest.skip("documents: xlsx is covered by the ingest tests")
    path = {"missing": bad["missing_csv" if ext == "csv" else "missing"], "dir": bad["dir"],
            "empty": bad[f"empty_{ext}"], "binary": bad[f"binary_{ext}"],
            "binary_xlsx": bad["binary_xlsx"]}[kind]
    res = run("--db", atlas_url, *FILE_COMMANDS[cmd], path)
    assert_one_line_error(res, path.name)
    assert res.stdout.strip() in ("", "[]"), res.stdout


@pytest.mark.parametrize("args,must", [
    (["show", "region", "火星"], "火星"),
    (["show", "park", "不存在的园区"], "不存在的园区"),
    (["show", "document", "99999"], "99999"),
    (["monitor", "--region", "火星"], "火星"),
    (["monitor", "--plan", "99999"], "99999"),
    (["parks", "--region", "火星"], "火星"),
    (["chains", "--region", "火星"], "火星"),
    (["chains", "--registry", REGISTRY, "--region", "火星"], "火星"),
    (["chains", "--park", "火星园区"], "火星园区"),
    (["chains", "--region", "南宁", "--park", "南宁高新技术产业开发区"], "--park"),
    (["chains", "--chain", "no_such_chain"], "no_such_chain"),
    (["projects", "--region", "火星"], "火星"),
    (["projects", "--park", "火星园区"], "火星园区"),
    (["projects", "--chain", "no_such_chain"], "no_such_chain"),
    (["projects", "--stage", "火星阶段"], "火星阶段"),
    (["projects", "--document", "no-such-doc"], "no-such-doc"),
    (["projects", "--as-of", "20261"], "--as-of"),
    (["projects", "--format", "xlsx"], "--output"),
    (["projects", "set", "不存在的项目", "投产"], "不存在的项目"),
    (["projects", "set", "比亚迪碳酸锂项目", "火星阶段"], "火星阶段"),
    (["projects", "set", "比亚迪碳酸锂项目", "投产", "--date", "昨天"], "昨天"),
    (["enterprises", "pool", "--region", "火星"], "火星"),
    (["enterprises", "pool", "--chain", "no_such_chain"], "no_such_chain"),
    (["enterprises", "pool", "import", TIER_LIST, "--tier", "金牌"], "金牌"),
    (["enterprises", "classify", REGISTRY, "--chain", "no_such_chain"], "no_such_chain"),
    (["partners", "--home", "火星"], "火星"),
    (["partners", "--home", "南宁", "--chain", "no_such_chain"], "no_such_chain"),
    (["partners", "--home", "南宁", "--chain", "automotive", "--table", LONG_TABLE], "--table"),
    (["partners", "--top", "3"], "--home"),
    (["partners", "--home", "南宁", "--weights", "foo"], "foo"),
    (["report", "--region", "火星", "--out", "{tmp}/x.html"], "火星"),
    (["report", "--region", "南宁", "--out", "{tmp}/x.doc"], "x.doc"),
    (["report", "--region", "南宁", "--out", "{tmp}/no/such/dir/x.html"], "不存在"),
    (["parks", "--format", "xlsx"], "--output"),
    (["parks", "--format", "xlsx", "--output", "{tmp}/no/such/x.xlsx"], "不存在"),
    (["partners", "--home", "南宁", "--format", "xlsx", "--output", "{tmp}/no/x.xlsx"], "不存在"),
    (["extract", PROSE, "--out", "{tmp}/no/x.jsonl"], "不存在"),
    (["audit", "no-such-document"], "no-such-document"),
    (["users", "revoke", "nobody"], "nobody"),
    (["enterprises", "show", "不存在的公司"], "不存在的公司"),
], ids=lambda v: " ".join(map(str, v))[:60] if isinstance(v, list) else None)
def test_unknown_names_and_bad_options(args: list, must: str, atlas_url: str,
                                       tmp_path: Path) -> None:
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in args]
    assert_one_line_error(run("--db", atlas_url, *args), must)


def test_port_in_use(atlas_url: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert_one_line_error(run("--db", atlas_url, "serve", "--port", str(port)), str(port))


def test_batch_goes_on_and_exits_1(bad: dict[str, Path], atlas_url: str) -> None:
    """A bad file among good ones: reported on its line, the good one is extracted."""
    res = run("extract", bad["empty_txt"], PROSE)
    assert res.exit_code == 1
    assert res.stderr.splitlines() == [f"gxatlas: {bad['empty_txt']}: 空文件 (empty file)"]
    assert res.stdout.splitlines() and all(json.loads(x) for x in res.stdout.splitlines())
