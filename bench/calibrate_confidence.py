"""Fit the confidence of extracted facts (gxatlas/data/lexicon/confidence.yaml).

Every fact carries the reasons that produced it (``Fact.reasons``). This script extracts the
seeds and the real set's tuning part (never its hold-out, bench/real_split.py), labels each
predicted record 1 when it matches a gold record exactly (name, and every value the gold
gives, as ../shared/eval/score.py judges) and 0 otherwise, and fits a logistic regression of
the label on the fact type and the reasons (L2-regularised, so that a reason seen a few times
stays near 0). The prior per type and the weight per reason are written to confidence.yaml;
``gxatlas.extract.confidence`` turns them into ``sigmoid(prior + Σ weights)``.

It prints the calibration (predicted confidence against the share right, per tenth) on the
facts it was fitted on, and with --folds K the same figure out of sample (each fold scored by
weights fitted on the others).

    .venv/bin/python bench/calibrate_confidence.py [--write] [--folds 5] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from generalization import load_scorer  # noqa: E402
from real_split import HELDOUT  # noqa: E402

OUT = ROOT / "gxatlas" / "data" / "lexicon" / "confidence.yaml"
TYPES = ("indicator", "park", "enterprise", "project", "policy", "industry_focus")
MIN_SEEN = 5  # a reason seen fewer times gets no weight of its own
FOCUS_PRIOR = 1.5  # focus statements (`重点发展A、B产业`): no gold to fit on; about 0.8


def default_shared() -> Path:
    return Path(os.environ.get("GXATLAS_SHARED") or ROOT.parent / "shared")


def labelled(scorer: Any, shared: Path) -> list[tuple[str, tuple[str, ...], int]]:
    """(type, reasons, right?) for every fact extracted from the seeds and the tuning part."""
    import json

    from gxatlas.extract import extract
    from gxatlas.ingest import read

    seeds = sorted((shared / "corpus" / "seeds").glob("*.txt"))
    real = [p for p in sorted((shared / "corpus" / "real").glob("*.txt")) if p.stem not in HELDOUT]
    gold: list[dict[str, Any]] = []
    for g in sorted((shared / "eval" / "gold").glob("*.jsonl")):
        gold += [json.loads(x) for x in g.read_text(encoding="utf-8").splitlines() if x.strip()]
    gold += [r for x in (shared / "eval" / "real_gold.jsonl").read_text(encoding="utf-8").splitlines()
             if x.strip() and (r := json.loads(x))["doc"] not in HELDOUT]
    by_doc: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for g in gold:
        by_doc[(g["doc"], g["type"])].append(g)
    out = []
    for path in seeds + real:
        for fact in extract(read(path)):
            rec = fact.to_record()
            right = 0
            if rec["type"] in scorer.VALUES:
                names = scorer.names_of(rec)
                for g in by_doc.get((rec["doc"], rec["type"]), []):
                    gn = scorer.names_of(g)
                    if (scorer.names_match(gn, names) or (rec["type"] == "indicator" and scorer.names_close(gn, names))) \
                            and scorer.record_ok(g, rec):
                        right = 1
                        break
            elif rec["type"] == "industry_focus":
                continue  # no gold for focus statements
            out.append((rec["type"], tuple(fact.reasons), right))
    return out


def features(data: list[tuple[str, tuple[str, ...], int]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    seen = Counter(r for _, rs, _ in data for r in rs)
    names = [f"type:{t}" for t in TYPES] + sorted(r for r, n in seen.items() if n >= MIN_SEEN)
    index = {n: i for i, n in enumerate(names)}
    x = np.zeros((len(data), len(names)))
    y = np.zeros(len(data))
    for k, (t, rs, right) in enumerate(data):
        x[k, index[f"type:{t}"]] = 1
        for r in rs:
            if r in index:
                x[k, index[r]] = 1
        y[k] = right
    return names, x, y


def fit(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0) -> np.ndarray:
    """Logistic regression by Newton's method with an L2 penalty (types unpenalised)."""
    from scipy.optimize import minimize

    penal = np.ones(x.shape[1])
    penal[: len(TYPES)] = 0.01

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w
        p = 1 / (1 + np.exp(-z))
        eps = 1e-12
        val = -np.sum(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + 0.5 * l2 * np.sum(penal * w * w)
        grad = x.T @ (p - y) + l2 * penal * w
        return float(val), grad

    res = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B")
    return res.x


def calibration(p: np.ndarray, y: np.ndarray) -> str:
    rows = []
    for lo in np.arange(0, 1, 0.1):
        m = (p >= lo) & (p < lo + 0.1 if lo < 0.9 else p <= 1.0)
        if m.sum():
            rows.append(f"  {lo:.1f}-{lo + 0.1:.1f}: {int(m.sum()):4d} facts, predicted {p[m].mean():.2f}, right {y[m].mean():.2f}")
    return "\n".join(rows)


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def render(names: list[str], w: np.ndarray, n: int, right: int) -> str:
    lines = ["# Log-odds of \"the fact is exactly right\" (see gxatlas/extract/confidence.py), fitted by",
             "# bench/calibrate_confidence.py on the seeds and the real set's tuning part",
             f"# ({n} facts, {right} exactly right); rerun it after changing what reasons components give.",
             "confidence_prior:"]
    for t, v in zip(names, w):
        if t.startswith("type:") and t != "type:industry_focus":
            lines.append(f"  {t[5:]}: {v:.3f}")
    # no gold holds focus statements: their prior is set by hand, not fitted
    lines.append(f"  industry_focus: {FOCUS_PRIOR:.3f}  # set by hand (no gold to fit it on)")
    lines.append("confidence_weights:")
    for t, v in zip(names, w):
        if not t.startswith("type:"):
            lines.append(f"  \"{t}\": {v:.3f}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=default_shared())
    ap.add_argument("--write", action="store_true", help=f"write the weights to {OUT.relative_to(ROOT)}")
    ap.add_argument("--folds", type=int, default=5)
    a = ap.parse_args(argv)
    scorer = load_scorer(a.shared)
    if scorer is None:
        print(f"calibrate: scorer not found under {a.shared}", file=sys.stderr)
        return 2
    data = labelled(scorer, a.shared)
    names, x, y = features(data)
    w = fit(x, y)
    p = 1 / (1 + np.exp(-(x @ w)))
    print(f"{len(data)} facts, {int(y.sum())} exactly right ({y.mean():.2f}); {len(names) - len(TYPES)} reasons weighted")
    print(f"in sample: Brier {brier(p, y):.3f} (a constant {y.mean():.2f} gives {brier(np.full_like(y, y.mean()), y):.3f})")
    print(calibration(p, y))
    if a.folds > 1:
        rng = np.random.default_rng(0)
        fold = rng.integers(0, a.folds, size=len(y))
        q = np.zeros_like(y)
        for k in range(a.folds):
            wk = fit(x[fold != k], y[fold != k])
            q[fold == k] = 1 / (1 + np.exp(-(x[fold == k] @ wk)))
        print(f"out of sample ({a.folds} folds): Brier {brier(q, y):.3f}")
        print(calibration(q, y))
    if a.write:
        OUT.write_text(render(names, w, len(data), int(y.sum())), encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
