"""Extraction throughput on one core: KB of text per second, and peak memory.

Reads and extracts the seed documents (../shared/corpus/seeds/) over and over, each copy
with a different trailing line so that no cache sees the same text twice, until at least
--min-mb MB of UTF-8 text went through; prints KB/s and the peak resident memory.

    .venv/bin/python bench/extract_speed.py [--min-mb 5] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--min-mb", type=float, default=5.0)
    a = ap.parse_args(argv)
    seeds = sorted((a.shared / "corpus" / "seeds").glob("*.txt"))
    if not seeds:
        print(f"speed: no seeds under {a.shared}", file=sys.stderr)
        return 2
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    from gxatlas.extract import extract
    from gxatlas.ingest import read

    texts = [p.read_text(encoding="utf-8") for p in seeds]
    # warm up (jieba dictionary, regions, OpenCC) outside the timing
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.txt"
        warm.write_text(texts[0], encoding="utf-8")
        extract(read(warm))
        total = 0
        facts = 0
        elapsed = 0.0
        copy = 0
        while total < a.min_mb * 1024 * 1024:
            for i, text in enumerate(texts):
                copy += 1
                path = Path(tmp) / f"copy_{copy:05d}_{i}.txt"
                body = f"{text}\n\n(副本 {copy})\n"
                path.write_text(body, encoding="utf-8")
                t0 = time.perf_counter()
                facts += len(extract(read(path)))
                elapsed += time.perf_counter() - t0
                total += len(body.encode("utf-8"))
                path.unlink()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"text {total / 1024 / 1024:.1f} MB in {elapsed:.1f} s on one core: "
          f"{total / 1024 / elapsed:.0f} KB/s, {facts} facts, peak memory {peak_kb / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
