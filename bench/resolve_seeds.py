"""Cross-document resolution on the seeds: does every seed indicator the atlas holds merge into
it, and does no non-indicator reach `gxatlas monitor`?

Builds a fresh KB (`gxatlas init`: the bundled atlas), ingests ../shared/corpus/seeds/ as
`gxatlas ingest` does, then reports the counts before and after and judges every stored
indicator fact against the seeds' gold (../shared/eval/gold, matched as
../shared/eval/score.py matches names):

* a fact that matches a gold indicator that the atlas holds too (the atlas was made from the
  same documents; matched the same way, within the same document) should be merged into that
  atlas indicator: ``merged`` / ``not merged`` (listed); facts of gold indicators the atlas
  lacks are counted apart;
* a fact that matches no gold indicator is not an indicator of the gold: it must not bring an
  indicator into the monitor that the atlas does not hold (its entity must wait for review):
  ``non-gold in monitor`` (listed).

    .venv/bin/python bench/resolve_seeds.py [--shared ../shared] [--db sqlite:///out/seeds.sqlite] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent


def _scorer(shared: Path):
    spec = importlib.util.spec_from_file_location("score", shared / "eval" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def _years_ok(g: dict, r: dict) -> bool:
    return all(g.get(k) is None or g.get(k) == r.get(k) for k in ("baseline_year", "target_year"))


def _gold_match(sc, golds: list[dict], rec: dict) -> dict | None:
    """The gold record a prediction stands for, as the scorer matches names; the best of
    several: same scope, then equal names, then every value right."""
    names = sc.names_of(rec)
    best: tuple | None = None
    for g in golds:
        if g["doc"] != rec["doc"]:
            continue
        gn = sc.names_of(g)
        ok = sc.record_ok(g, rec) and _years_ok(g, rec)
        if not (sc.names_match(gn, names) or (sc.names_close(gn, names) and ok)):
            continue
        rank = (sc.norm_city(g.get("scope")) == sc.norm_city(rec.get("scope")), bool(gn & names), ok)
        if best is None or rank > best[0]:
            best = (rank, g)
    return best[1] if best else None


def _atlas_records() -> list[dict]:
    from gxatlas.data import load_atlas

    out = []
    for i in load_atlas().indicators:
        out.append({"doc": i.source.doc, "type": "indicator", "name": i.name, "scope": i.scope,
                    "aliases": list(i.aliases), "unit": i.unit,
                    "baseline_year": i.baseline_year, "baseline_value": i.baseline_value,
                    "target_year": i.target_year, "target_value": i.target_value})
    return out


def _atlas_holds(sc, atlas: list[dict], g: dict) -> str | None:
    """The atlas indicator (name) the gold record is, if any: same document; the names equal
    (the scope may be written into the atlas name), else matching or close as the scorer
    judges with a gold value agreeing; the closest by bigram Dice."""
    gn = sc.names_of(g) | {sc.norm(g.get("scope")) + n for n in sc.names_of(g)}
    best: tuple[int, float, str] | None = None
    for a in atlas:
        if a["doc"] != g["doc"]:
            continue
        an = sc.names_of(a)
        values = {k: g.get(k) for k in ("baseline_year", "baseline_value", "target_year",
                                         "target_value")}
        agree = any(v is not None for v in values.values()) and sc.record_ok(
            {"type": "indicator", **values}, a) and _years_ok(values, a)
        if gn & an:
            rank = 3
        elif sc.names_match(gn, an) and agree:
            rank = 2
        elif sc.names_close(gn, an) and agree:
            rank = 1
        else:
            continue
        dice = max(len(sc.bigrams(x) & sc.bigrams(y)) * 2 / (len(sc.bigrams(x)) + len(sc.bigrams(y)))
                   for x in gn for y in an)
        if best is None or (rank, dice) > best[:2]:
            best = (rank, dice, a["name"])
    return best[2] if best else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--db", default=None, help="KB URL (default: a temporary SQLite file)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    seeds = a.shared / "corpus" / "seeds"
    golds_dir = a.shared / "eval" / "gold"
    if not seeds.is_dir() or not golds_dir.is_dir():
        print(f"resolve_seeds: seeds or gold missing under {a.shared}", file=sys.stderr)
        return 2
    from gxatlas.analysis.monitor import monitor
    from gxatlas.extract import extract
    from gxatlas.ingest import read
    from gxatlas.kb.documents import store_document
    from gxatlas.kb.load import load_all
    from gxatlas.kb.models import Evidence, Indicator, StoredFact
    from gxatlas.kb.names import known_names
    from gxatlas.kb.review import untrusted_ids, waiting
    from gxatlas.kb.store import open_kb

    sc = _scorer(a.shared)
    golds = [r for f in sorted(golds_dir.glob("*.jsonl")) for r in sc.load(f)
             if r["type"] == "indicator"]
    tmp = tempfile.TemporaryDirectory()
    kb = open_kb(a.db or f"sqlite:///{tmp.name}/seeds.sqlite", create=True)
    with kb.session() as s:
        load_all(s)
        before = s.scalar(select(func.count()).select_from(Indicator))
        monitor_before = len(monitor(s))
        gaz = known_names(s)
    for path in sorted(seeds.glob("*.txt")):
        doc = read(path)
        with kb.session() as s:
            store_document(s, doc, extract(doc, gazetteer=gaz))
    out: dict = {"indicators_before": before, "monitor_before": monitor_before}
    with kb.session() as s:
        out["indicators_after"] = s.scalar(select(func.count()).select_from(Indicator))
        hidden = set(s.scalars(untrusted_ids("indicator")))
        out["indicators_trusted_after"] = out["indicators_after"] - len(hidden)
        out["indicators_waiting"] = waiting(s, "indicator").entities
        rows = monitor(s)
        out["monitor_after"] = len(rows)
        in_monitor = {r.indicator_id for r in rows}
        atlas_ids = set(s.scalars(select(Evidence.entity_id).where(
            Evidence.entity_type == "indicator", Evidence.origin == "atlas")))
        facts = list(s.scalars(select(StoredFact).where(StoredFact.type == "indicator")))
        atlas = _atlas_records()
        merged, not_merged, junk_monitor, junk, gold_new = [], [], [], 0, 0
        for f in facts:
            rec = {"doc": f.document.key, "type": "indicator", "name": f.name, **f.values}
            g = _gold_match(sc, golds, rec)
            ind = s.get(Indicator, f.entity_id) if f.entity_id else None
            label = f"{f.document.key[:3]} {f.values.get('scope')}/{f.name}"
            if g is not None:
                held = _atlas_holds(sc, atlas, g)
                if held is None:
                    gold_new += 1
                elif f.entity_id in atlas_ids:
                    merged.append(f"{label} -> {ind.name}"
                                  + ("" if ind.name == held else f" (gold suggests {held})"))
                else:
                    not_merged.append(f"{label} ({f.match}, {f.status}) -> "
                                      f"{ind.name if ind else None}; atlas: {held}")
            else:
                junk += 1
                if f.entity_id in in_monitor and f.entity_id not in atlas_ids:
                    junk_monitor.append(f"{label} -> {ind.name if ind else None} ({f.status})")
        out.update(indicator_facts=len(facts), gold_facts=len(merged) + len(not_merged),
                   gold_not_in_atlas=gold_new,
                   merged=len(merged), not_merged=not_merged, non_gold_facts=junk,
                   non_gold_in_monitor=junk_monitor,
                   statuses=dict(Counter(f.status for f in facts)))
    kb.dispose()
    tmp.cleanup()
    if a.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"indicators: {out['indicators_before']} (atlas) -> {out['indicators_after']} after "
          f"ingest; trusted {out['indicators_trusted_after']}, waiting for review "
          f"{out['indicators_waiting']}")
    print(f"monitor rows: {out['monitor_before']} -> {out['monitor_after']}")
    print(f"indicator facts: {out['indicator_facts']} ({out['statuses']}); matching a gold "
          f"indicator the atlas holds: {out['gold_facts']}, merged into it: {out['merged']}; "
          f"matching a gold indicator the atlas lacks: {out['gold_not_in_atlas']}")
    for line in not_merged:
        print("  not merged:", line)
    for line in merged:
        if "gold suggests" in line:
            print("  merged elsewhere:", line)
    print(f"facts matching no gold indicator: {junk}; reaching the monitor: {len(junk_monitor)}")
    for line in junk_monitor:
        print("  in monitor:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
