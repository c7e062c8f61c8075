"""Province- and nation-sized work (issue 16): each gxatlas job against its floor, in one run.

    .venv/bin/python bench/bulk_bench.py registry [--rows 1000000] [--db postgresql://…]
    .venv/bin/python bench/bulk_bench.py classify [--rows 1000000] [--jobs 2] [--diverse]
    .venv/bin/python bench/bulk_bench.py ingest [--docs DIR] [--kb-registry 100000]
    .venv/bin/python bench/bulk_bench.py spark [--rows 200000]
    .venv/bin/python bench/bulk_bench.py table [--rows 1000000] [--db postgresql://…]

``table`` runs registry (SQLite, and PostgreSQL when ``--db`` is given), classify and ingest
and prints the issue's table (work, gxatlas, floor, ratio, target, met) in Markdown.

Every figure is a whole process (wall seconds, CPU seconds, peak RSS of the child from
wait4), and every gxatlas figure is given as a ratio to a floor measured in the same run,
since the machine is shared and noisy:

* registry: `gxatlas enterprises import` of a synthetic registry (bench/classify_bench.py's
  generator: valid credit codes, addresses, registry-style scopes) into a KB holding the
  bundled atlas, on SQLite (default) or PostgreSQL (``--db``). Floor: the same rows parsed
  by the csv module and inserted with sqlite3 ``executemany`` into one table.
  Targets: 1M rows < 120 s, peak < 1 GB.
* classify: `gxatlas enterprises classify FILE --format json` (``--jobs``) against
  pyahocorasick over the scope column alone (the same keywords, the csv module reading the
  file). Target: < 2×. The same pass with ahocorasick-rs (the classifier's matcher, about 4×
  faster per character) is printed beside it. ``--diverse``: a registry whose scope items
  rarely repeat (bench/classify_bench.py), against the generator's default of ~110 phrases.
* ingest: `gxatlas ingest DIR` into a fresh KB with the atlas against `gxatlas extract DIR`
  (the seeds and real texts of ../shared, 26 files when both are there). Target: < 1.5×.
  ``--kb-registry ROWS``: the KB first imports a registry of ROWS firms (their names are
  then known names handed to extraction, their evidence is in the KB).
* spark: `gxatlas spark classify --master local[2]` against the single-process
  `gxatlas enterprises classify` of the same file: rows/s of each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

GXATLAS = [sys.executable, "-m", "gxatlas.cli"]

FLOOR_INSERT = r"""
import csv, sqlite3, sys
src, db = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db)
con.execute("CREATE TABLE r (name TEXT, code TEXT, address TEXT, capital TEXT, founded TEXT, "
            "scope TEXT)")
with open(src, encoding="utf-8", newline="") as fh:
    rows = csv.reader(fh)
    next(rows)
    batch = []
    for row in rows:
        batch.append(row[:6])
        if len(batch) == 5000:
            con.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?)", batch)
            batch = []
    con.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?)", batch)
con.commit()
"""

# argv[2] "py": pyahocorasick (the floor); "rs": ahocorasick-rs, the classifier's own matcher
FLOOR_AC = r"""
import csv, sys
from gxatlas.data.chains import load_chains
words = [w for ch in load_chains() for lk in ch.links
         for w in (*lk.keywords, *lk.negative_keywords)]
if sys.argv[2] == "rs":
    import ahocorasick_rs
    auto = ahocorasick_rs.AhoCorasick(sorted(set(words)),
                                      matchkind=ahocorasick_rs.MatchKind.Standard)
else:
    import ahocorasick
    auto = ahocorasick.Automaton()
    for w in words:
        auto.add_word(w, w)
    auto.make_automaton()
n = 0
with open(sys.argv[1], encoding="utf-8", newline="") as fh:
    rows = csv.reader(fh)
    head = next(rows)
    col = head.index("经营范围")
    if sys.argv[2] == "rs":
        for row in rows:
            n += len(auto.find_matches_as_indexes(row[col], overlapping=True))
    else:
        for row in rows:
            for _ in auto.iter(row[col]):
                n += 1
