"""Load test of the read API (a script, not a test): throughput, p50/p99 latency, errors.

Builds a KB from the bundled atlas with the five seed documents ingested (from
../shared/corpus/seeds when present; or uses --db) in a temporary folder, starts `gxatlas
serve` on 127.0.0.1 at a free port in a subprocess, and sends an open-loop stream of GET
requests (``--rate`` per second for ``--seconds``) over ``--connections`` client connections
(each request goes out at its scheduled time on the next connection in turn, whatever the
answers before it), round-robin over the main read and analysis endpoints. A separate probe
asks ``/api/health`` every 100 ms throughout and reports its worst latency.

    .venv/bin/python bench/load_test.py                        # 200 req/s, 128 conns, 30 s
    .venv/bin/python bench/load_test.py --cache-seconds 0      # the response cache off
    .venv/bin/python bench/load_test.py --json
    .venv/bin/python bench/load_test.py --floor                # and a bare app, same client

Target (issue 14): p99 < 100 ms and no errors at 200 req/s with 128 connections, cache on,
and /api/health answering throughout. The client runs on the same machine as the server;
on a shared 2-core machine both compete for the cores, so measure on a quiet one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse

import httpx

TARGET_P99_MS = 100.0
REPO = Path(__file__).resolve().parents[1]
SEEDS = Path(os.environ.get("GXATLAS_SHARED", REPO.parent / "shared")) / "corpus" / "seeds"


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


def gxatlas(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gxatlas.cli", *args], check=True,
                          capture_output=True, text=True)


def build_kb(folder: Path, *, seeds: Path | None) -> tuple[str, int]:
    """The bundled atlas, and the seed documents ingested; returns (url, documents ingested)."""
    url = f"sqlite:///{folder / 'bench.sqlite'}"
    gxatlas("--db", url, "init")
    if seeds is None or not seeds.is_dir():
        return url, 0
    out = gxatlas("--db", url, "ingest", str(seeds), "--json").stdout
    return url, len(json.loads(out))


def start_server(db_url: str, port: int, cache_seconds: float | None) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    if cache_seconds is not None:
        env["GXATLAS_API_CACHE_SECONDS"] = str(cache_seconds)
    cmd = [sys.executable, "-m", "gxatlas.cli", "--db", db_url, "serve", "--port", str(port)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


FLOOR_APP = """
import uvicorn
from fastapi import FastAPI
app = FastAPI()
@app.get("/{path:path}")
async def answer(path: str) -> dict:
    return {"status": "ok", "path": path}
uvicorn.run(app, host="127.0.0.1", port=%d, log_level="warning", limit_concurrency=1024,
            backlog=2048, timeout_keep_alive=30)
