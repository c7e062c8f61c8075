"""Extraction accuracy on the seeds and on the real set (`make eval`).

Reads and extracts every document of ../shared/corpus/seeds/ and ../shared/corpus/real/,
scores the records with ../shared/eval/score.py (imported, not copied) against the seeds' gold
(../shared/eval/gold/*.jsonl) and the real set's (../shared/eval/real_gold.jsonl), and prints
one table per set: the seeds, the real set whole, its tuning part and its hold-out
(bench/real_split.py). Exits 1 when the overall exact F1 is below --min-seeds on the seeds or
below --min-real on the real set, 2 when ../shared is missing.

`--misses` lists the gold records missed or wrong on the seeds and on the real set's tuning
part; the hold-out's misses are never listed (its documents are measured, not looked at).

    .venv/bin/python bench/eval.py [--min-seeds 0.85] [--min-real 0.65] [--misses] [--fp]
                                   [--shared ../shared]

The predictions are written to out/pred_seeds.jsonl and out/pred_real.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from generalization import load_scorer  # noqa: E402
from real_split import HELDOUT  # noqa: E402


def default_shared() -> Path:
    return Path(os.environ.get("GXATLAS_SHARED") or ROOT.parent / "shared")


def predict(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """The extractor's records (SCHEMA.md) for each document; a file that fails is reported."""
    from gxatlas.errors import GxatlasError
    from gxatlas.extract import extract
    from gxatlas.ingest import read

    out: list[dict[str, Any]] = []
    for p in paths:
        try:
            out += [f.to_record() for f in extract(read(p))]
        except GxatlasError as err:
            print(f"eval: {err}", file=sys.stderr)
    return out


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def table(title: str, res: dict[str, Any]) -> str:
    lines = [f"## {title}", f"{'type':<11}{'gold':>6}{'pred':>6}   detect P/R/F1        exact P/R/F1"]
    for t, r in res.items():
        d, e = r["detect_prf"], r["exact_prf"]
        lines.append(f"{t:<11}{r['gold']:>6}{r['pred']:>6}   {d[0]:.2f}/{d[1]:.2f}/{d[2]:.2f}     "
                     f"{e[0]:.2f}/{e[1]:.2f}/{e[2]:.2f}")
    return "\n".join(lines)


def false_positives(scorer: ModuleType, gold: list[dict[str, Any]], pred: list[dict[str, Any]]
                    ) -> list[dict[str, Any]]:
    """Predicted records that match no gold record of their document and type by name."""
    out = []
    for rec in pred:
        if rec["type"] not in scorer.VALUES:
            continue
        names = scorer.names_of(rec)
        same = [g for g in gold if g["type"] == rec["type"] and g["doc"] == rec["doc"]]
        if not any(scorer.names_match(scorer.names_of(g), names)
                   or (rec["type"] == "indicator" and scorer.names_close(scorer.names_of(g), names))
                   for g in same):
            out.append({"doc": rec["doc"], "type": rec["type"], "name": scorer.key_of(rec),
                        **{k: rec.get(k) for k in scorer.VALUES[rec["type"]] if rec.get(k) is not None}})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=default_shared())
    ap.add_argument("--out", type=Path, default=ROOT / "out")
    ap.add_argument("--min-seeds", type=float, default=0.0)
    ap.add_argument("--min-real", type=float, default=0.0)
    ap.add_argument("--misses", action="store_true",
                    help="list gold records missed or wrong (seeds and the real tuning part only)")
    ap.add_argument("--fp", action="store_true",
                    help="list predictions matching no gold name (seeds and the real tuning part only)")
    ap.add_argument("--only", choices=("seeds", "real"), help="score one set only")
    ap.add_argument("--no-heldout", action="store_true",
                    help="while developing: do not print the hold-out's score (nor the whole "
                         "real set's, which contains it); the minimum is then not checked")
    a = ap.parse_args(argv)
    scorer = load_scorer(a.shared)
    seeds = sorted((a.shared / "corpus" / "seeds").glob("*.txt"))
    real = sorted((a.shared / "corpus" / "real").glob("*.txt"))
    seed_gold = sorted((a.shared / "eval" / "gold").glob("*.jsonl"))
    real_gold = a.shared / "eval" / "real_gold.jsonl"
    if scorer is None or not seeds or not seed_gold or not real or not real_gold.is_file():
        print(f"eval: seeds, real set, gold or scorer missing under {a.shared}", file=sys.stderr)
        return 2
    a.out.mkdir(parents=True, exist_ok=True)
    failed = False
    if a.only != "real":
        gold = [r for g in seed_gold for r in read_jsonl(g)]
        pred = predict(seeds)
        (a.out / "pred_seeds.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in pred), encoding="utf-8")
        res, misses = scorer.score(gold, pred)
        print(table(f"seeds ({len(seeds)} documents)", res))
        if a.misses:
            print("\n".join(json.dumps(m, ensure_ascii=False) for m in misses))
        if a.fp:
            print("\n".join("FP " + json.dumps(m, ensure_ascii=False) for m in false_positives(scorer, gold, pred)))
        f1 = res["overall"]["exact_prf"][2]
        print(f"seeds: overall exact F1 {f1:.4f} (minimum {a.min_seeds:.2f})\n")
        failed |= f1 < a.min_seeds
    if a.only != "seeds":
        gold = read_jsonl(real_gold)
        pred = predict(real)
        (a.out / "pred_real.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in pred), encoding="utf-8")
        res, _ = scorer.score(gold, pred)
        if not a.no_heldout:
            print(table(f"real ({len(real)} documents)", res))
        f1 = res["overall"]["exact_prf"][2]
        tune = [d.stem for d in real if d.stem not in HELDOUT]
        parts = [(f"real, tuning part ({len(tune)})", set(tune))]
        if not a.no_heldout:
            parts.append((f"real, hold-out untouched ({' '.join(HELDOUT)})", set(HELDOUT)))
        for title, docs in parts:
            part, part_misses = scorer.score([g for g in gold if g["doc"] in docs],
                                             [p for p in pred if p["doc"] in docs])
            print(table(title, part))
            if a.misses and not docs & set(HELDOUT):
                print("\n".join(json.dumps(m, ensure_ascii=False) for m in part_misses))
            if a.fp and not docs & set(HELDOUT):
                print("\n".join("FP " + json.dumps(m, ensure_ascii=False) for m in false_positives(
                    scorer, [g for g in gold if g["doc"] in docs], [p for p in pred if p["doc"] in docs])))
        if not a.no_heldout:
            print(f"real: overall exact F1 {f1:.4f} (minimum {a.min_real:.2f})")
            failed |= f1 < a.min_real
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
