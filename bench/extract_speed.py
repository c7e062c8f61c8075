"""Extraction time against plain jieba segmentation of the same text, and peak memory.

The seed documents and the real set (../shared/corpus/) are read once; then, copy after copy
(each with a different trailing line, so that no cache sees a text twice) until at least
--min-mb MB of text went through, each document's normalized text is segmented by jieba
(``gxatlas.segment.tokenizer().lcut``, the project's dictionary) and then extracted
(``gxatlas.extract.extract``), alternately, on one core. Prints both totals, their ratio
(extraction / segmentation; the issue-10 budget is 3) and the peak resident memory, and
exits 1 when the ratio is above --max-ratio.

    .venv/bin/python bench/extract_speed.py [--min-mb 2] [--max-ratio 3] [--shared ../shared]

The ratio holds when the machine's speed drifts (both run in turn on the same text); the
absolute KB/s do not on a shared machine.

``--stress`` also times extraction on hostile one-line texts (a run of 20,000 digits, a
number of 400 digits, --stress-mb MB of one line of dense figures) to show that the pipeline
stays linear and never overflows.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def default_shared() -> Path:
    return Path(os.environ.get("GXATLAS_SHARED") or ROOT.parent / "shared")


def _doc(text: str, name: str):
    from gxatlas.ingest.document import Document

    return Document(name=name, path=name, sha256="", format="txt", encoding="utf-8",
                    variant="simplified", title="", original=text, text=text,
                    offsets=tuple(range(len(text) + 1)))


def stress(mb: float) -> None:
    from gxatlas.extract import extract

    unit = "南宁市工业总产值达到1200亿元,同比增长8.5%,规上企业新增35家"
    cases = [("20,000 digits", "1" * 20_000), ("a number of 400 digits", "产值" + "9" * 400 + "亿元。"),
             (f"{mb:g} MB on one line", unit * int(mb * 1024 * 1024 / len(unit.encode("utf-8"))))]
    for label, text in cases:
        t0 = time.perf_counter()
        n = len(extract(_doc(text, "stress")))
        dt = time.perf_counter() - t0
        print(f"stress: {label} ({len(text):,} characters): {dt:.2f} s, {n} facts, "
              f"{len(text.encode('utf-8')) / 1024 / max(dt, 1e-9):.0f} KB/s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=default_shared())
    ap.add_argument("--min-mb", type=float, default=2.0)
    ap.add_argument("--max-ratio", type=float, default=3.0)
    ap.add_argument("--stress", action="store_true")
    ap.add_argument("--stress-mb", type=float, default=2.0)
    a = ap.parse_args(argv)
    paths = sorted((a.shared / "corpus" / "seeds").glob("*.txt")) + sorted((a.shared / "corpus" / "real").glob("*.txt"))
    if not paths:
        print(f"speed: no documents under {a.shared}/corpus", file=sys.stderr)
        return 2
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    from gxatlas.extract import extract
    from gxatlas.ingest import read
    from gxatlas.segment import tokenizer

    docs = [read(p) for p in paths]
    tok = tokenizer()
    extract(docs[0])  # warm up: jieba dictionary, gazetteer, lexicon, compiled patterns
    tok.lcut(docs[0].text)
    seg_s = ext_s = 0.0
    total = facts = copies = 0
    while total < a.min_mb * 1024 * 1024:
        copies += 1
        for d in docs:
            text = f"{d.text}\n\n(副本 {copies})\n"
            doc = _doc(text, d.name)
            t0 = time.perf_counter()
            tok.lcut(text)
            t1 = time.perf_counter()
            facts += len(extract(doc))
            t2 = time.perf_counter()
            seg_s += t1 - t0
            ext_s += t2 - t1
            total += len(text.encode("utf-8"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = ext_s / seg_s
    print(f"{total / 1024 / 1024:.1f} MB of text ({len(docs)} documents x {copies} copies), one core")
    print(f"jieba segmentation: {seg_s:.1f} s ({total / 1024 / seg_s:.0f} KB/s)")
    print(f"extraction:         {ext_s:.1f} s ({total / 1024 / ext_s:.0f} KB/s), {facts} facts")
    print(f"ratio extraction / segmentation: {ratio:.2f} (budget {a.max_ratio:g}); "
          f"peak memory {peak:.0f} MB")
    if a.stress:
        stress(a.stress_mb)
        print(f"peak memory after the stress texts {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 1 if ratio > a.max_ratio else 0


if __name__ == "__main__":
    sys.exit(main())