print(n)
"""


def _pss(pid: int) -> int:
    """Proportional set size (bytes): resident memory with pages shared after a fork split
    between the processes sharing them."""
    for row in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if row.startswith("Pss:"):
            return int(row.split()[1]) * 1024
    return 0


def tree_rss(pid: int) -> int:
    """Memory of ``pid`` and all its descendants now: the sum of their proportional set
    sizes (/proc; a page shared by a parent and its forked child is counted once)."""
    parent: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        parent[int(d.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    tree, todo = set(), [pid]
    while todo:
        cur = todo.pop()
        tree.add(cur)
        todo.extend(p for p, pp in parent.items() if pp == cur and p not in tree)
    total = 0
    for p in tree:
        try:
            total += _pss(p)
        except OSError:
            pass  # ended since the listing
    return total


def run(cmd: list[str], *, env: dict[str, str] | None = None,
        stdout: int | None = subprocess.DEVNULL) -> tuple[float, float, int]:
    """(wall s, CPU s, peak memory bytes) of ``cmd`` in a child process with its own
    children (CPU from wait4; memory: the larger of wait4's largest process and the process
    tree's summed PSS sampled every 0.5 s); exits on failure."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], tree_rss(proc.pid))
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err = proc.stderr.read().decode() if proc.stderr else ""  # a full pipe would block it
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: some rows or files were reported, which the bench expects
        sys.exit(f"{' '.join(cmd[:6])} failed ({code}): {err[-800:]}")
    return wall, usage.ru_utime + usage.ru_stime, max(usage.ru_maxrss * 1024, peak[0])


def line(label: str, fig: tuple[float, float, int], rows: int | None = None) -> str:
    wall, cpu, rss = fig
    rate = f"  {rows / wall:>9,.0f} rows/s" if rows else ""
    return f"  {label:<44} {wall:8.1f} s wall {cpu:8.1f} s CPU {rss / 2**20:7.0f} MiB{rate}"


@dataclass(frozen=True)
class Result:
    """One row of the table: ``ours`` against ``floor`` (wall s, CPU s, peak bytes)."""

    work: str
    ours: tuple[float, float, int]
    floor_label: str
    floor: tuple[float, float, int]
    target: str
    met: bool | None  # None: the run was too small to judge the target


def _fig(fig: tuple[float, float, int]) -> str:
    return f"{fig[0]:.1f} s wall, {fig[1]:.1f} s CPU, {fig[2] / 2**20:.0f} MiB"


def print_table(results: list[Result]) -> None:
    print()
    print("| work | gxatlas | floor (same run) | ratio | target | met? |")
    print("|---|---|---|---|---|---|")
    for r in results:
        ratio = (f"{r.ours[0] / r.floor[0]:.2f}× wall, {r.ours[1] / r.floor[1]:.2f}× CPU")
        met = {True: "yes", False: "**no**", None: "not judged (smaller run)"}[r.met]
        print(f"| {r.work} | {_fig(r.ours)} | {r.floor_label}: {_fig(r.floor)} | {ratio} | "
              f"{r.target} | {met} |")


def registry_file(rows: int, work: Path, *, diverse: bool = False) -> Path:
    from classify_bench import generate

    path = work / f"registry_{rows}{'_diverse' if diverse else ''}.csv"
    if not path.exists():
        t = time.perf_counter()
        generate(path, rows, diverse=diverse)
        print(f"generated {rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t:.0f} s")
    return path


def atlas_kb(url: str) -> None:
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        from gxatlas.kb.store import resolve_url

        eng = create_engine(resolve_url(url))
        with eng.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        eng.dispose()
    run([*GXATLAS, "--db", url, "init"])


def bench_registry(args: argparse.Namespace, work: Path) -> Result:
    path = registry_file(args.rows, work)
    url = args.db or f"sqlite:///{work / 'registry.sqlite'}"
    if not args.db:
        for f in work.glob("registry.sqlite*"):
            f.unlink()
    atlas_kb(url)
    floor_db = work / "floor.sqlite"
    floor_db.unlink(missing_ok=True)
    floor = run([sys.executable, "-c", FLOOR_INSERT, str(path), str(floor_db)])
    ours = run([*GXATLAS, "--db", url, "enterprises", "import", str(path)])
    db = "PostgreSQL" if args.db else "SQLite"
    print(f"registry import, {args.rows:,} rows, {db}:")
    print(line("sqlite3 executemany (floor)", floor, args.rows))
    print(line("gxatlas enterprises import", ours, args.rows))
    per_million = ours[0] / args.rows * 1e6
    print(f"  ratio {ours[0] / floor[0]:.1f}× wall, {ours[1] / floor[1]:.1f}× CPU; "
          f"{per_million:.0f} s wall per 1M rows; target for 1M rows: < 120 s wall, < 1024 MiB")
    met = (ours[0] < 120 and ours[2] < 2**30) if args.rows >= 1_000_000 else None
    return Result(f"`enterprises import` {args.rows:,} rows, {db}", ours,
                  "sqlite3 executemany", floor, "1M rows < 120 s wall, < 1 GiB", met)


def bench_classify(args: argparse.Namespace, work: Path) -> Result:
    path = registry_file(args.rows, work, diverse=args.diverse)
    floor = run([sys.executable, "-c", FLOOR_AC, str(path), "py"])
    floor_rs = run([sys.executable, "-c", FLOOR_AC, str(path), "rs"])
    cmd = [*GXATLAS, "enterprises", "classify", str(path), "--format", "json"]
    ours = run(cmd + (["--jobs", str(args.jobs)] if args.jobs > 1 else []))
    kind = " (diverse: scope items rarely repeat)" if args.diverse else ""
    print(f"classification, {args.rows:,} rows{kind}:")
    print(line("pyahocorasick over the scope column (floor)", floor, args.rows))
    print(line("ahocorasick-rs over the scope column", floor_rs, args.rows))
    print(line(f"gxatlas enterprises classify --jobs {args.jobs}", ours, args.rows))
    print(f"  ratio {ours[0] / floor[0]:.2f}× wall, {ours[1] / floor[1]:.2f}× CPU; target < 2×"
          f" (to the ahocorasick-rs pass, the classifier's own matcher: "
          f"{ours[1] / floor_rs[1]:.2f}× CPU)")
    return Result(f"`enterprises classify` {args.rows:,} rows (--jobs {args.jobs})", ours,
                  "pyahocorasick over the scope column", floor, "< 2× (CPU)",
                  ours[1] / floor[1] < 2)


def default_docs() -> list[Path]:
    shared = Path(os.environ.get("GXATLAS_SHARED") or REPO.parent / "shared")
    out = []
    for sub in ("corpus/seeds", "corpus/real"):
        d = shared / sub
        if d.is_dir():
            out.extend(sorted(p for p in d.iterdir() if p.suffix in (".txt", ".html", ".md")))
    return out


def bench_ingest(args: argparse.Namespace, work: Path) -> Result:
    docs = work / "docs"
    shutil.rmtree(docs, ignore_errors=True)
    docs.mkdir()
    files = [Path(p) for p in args.docs] if args.docs else default_docs()
    for f in files:
        shutil.copy(f, docs / f.name)
    if not files:
        sys.exit("no documents: give --docs or put ../shared beside the repo")
    url = f"sqlite:///{work / 'ingest.sqlite'}"
    for f in work.glob("ingest.sqlite*"):
        f.unlink()
    atlas_kb(url)
    held = ""
    if args.kb_registry:  # a KB that already holds a registry of that many firms
        run([*GXATLAS, "--db", url, "enterprises", "import",
             str(registry_file(args.kb_registry, work))])
        held = f" into a KB holding {args.kb_registry:,} registry firms"
    extract = run([*GXATLAS, "extract", str(docs)])
    ingest = run([*GXATLAS, "--db", url, "ingest", str(docs)])
    print(f"ingest of {len(files)} documents{held}:")
    print(line("gxatlas extract (floor)", extract))
    print(line("gxatlas ingest", ingest))
    print(f"  ratio {ingest[1] / extract[1]:.2f}× CPU, {ingest[0] / extract[0]:.2f}× wall; "
          f"target < 1.5×")
    return Result(f"`ingest` of {len(files)} documents{held}", ingest, "`gxatlas extract`", extract,
                  "< 1.5× (CPU)", ingest[1] / extract[1] < 1.5)


def bench_spark(args: argparse.Namespace, work: Path) -> None:
    path = registry_file(args.rows, work)
    single = run([*GXATLAS, "enterprises", "classify", str(path), "--format", "json"])
    out = work / "spark_out"
    shutil.rmtree(out, ignore_errors=True)
    spark = run([*GXATLAS, "spark", "classify", str(path), "--out", str(out), "--master",
                 args.master])
    print(f"classification on Spark, {args.rows:,} rows (Spark's JVM start included):")
    print(line("gxatlas enterprises classify (one process)", single, args.rows))
    print(line(f"gxatlas spark classify --master {args.master}", spark, args.rows))
    print("  (the Spark job also validates every row for import and writes Parquet)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["registry", "classify", "ingest", "spark", "table"])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--db", default=None, help="PostgreSQL URL for `registry`")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--diverse", action="store_true",
                    help="classify: a registry whose scope items rarely repeat")
    ap.add_argument("--docs", nargs="*", default=None)
    ap.add_argument("--kb-registry", type=int, default=0, metavar="ROWS",
                    help="ingest: into a KB that first imports a registry of ROWS firms")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "gxatlas-bulk-bench"))
    args = ap.parse_args()
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU, load "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.what == "table":
        results = [bench_registry(argparse.Namespace(**{**vars(args), "db": None}), work)]
        if args.db:
            results.append(bench_registry(args, work))
        results += [bench_classify(args, work), bench_ingest(args, work)]
        print_table(results)
    else:
        result = {"registry": bench_registry, "classify": bench_classify,
                  "ingest": bench_ingest, "spark": bench_spark}[args.what](args, work)
        if result is not None:
            print_table([result])
    print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
