"""Corrections teach the reader: F1 on documents before and after a person confirmed the facts
of *other* documents.

The 25 documents with gold (../shared/corpus/seeds/ and ../shared/corpus/real/, gold in
../shared/eval/) are dealt into K folds (sorted by name, round-robin). For each fold:

1. a fresh KB holds the regions and industries only (not the bundled atlas, which was made
   from the seeds: the reader must learn the names, not be given them);
2. *before*: the fold's documents are extracted with the KB's names as gazetteer (none) —
   their records are kept;
3. the other documents are ingested (`gxatlas ingest`) and their stored facts reviewed as a
   person with the gold in hand would (`gxatlas.kb.corrections`): a fact that is a gold record
   of its document is accepted, or edited to the gold's name when the name is off; a fact that
   is no gold record is rejected;
4. *after*: the fold's documents are extracted again with the KB's trusted names as gazetteer.

The before and after records of all folds are scored together by ../shared/eval/score.py
against the gold; per type and overall, detection and exact P/R/F1. Only the names the
gazetteer carries change the reader (parks, enterprises and projects). Apart, the *learnable*
part: the gold parks, firms and projects of each fold whose name a person confirmed in another
fold, and the share of them found before and after (what "a confirmed 冠捷科技 is found in
every later document" promises).

    .venv/bin/python bench/review_learning.py [--folds 5] [--shared ../shared] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from eval import read_jsonl, table  # noqa: E402
from generalization import load_scorer  # noqa: E402

LEARNED = ("park", "enterprise", "project")  # the types whose names the gazetteer carries


def _gold(shared: Path) -> list[dict[str, Any]]:
    out = [r for g in sorted((shared / "eval" / "gold").glob("*.jsonl")) for r in read_jsonl(g)]
    return out + read_jsonl(shared / "eval" / "real_gold.jsonl")


def _open_empty_kb(path: Path):
    """A KB with regions and industries, no atlas."""
    from gxatlas.data import load_industries, load_regions
    from gxatlas.kb.load import LoadReport, load_industries_into, load_regions_into
    from gxatlas.kb.search import rebuild_index
    from gxatlas.kb.store import open_kb

    kb = open_kb(f"sqlite:///{path}", create=True)
    with kb.session() as s:
        report = LoadReport()
        load_regions_into(s, load_regions(), report)
        load_industries_into(s, load_industries(), report)
        rebuild_index(s)
    return kb


def _records(docs, gazetteer) -> list[dict[str, Any]]:
    from gxatlas.extract import extract

    return [f.to_record() for d in docs for f in extract(d, gazetteer=gazetteer)]


def _review_as_gold(kb, scorer, gold: list[dict[str, Any]]) -> dict[str, int]:
    """Accept the stored facts that are gold records (editing the name to the gold's when it is
    off), reject the others; returns how many of each."""
    from sqlalchemy import select

    from gxatlas.errors import GxatlasError
    from gxatlas.kb import corrections
    from gxatlas.kb.models import StoredFact

    done = {"accept": 0, "edit": 0, "reject": 0}
    with kb.session() as s:
        rows = list(s.scalars(select(StoredFact).order_by(StoredFact.id)))
        for row in rows:
            if row.type not in scorer.VALUES:
                continue
            rec = {"doc": row.document.key, "type": row.type, "name": row.name,
                   "aliases": row.aliases, **(row.values or {})}
            if row.type == "policy":
                rec.setdefault("title", row.name)
            names = scorer.names_of(rec)
            match = next((g for g in gold if g["doc"] == rec["doc"] and g["type"] == row.type
                          and (scorer.names_match(scorer.names_of(g), names)
                               or (row.type == "indicator" and scorer.names_close(
                                   scorer.names_of(g), names) and scorer.record_ok(g, rec)))),
                         None)
            if match is None:
                corrections.reject(s, row.id, reviewer="bench")
                done["reject"] += 1
            elif row.type != "policy" and scorer.key_of(match) != scorer.key_of(rec):
                try:
                    with s.begin_nested():
                        corrections.edit(s, row.id, reviewer="bench", name=match["name"])
                    done["edit"] += 1
                except GxatlasError:  # the gold name is another entity's: a merge, not an edit
                    corrections.accept(s, row.id, reviewer="bench")
                    done["accept"] += 1
            else:
                corrections.accept(s, row.id, reviewer="bench")
                done["accept"] += 1
    return done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path,
                    default=Path(os.environ.get("GXATLAS_SHARED") or ROOT.parent / "shared"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    scorer = load_scorer(a.shared)
    paths = sorted((a.shared / "corpus" / "seeds").glob("*.txt")) + \
        sorted((a.shared / "corpus" / "real").glob("*.txt"))
    if scorer is None or not paths:
        print(f"review_learning: corpus or scorer missing under {a.shared}", file=sys.stderr)
        return 2
    from gxatlas.ingest import read
    from gxatlas.kb.documents import store_document
    from gxatlas.kb.names import known_names

    gold = _gold(a.shared)
    docs = [read(p) for p in paths]
    folds = [docs[i::a.folds] for i in range(a.folds)]
    before: list[dict[str, Any]] = []
    after: list[dict[str, Any]] = []
    reviewed = {"accept": 0, "edit": 0, "reject": 0}
    names_taught = 0
    learnable: list[dict[str, Any]] = []
    for i, held in enumerate(folds):
        with tempfile.TemporaryDirectory() as tmp:
            kb = _open_empty_kb(Path(tmp) / "kb.sqlite")
            with kb.session() as s:
                gaz = known_names(s)
            before += _records(held, gaz)
            others = [d for j, f in enumerate(folds) if j != i for d in f]
            for d in others:
                with kb.session() as s:
                    store_document(s, d, _facts(d, gaz))
            for k, n in _review_as_gold(kb, scorer, gold).items():
                reviewed[k] += n
            with kb.session() as s:
                gaz = known_names(s)
            taught = {scorer.norm(n) for n in (*gaz.known_enterprises, *gaz.known_parks,
                                               *gaz.known_projects)}
            names_taught += len(taught)
            keys = {d.name for d in held}
            learnable += [g for g in gold if g["doc"] in keys and g["type"] in LEARNED
                          and scorer.names_of(g) & taught]
            after += _records(held, gaz)
            kb.dispose()
    res_before, _ = scorer.score(gold, before)
    res_after, _ = scorer.score(gold, after)
    learned = {when: scorer.score(learnable, [r for r in recs if r["type"] in LEARNED])[0]
               ["overall"]["detect_prf"][1] for when, recs in (("before", before), ("after", after))}
    out = {"folds": a.folds, "documents": len(docs), "reviewed": reviewed,
           "names_taught_per_fold": round(names_taught / a.folds, 1),
           "learnable": len(learnable), "learnable_recall": learned,
           "before": res_before, "after": res_after}
    if a.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"{len(docs)} documents, {a.folds} folds; the reviewer (gold in hand) accepted "
          f"{reviewed['accept']}, edited {reviewed['edit']}, rejected {reviewed['reject']} facts "
          f"of the other folds; names handed to the reader per fold: "
          f"{out['names_taught_per_fold']}")
    print(f"gold parks, firms and projects whose name was confirmed in another fold: "
          f"{len(learnable)}; found before {learned['before']:.2f}, after {learned['after']:.2f}")
    print(table("before (no confirmed names)", res_before))
    print(table("after (names confirmed in the other documents)", res_after))
    return 0


def _facts(doc, gazetteer):
    from gxatlas.extract import extract

    return extract(doc, gazetteer=gazetteer)


if __name__ == "__main__":
    sys.exit(main())
