"""Typed facts with evidence: the output of extraction and the input of the KB.

Modelled on langextract: every fact carries a character interval into the document's
normalized text and an alignment status that says how that interval was found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

FACT_TYPES = ("indicator", "park", "enterprise", "project", "policy", "industry_focus")

# Value fields of the exchange format (../shared/eval/SCHEMA.md), per type, in order: a fact
# carries these and no others (``Fact`` refuses an undeclared field). ``range`` is the stated
# range of a value (`8–8.5%` -> [8, 8.5], the value being its upper bound), ``period`` the
# months a figure covers (`2021-01..2021-06`); ``metric`` what a park's target measures
# (工业总产值 unless the text says 贸易额, 营业收入…).
VALUE_FIELDS: dict[str, tuple[str, ...]] = {
    "indicator": ("scope", "unit", "baseline_year", "baseline_value", "target_year", "target_value",
                  "comparator", "attribute", "category", "range", "period"),
    "park": ("city", "area_km2", "target_year", "target_value", "comparator", "metric", "level",
             "tier", "industries"),
    "enterprise": ("city", "park", "industries", "tags"),
    "project": ("city", "park", "enterprise", "investment", "capacity", "status", "year"),
    "policy": ("doc_number", "title", "issuer", "date"),
    "industry_focus": ("region", "park", "industries"),
}


@dataclass(frozen=True)
class Evidence:
    """Where a fact was read: a half-open interval [start, end) of ``Document.text``.

    ``alignment`` is "exact" when ``text[start:end]`` is the quoted source of the fact and
    "fuzzy" when the interval only approximately covers it (``reason`` says why, e.g. a fact
    assembled from a flattened table row spread over several lines).
    """

    doc: str
    start: int
    end: int
    alignment: str = "exact"
    reason: str | None = None
    orig_start: int | None = None
    orig_end: int | None = None
    quote: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"start": self.start, "end": self.end, "alignment": self.alignment}
        if self.reason:
            d["reason"] = self.reason
        if self.orig_start is not None:
            d["orig_start"], d["orig_end"] = self.orig_start, self.orig_end
        if self.quote:
            d["quote"] = self.quote
        return d


@dataclass(frozen=True)
class Fact:
    """One extracted fact: a type, a key name, value fields, aliases and evidence."""

    type: str
    name: str
    evidence: Evidence
    values: Mapping[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    # How sure the extractor is (0-1) and the reasons that produced that figure (short
    # Chinese or English phrases, e.g. "表格行", "后缀匹配"); kept in the KB with the fact.
    confidence: float = 1.0
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in FACT_TYPES:
            raise ValueError(f"unknown fact type {self.type!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence!r} outside 0-1")
        undeclared = set(self.values) - set(VALUE_FIELDS[self.type])
        if undeclared:
            raise ValueError(f"{self.type} fact {self.name!r}: undeclared value fields "
                             f"{sorted(undeclared)} (see VALUE_FIELDS)")

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def to_record(self) -> dict[str, Any]:
        """The exchange-format record (SCHEMA.md): doc, type, key, values, aliases, evidence."""
        rec: dict[str, Any] = {"doc": self.evidence.doc, "type": self.type}
        if self.type == "policy":
            rec["doc_number"] = self.values.get("doc_number")
            rec["title"] = self.values.get("title") or self.name
        else:
            rec["name"] = self.name
        for k, v in self.values.items():
            if k not in rec:
                rec[k] = list(v) if isinstance(v, tuple) else v
        if self.aliases:
            rec["aliases"] = list(self.aliases)
        rec["confidence"] = round(self.confidence, 3)
        if self.reasons:
            rec["reasons"] = list(self.reasons)
        rec["evidence"] = self.evidence.to_dict()
        return rec
