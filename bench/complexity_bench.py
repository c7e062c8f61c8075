"""Benchmark: gxatlas `measures()` against the Growth Lab's `ecomplexity()` in one process.

    .venv/bin/python bench/complexity_bench.py [--sizes 300x1000,1000x1000] [--repeat 3]
                                               [--threads 1]

For each size it builds one random capability-shaped long table, times both (best of
``--repeat`` runs; ecomplexity with its default log-supermodularity check and without it),
measures peak traced memory (tracemalloc, separate runs) and checks that ECI agrees.
Target: measures() at least 5× faster than ecomplexity() on the same input.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from gxatlas.analysis.complexity import measures

COLS = {"time": "year", "loc": "region", "prod": "industry", "val": "value"}


def table(n_regions: int, n_industries: int, *, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    capability, complexity = rng.random(n_regions), rng.random(n_industries)
    values = (rng.lognormal(0, 1, n_regions)[:, None] * rng.lognormal(0, 1, n_industries)[None, :]
              * rng.lognormal(0, 0.5, (n_regions, n_industries))
              / (1 + np.exp(-8 * (capability[:, None] - complexity[None, :]))))
    values[rng.random(values.shape) < 0.3] = 0.0
    return pd.DataFrame({
        "year": 2023,
        "region": np.repeat([f"地区{i:04d}" for i in range(n_regions)], n_industries),
        "industry": np.tile([f"产业{j:04d}" for j in range(n_industries)], n_regions),
        "value": values.ravel(),
    })


def best_time(fn: Callable[[], object], *, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def peak_mib(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300x1000,1000x1000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS threads (threadpoolctl), e.g. 1 on a busy machine")
    args = parser.parse_args()
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=args.threads)
    from ecomplexity import ecomplexity

    def theirs(frame: pd.DataFrame, *, check: bool) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ecomplexity(frame, COLS, verbose=False, check_logsupermodularity=check)

    try:
        from threadpoolctl import threadpool_info
        blas = ", ".join(f"{i['internal_api']} {i.get('architecture', '')} ×{i['num_threads']}"
                         for i in threadpool_info())
    except ImportError:
        blas = "threadpoolctl 未安装"
    print(f"BLAS: {blas}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')}")
    print("size        measures  ecomplexity(default)  ratio  ecomplexity(no check)  ratio  "
          "peak MiB ours/theirs  max|ΔECI|")
    for size in args.sizes.split(","):
        n_r, n_p = (int(x) for x in size.lower().split("x"))
        frame = table(n_r, n_p)
        measures(table(20, 30))  # warm imports
        t_ours, ours = best_time(lambda: measures(frame), repeat=args.repeat)
        t_def, _ = best_time(lambda: theirs(frame, check=True), repeat=max(1, args.repeat - 1))
        t_nochk, out = best_time(lambda: theirs(frame, check=False), repeat=max(1, args.repeat - 1))
        m_ours = peak_mib(lambda: measures(frame))
        m_theirs = peak_mib(lambda: theirs(frame, check=False))
        eci_theirs = out.groupby("region")["eci"].first()
        eci_ours = ours.regions.set_index("region")["eci"]
        delta = float(np.nanmax(np.abs(eci_ours - eci_theirs.reindex(eci_ours.index))))
        print(f"{size:<11} {t_ours:7.3f}s  {t_def:19.3f}s  {t_def / t_ours:5.1f}×  "
              f"{t_nochk:20.3f}s  {t_nochk / t_ours:5.1f}×  {m_ours:9.1f}/{m_theirs:<9.1f}  "
              f"{delta:.1e}")


if __name__ == "__main__":
    main()
