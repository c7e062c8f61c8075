"""Load test of the read API (a script, not a test): throughput and p50/p99 latency.

Builds a KB from the bundled atlas in a temporary folder (or uses --db), starts uvicorn on
127.0.0.1 at a free port in a subprocess, and sends a bounded, open-loop stream of GET
requests (``--rate`` per second for ``--seconds``) round-robin over the main read endpoints.

    .venv/bin/python bench/load_test.py                      # 100 req/s for 20 s
    .venv/bin/python bench/load_test.py --rate 200 --seconds 10 --json

Target (issue 7): p99 < 100 ms at 100 req/s on the bundled atlas.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

TARGET_P99_MS = 100.0


@dataclass(frozen=True)
class Sample:
    endpoint: str
    status: int
    ms: float
    late_ms: float  # how far behind schedule the request was sent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_kb(folder: Path) -> str:
    from gxatlas.kb.load import load_all
    from gxatlas.kb.store import open_kb

    url = f"sqlite:///{folder / 'bench.sqlite'}"
    kb = open_kb(url, create=True)
    with kb.session() as s:
        load_all(s)
    kb.dispose()
    return url


def start_server(db_url: str, port: int, workers: int,
                 cache_seconds: float | None) -> subprocess.Popen[bytes]:
    env = dict(os.environ, GXATLAS_DB=db_url)
    if cache_seconds is not None:
        env["GXATLAS_API_CACHE_SECONDS"] = str(cache_seconds)
    cmd = [sys.executable, "-m", "uvicorn", "gxatlas.api.app:create_app", "--factory",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
           "--workers", str(workers)]
    return subprocess.Popen(cmd, env=env)


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with status {proc.returncode}")
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("server did not become ready")


def endpoints(base: str) -> list[str]:
    """The main read endpoints, with ids taken from the running server."""
    with httpx.Client(base_url=base, timeout=10) as c:
        park = c.get("/api/parks", params={"limit": 1}).json()["items"]
        doc = c.get("/api/documents", params={"limit": 1}).json()["items"]
    paths = ["/api/parks?limit=50", "/api/parks?region=南宁&limit=50", "/api/map/parks",
             "/api/search?q=南宁高新", "/api/search?q=汽车", "/api/analysis/monitor?limit=50",
             "/api/regions?limit=50", "/api/enterprises?limit=50", "/api/projects?limit=50",
             "/api/indicators?region=广西&limit=50"]
    if park:
        paths.append(f"/api/parks/{park[0]['id']}")
    if doc:
        paths.append(f"/api/documents/{doc[0]['id']}")
    return paths


def run(base: str, paths: list[str], *, rate: float, seconds: float,
        concurrency: int) -> tuple[list[Sample], float]:
    total = int(rate * seconds)
    client = httpx.Client(base_url=base, timeout=10,
                          limits=httpx.Limits(max_connections=concurrency,
                                              max_keepalive_connections=concurrency))
    start = time.perf_counter() + 0.2

    def one(i: int) -> Sample:
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sent = time.perf_counter()
        path = paths[i % len(paths)]
        try:
            status = client.get(path).status_code
        except httpx.HTTPError:
            status = 0
        return Sample(path, status, 1000 * (time.perf_counter() - sent), 1000 * (sent - due))

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        samples = list(pool.map(one, range(total)))
    elapsed = time.perf_counter() - start
    client.close()
    return samples, elapsed


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def summarize(samples: list[Sample], elapsed: float, rate: float) -> dict[str, object]:
    ms = [s.ms for s in samples]
    per: dict[str, dict[str, float]] = {}
    for path in dict.fromkeys(s.endpoint for s in samples):
        xs = [s.ms for s in samples if s.endpoint == path]
        per[path] = {"n": len(xs), "p50_ms": round(percentile(xs, 50), 1),
                     "p99_ms": round(percentile(xs, 99), 1)}
    errors = sum(1 for s in samples if s.status != 200)
    p99 = percentile(ms, 99)
    return {"requests": len(samples), "errors": errors, "target_rate": rate,
            "throughput_rps": round(len(samples) / elapsed, 1),
            "p50_ms": round(percentile(ms, 50), 1), "p99_ms": round(p99, 1),
            "max_ms": round(max(ms), 1),
            "max_send_lag_ms": round(max(s.late_ms for s in samples), 1),
            "target_p99_ms": TARGET_P99_MS, "meets_target": p99 < TARGET_P99_MS and not errors,
            "endpoints": per}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--cache-seconds", type=float, default=None,
                        help="server response cache TTL (default: the app's; 0 = off)")
    parser.add_argument("--db", default=None, help="use this KB instead of the bundled atlas")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    if args.rate * args.seconds > 100_000:
        parser.error("at most 100000 requests per run")
    with tempfile.TemporaryDirectory(prefix="gxatlas-bench-") as tmp:
        db_url = args.db or build_kb(Path(tmp))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(db_url, port, args.workers, args.cache_seconds)
        try:
            wait_ready(base, proc)
            paths = endpoints(base)
            run(base, paths, rate=50, seconds=1, concurrency=args.concurrency)  # warm-up
            samples, elapsed = run(base, paths, rate=args.rate, seconds=args.seconds,
                                   concurrency=args.concurrency)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    summary = summarize(samples, elapsed, args.rate)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(f"{summary['requests']} requests in {elapsed:.1f}s: "
              f"{summary['throughput_rps']} req/s (target {args.rate}), "
              f"p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms, "
              f"max {summary['max_ms']} ms, errors {summary['errors']}")
        for path, row in summary["endpoints"].items():  # type: ignore[union-attr]
            print(f"  {row['p50_ms']:7.1f} {row['p99_ms']:7.1f} ms  n={row['n']:<5} {path}")
        print("target p99 < 100 ms: " + ("met" if summary["meets_target"] else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
