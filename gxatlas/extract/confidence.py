"""A confidence (0–1) on every fact, with the reasons that produced it.

Each fact arrives with the reasons its component gave (how it was found: `表格行`, `后缀+地名`,
`列举`, `已知名称`…); this module adds the reasons every fact shares (how its evidence aligns,
whether its year and scope are stated or taken from the document profile, whether a place
anchors its name…) and turns them into a probability:

    confidence = sigmoid(prior[type] + Σ weight[reason])

The prior and the weights are data (gxatlas/data/lexicon/confidence.yaml), fitted by
``bench/calibrate_confidence.py`` as a logistic regression of "the fact is exactly right"
on the seeds and the real set's tuning part (never its hold-out), so that a confidence of 0.8
means about four facts in five are right. A reason without a weight counts 0.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Iterable

from gxatlas.extract.annotate import AnnotatedDoc
from gxatlas.extract.facts import Fact
from gxatlas.extract.values import Alignment

__all__ = ["score_facts", "reasons_of", "confidence_of"]

_YEAR_IN = re.compile(r"(?:19|20)\d{2}")


def reasons_of(ad: AnnotatedDoc, fact: Fact) -> tuple[str, ...]:
    """The component's reasons and the shared ones (see the module docstring)."""
    out = list(fact.reasons)
    ev = fact.evidence
    if ev.alignment is Alignment.FUZZY:
        out.append("证据:拼合")
    v = fact.values
    if fact.type == "indicator":
        sent = ad.sentence_at(ev.start)
        span = ad.text[sent.start:sent.end] if sent else ad.text[ev.start:ev.end]
        year = v.get("target_year") or v.get("baseline_year")
        if year is None:
            out.append("年份:无")
        elif str(year) in span or str(year) in ad.text[max(0, ev.start - 60):ev.end]:
            out.append("年份:明示")
        else:
            out.append("年份:推定")
        scope = v.get("scope")
        if scope is None:
            out.append("范围:无")
        elif scope in span:
            out.append("范围:明示")
        else:
            out.append("范围:上下文")
        out.append("目标值" if v.get("target_value") is not None else "基期值")
        if len(fact.name) <= 3:
            out.append("名称:短")
    elif fact.type in ("park", "enterprise", "project"):
        if ad.gazetteer.find_places(fact.name):
            out.append("名称含地名")
        out.append("城市:已定" if v.get("city") else "城市:无")
        if len(fact.name) <= 3:
            out.append("名称:短")
        if fact.aliases:
            out.append("多种写法")
    elif fact.type == "policy":
        out.append("文号" if v.get("doc_number") else "仅标题")
    return tuple(dict.fromkeys(out))


def _weights() -> tuple[dict[str, float], dict[str, float]]:
    from gxatlas.data.lexicon import lexicon

    lex = lexicon()
    return ({k: float(x) for k, x in lex.map("confidence_prior").items()},
            {k: float(x) for k, x in lex.map("confidence_weights").items()})


def confidence_of(fact_type: str, reasons: Iterable[str]) -> float:
    prior, weights = _weights()
    z = prior.get(fact_type, 0.0) + sum(weights.get(r, 0.0) for r in reasons)
    return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 3)


def score_facts(ad: AnnotatedDoc, facts: Iterable[Fact]) -> list[Fact]:
    """Every fact with its reasons completed and its confidence computed."""
    out = []
    for f in facts:
        reasons = reasons_of(ad, f)
        out.append(dataclasses.replace(f, reasons=reasons, confidence=confidence_of(f.type, reasons)))
    return out
