"""How fast the national candidate pool loads, and that it is loaded once per process.

Each figure is the median of ``--runs`` fresh Python processes (so imports and file reads are
cold for Python, warm for the OS page cache):

* ``floor``: reading listed_companies.csv with the csv module alone (the least any loader does);
* ``load_pool``: reading and validating every pool file into frozen records;
* ``index``: placing every listed firm on the chain links (``pool_prospects``);
* ``first request`` / ``later requests``: ``/api/analysis/chains`` for 南宁's battery chain with
  candidates on the bundled atlas (API answer cache off), and how many times the pool files
  were parsed across all requests (must be 1).

    .venv/bin/python bench/pool_bench.py [--runs 5] [--requests 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_FLOOR = """
import csv, time
t = time.perf_counter()
with open({path!r}, encoding="utf-8", newline="") as fh:
    rows = list(csv.DictReader(fh))
print(time.perf_counter() - t)
"""

_LOAD = """
import time
t = time.perf_counter()
from gxatlas.data.listed import load_pool
pool = load_pool()
t1 = time.perf_counter()
from gxatlas.analysis.classify import classifier
from gxatlas.analysis.candidates import pool_prospects
clf = classifier()
t2 = time.perf_counter()
pool_prospects(pool, clf)
t3 = time.perf_counter()
print(t1 - t, t3 - t2)
"""

_REQUESTS = """
import json, time
import gxatlas.data.listed as listed
calls = []
real = listed.parse_pool
def counted(*a, **k):
    calls.append(1)
    return real(*a, **k)
listed.parse_pool = counted
from fastapi.testclient import TestClient
from gxatlas.api.app import create_app
client = TestClient(create_app({url!r}, cache_seconds=0))
times = []
for i in range({n}):
    t = time.perf_counter()
    body = client.get("/api/analysis/chains", params={{"chain": "new_energy_battery",
                      "region": "南宁", "candidates": 5}}).json()
    times.append(time.perf_counter() - t)
    assert body["available"], body
print(json.dumps({{"first": times[0], "later": sorted(times[1:])[len(times[1:]) // 2],
                  "parses": len(calls)}}))
"""


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args(argv)
    csv_path = str(REPO / "gxatlas" / "data" / "pool" / "listed_companies.csv")
    floor = [float(_run(_FLOOR.format(path=csv_path))) for _ in range(args.runs)]
    loads, index = [], []
    for _ in range(args.runs):
        a, b = map(float, _run(_LOAD).split())
        loads.append(a)
        index.append(b)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'atlas.sqlite'}"
        subprocess.run([sys.executable, "-m", "gxatlas.cli", "--db", url, "init"], cwd=REPO,
                       check=True, capture_output=True)
        req = json.loads(_run(_REQUESTS.format(url=url, n=args.requests)))
    med_floor, med_load = statistics.median(floor), statistics.median(loads)
    print(f"| what | median of {args.runs} processes |")
    print("|---|---|")
    print(f"| floor: csv.DictReader over listed_companies.csv | {med_floor * 1000:.0f} ms |")
    print(f"| load_pool() (all pool files, validated) | {med_load * 1000:.0f} ms "
          f"({med_load / med_floor:.1f}× floor; target < 1000 ms) |")
    print(f"| pool_prospects() (every firm on every link) | "
          f"{statistics.median(index) * 1000:.0f} ms |")
    print(f"| first /api/analysis/chains request (loads the pool) | {req['first'] * 1000:.0f} ms |")
    print(f"| later requests, median of {args.requests - 1} | {req['later'] * 1000:.0f} ms |")
    print(f"| pool files parsed in {args.requests} requests | {req['parses']} |")
    ok = med_load < 1.0 and req["parses"] == 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