"""


def start_floor(port: int) -> subprocess.Popen[bytes]:
    """A bare FastAPI app on uvicorn answering every GET with a constant: what this machine
    serves at best with the same client, measured in the same run."""
    return subprocess.Popen([sys.executable, "-c", FLOOR_APP % port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"server exited with status {proc.returncode}: {err[-500:]}")
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become ready")


def endpoints(base: str) -> list[str]:
    """The main read and analysis endpoints, with ids taken from the running server."""
    with httpx.Client(base_url=base, timeout=30) as c:
        park = c.get("/api/parks", params={"limit": 1}).json()["items"]
        doc = c.get("/api/documents", params={"limit": 1}).json()["items"]
    paths = ["/api/parks?limit=50", "/api/parks?region=南宁&limit=50", "/api/map/parks",
             "/api/search?q=南宁高新", "/api/search?q=汽车", "/api/analysis/monitor?limit=50",
             "/api/analysis/parks", "/api/analysis/audit", "/api/analysis/partners?home=南宁",
             "/api/analysis/chains", "/api/regions?limit=50", "/api/enterprises?limit=50",
             "/api/projects?limit=50", "/api/indicators?region=广西&limit=50"]
    if park:
        paths.append(f"/api/parks/{park[0]['id']}")
    if doc:
        paths.append(f"/api/documents/{doc[0]['id']}")
    return paths


class Connection:
    """One keep-alive HTTP/1.1 connection to the server (GET only), with almost no client
    cost: the load generator must not be what is measured on a 2-core machine."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        for attempt in (1, 2):  # a keep-alive connection the server closed is reopened once
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host,
                                                                             self.port)
                self.writer.write(f"GET {quote(path, safe='/?=&')} HTTP/1.1\r\n"
                                  f"Host: 127.0.0.1\r\n\r\n".encode())
                return await self._response()
            except (OSError, asyncio.IncompleteReadError, ValueError):
                await self.close()
                if attempt == 2:
                    return 0
        return 0

    async def _response(self) -> int:
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)}
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def run(base: str, paths: list[str], *, rate: float, seconds: float,
              connections: int) -> tuple[list[Sample], float, list[float], int]:
    """Send ``rate * seconds`` requests on schedule, request i on connection i mod
    ``connections`` (each connection sends its requests in order, each when it is due or, if
    the connection is still busy, as soon as it is free: the lateness is reported); returns
    the samples, the elapsed time, the health probe's latencies (ms) and its failures."""
    url = urlparse(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    total = int(rate * seconds)
    start = time.perf_counter() + 0.5
    samples: list[Sample] = []
    health: list[float] = []
    health_failures = 0
    done = asyncio.Event()

    async def connection(k: int) -> None:
        conn = Connection(host, port)
        for i in range(k, total, connections):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent = time.perf_counter()
            status = await conn.get(paths[i % len(paths)])
            samples.append(Sample(paths[i % len(paths)], status,
                                  1000 * (time.perf_counter() - sent), 1000 * (sent - due)))
        await conn.close()

    async def probe() -> None:
        nonlocal health_failures
        conn = Connection(host, port)
        while not done.is_set():
            t0 = time.perf_counter()
            ok = await asyncio.wait_for(conn.get("/api/health"), 30) == 200
            health.append(1000 * (time.perf_counter() - t0))
            health_failures += not ok
            await asyncio.sleep(0.1)
        await conn.close()

    prober = asyncio.create_task(probe())
    await asyncio.gather(*(connection(k) for k in range(min(connections, total))))
    elapsed = time.perf_counter() - start
    done.set()
    await prober
    return samples, elapsed, health, health_failures


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def summarize(samples: list[Sample], elapsed: float, rate: float, health: list[float],
              health_failures: int) -> dict[str, object]:
    ms = [s.ms for s in samples]
    per: dict[str, dict[str, float]] = {}
    for path in dict.fromkeys(s.endpoint for s in samples):
        xs = [s.ms for s in samples if s.endpoint == path]
        per[path] = {"n": len(xs), "p50_ms": round(percentile(xs, 50), 1),
                     "p99_ms": round(percentile(xs, 99), 1)}
    statuses: dict[str, int] = {}
    for s in samples:
        statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
    errors = sum(1 for s in samples if s.status != 200)
    p99 = percentile(ms, 99)
    return {"requests": len(samples), "errors": errors, "statuses": statuses,
            "target_rate": rate, "throughput_rps": round(len(samples) / elapsed, 1),
            "p50_ms": round(percentile(ms, 50), 1), "p99_ms": round(p99, 1),
            "max_ms": round(max(ms), 1),
            "max_send_lag_ms": round(max(s.late_ms for s in samples), 1),
            "health_probes": len(health), "health_failures": health_failures,
            "health_max_ms": round(max(health), 1) if health else None,
            "target_p99_ms": TARGET_P99_MS,
            "meets_target": p99 < TARGET_P99_MS and not errors and not health_failures,
            "endpoints": per}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="duration")
    parser.add_argument("--connections", type=int, default=128, help="client connections")
    parser.add_argument("--cache-seconds", type=float, default=None,
                        help="server response cache TTL (default: the app's; 0 = off)")
    parser.add_argument("--db", default=None, help="use this KB instead of building one")
    parser.add_argument("--seeds", type=Path, default=SEEDS,
                        help="documents to ingest into the built KB (default: the five seeds)")
    parser.add_argument("--floor", action="store_true",
                        help="also run the same load against a bare FastAPI app (the floor)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    if args.rate * args.seconds > 100_000 or args.connections > 1024:
        parser.error("at most 100000 requests and 1024 connections per run")
    with tempfile.TemporaryDirectory(prefix="gxatlas-bench-") as tmp:
        if args.db:
            db_url, ingested = args.db, None
        else:
            db_url, ingested = build_kb(Path(tmp), seeds=args.seeds)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(db_url, port, args.cache_seconds)
        try:
            wait_ready(base, proc)
            paths = endpoints(base)
            asyncio.run(run(base, paths, rate=20, seconds=len(paths) / 20 * 2,
                            connections=4))  # warm-up: every endpoint answered twice
            samples, elapsed, health, failures = asyncio.run(run(
                base, paths, rate=args.rate, seconds=args.seconds,
                connections=args.connections))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    summary = summarize(samples, elapsed, args.rate, health, failures)
    if args.floor:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_floor(port)
        try:
            wait_ready(base, proc)
            floor = summarize(*asyncio.run(run(base, paths, rate=args.rate,
                                               seconds=args.seconds,
                                               connections=args.connections))[:2],
                              args.rate, [0.0], 0)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        summary["floor"] = {k: floor[k] for k in ("throughput_rps", "p50_ms", "p99_ms",
                                                   "max_ms", "errors")}
    summary["seed_documents_ingested"] = ingested
    summary["cache_seconds"] = args.cache_seconds
    summary["connections"] = args.connections
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(f"{summary['requests']} requests in {elapsed:.1f}s over {args.connections} "
              f"connections: {summary['throughput_rps']} req/s (target {args.rate}), "
              f"p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms, "
              f"max {summary['max_ms']} ms, errors {summary['errors']} {summary['statuses']}; "
              f"health: {summary['health_probes']} probes, {failures} failed, "
              f"max {summary['health_max_ms']} ms; seeds ingested: {ingested}")
        if "floor" in summary:
            f = summary["floor"]
            print(f"floor (bare FastAPI, same client, same run): {f['throughput_rps']} req/s, "
                  f"p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, errors {f['errors']}")
        for path, row in summary["endpoints"].items():  # type: ignore[union-attr]
            print(f"  {row['p50_ms']:7.1f} {row['p99_ms']:7.1f} ms  n={row['n']:<5} {path}")
        print("target p99 < 100 ms, no errors, health throughout: "
              + ("met" if summary["meets_target"] else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
