"""Precision and recall of the chain-link classifier on a hand-labelled sample.

    .venv/bin/python bench/classify_eval.py [--split all|dev|test] [--errors] [--json]

The sample (bench/data/labelled_enterprises.csv, 340 enterprises) was written and labelled by
hand: each row imitates a registry record (fictitious name; business scope in the registry's
standard item wording or the older free wording), and its labels are the chain links the firm
actually works in, decided from what it does before the classifier was run. Firms that only
trade, install, rent, serve food, consult etc. have no label (hard negatives, many of them
sharing words with a chain: 电池销售, 铝合金门窗安装, 隔膜泵, 钢琴, 螺蛳粉店 …). Labels were not
edited to match the classifier's output. Rows are split dev/test: dev errors may be looked at
when the vocabulary is revised; test rows are only scored.

Scores are micro-averaged over (enterprise, link) pairs and over (enterprise, chain) pairs;
"on-chain" is whether an enterprise gets any link at all.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

from gxatlas.analysis.classify import classify
from gxatlas.data.chains import load_chains

SAMPLE = Path(__file__).parent / "data" / "labelled_enterprises.csv"
HOW = ("标注方法: 340 条虚构名称、按工商登记写法手写经营范围的企业; 按企业实际从事的业务人工标注所在环节"
       "(可多个), 只做贸易/安装/租赁门店/餐饮/咨询等的企业不标; 标注先于运行分类器, 不按输出修改。")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    rows = list(csv.DictReader(lines))
    known = {f"{c.id}/{lk.id}" for c in load_chains() for lk in c.links}
    for r in rows:
        for lab in filter(None, (r["labels"] or "").split("|")):
            if lab not in known:
                sys.exit(f"{path}: id {r['id']}: unknown label {lab!r}")
    return rows


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3),
            "tp": tp, "fp": fp, "fn": fn}


def evaluate(rows: list[dict[str, str]]) -> tuple[dict, list[str]]:
    link_c, chain_c, any_c = Counter(), Counter(), Counter()
    per_chain: dict[str, Counter] = {}
    errors: list[str] = []
    for r in rows:
        gold = set(filter(None, (r["labels"] or "").split("|")))
        hits = classify(r["name"], r["scope"])
        pred = {f"{h.chain}/{h.link}" for h in hits}
        for kind, g, p in (("link", gold, pred),
                           ("chain", {x.split("/")[0] for x in gold},
                            {x.split("/")[0] for x in pred})):
            c = link_c if kind == "link" else chain_c
            c["tp"] += len(g & p)
            c["fp"] += len(p - g)
            c["fn"] += len(g - p)
        for lab in gold | pred:
            ch = per_chain.setdefault(lab.split("/")[0], Counter())
            ch["tp" if lab in gold and lab in pred else "fp" if lab in pred else "fn"] += 1
        any_c["tp"] += bool(gold) and bool(pred)
        any_c["fp"] += (not gold) and bool(pred)
        any_c["fn"] += bool(gold) and not pred
        if gold != pred:
            ev = "; ".join(f"{h.chain}/{h.link}({h.score}:{','.join(h.evidence)})" for h in hits)
            errors.append(f"[{r['split']} {r['id']}] {r['name']}\n    标注: {sorted(gold)}\n"
                          f"    缺: {sorted(gold - pred)}  多: {sorted(pred - gold)}\n"
                          f"    输出: {ev}")
    result = {
        "enterprises": len(rows),
        "labelled_links": sum(len(list(filter(None, r["labels"].split("|")))) for r in rows),
        "negatives": sum(1 for r in rows if not r["labels"]),
        "link": _prf(link_c["tp"], link_c["fp"], link_c["fn"]),
        "chain": _prf(chain_c["tp"], chain_c["fp"], chain_c["fn"]),
        "on_chain": _prf(any_c["tp"], any_c["fp"], any_c["fn"]),
        "per_chain_link": {k: _prf(v["tp"], v["fp"], v["fn"])
                           for k, v in sorted(per_chain.items())},
    }
    return result, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("all", "dev", "test"), default="all")
    ap.add_argument("--errors", action="store_true", help="list misclassified rows")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = _read(SAMPLE)
    report = {}
    for split in (("dev", "test", "all") if args.split == "all" else (args.split,)):
        sel = [r for r in rows if split == "all" or r["split"] == split]
        report[split], errors = evaluate(sel)
    if args.json:
        print(json.dumps({"how_labelled": HOW, **report}, ensure_ascii=False, indent=2))
    else:
        print(HOW)
        for split, res in report.items():
            print(f"\n== {split}: {res['enterprises']} 家企业, {res['labelled_links']} 个标注环节, "
                  f"{res['negatives']} 家无环节")
            for k in ("link", "chain", "on_chain"):
                m = res[k]
                print(f"  {k:9s} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} "
                      f"(tp={m['tp']} fp={m['fp']} fn={m['fn']})")
        last = report[list(report)[-1]]
        print("\n  按产业链（环节级）:")
        for ch, m in last["per_chain_link"].items():
            print(f"    {ch:20s} P={m['precision']:.2f} R={m['recall']:.2f} "
                  f"(tp={m['tp']} fp={m['fp']} fn={m['fn']})")
    if args.errors:
        print("\n".join(["", "错误:"] + errors))


if __name__ == "__main__":
    main()
