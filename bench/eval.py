"""Extraction accuracy on the seed documents (`make eval`).

Runs `gxatlas extract` over ../shared/corpus/seeds/ into out/pred.jsonl, scores it with
../shared/eval/score.py against the concatenated gold (../shared/eval/gold/*.jsonl), prints
per-type and overall detection and exact P/R/F1 and exits 1 when the overall exact F1 is below
--min-f1 (2 when the seeds or the scorer are missing).

    .venv/bin/python bench/eval.py [--min-f1 0.80] [--misses] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "out")
    ap.add_argument("--min-f1", type=float, default=0.0)
    ap.add_argument("--misses", action="store_true", help="list the gold records missed or wrong")
    a = ap.parse_args(argv)
    seeds = a.shared / "corpus" / "seeds"
    scorer = a.shared / "eval" / "score.py"
    golds = sorted((a.shared / "eval" / "gold").glob("*.jsonl"))
    if not seeds.is_dir() or not scorer.is_file() or not golds:
        print(f"eval: seeds, scorer or gold missing under {a.shared}", file=sys.stderr)
        return 2
    a.out.mkdir(parents=True, exist_ok=True)
    pred = a.out / "pred.jsonl"
    gold = a.out / "gold.jsonl"
    gold.write_text("".join(g.read_text(encoding="utf-8").rstrip("\n") + "\n" for g in golds),
                    encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "gxatlas.cli", "extract", str(seeds), "--out", str(pred)],
                         cwd=ROOT, check=False)
    if run.returncode != 0:
        print("eval: gxatlas extract failed on some seed", file=sys.stderr)
    base = [sys.executable, str(scorer), "--gold", str(gold), "--pred", str(pred)]
    table = subprocess.run(base + (["--misses"] if a.misses else []), capture_output=True, text=True,
                           check=True)
    print(table.stdout, end="")
    summary = json.loads(subprocess.run(base + ["--json"], capture_output=True, text=True,
                                        check=True).stdout)
    f1 = summary["overall"]["exact_prf"][2]
    print(f"overall exact F1 {f1:.4f} (minimum {a.min_f1:.2f})")
    if f1 < a.min_f1:
        return 1
    return 1 if run.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
