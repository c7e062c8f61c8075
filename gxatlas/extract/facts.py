"""Typed facts with evidence: the output of extraction and the input of the KB.

Modelled on langextract: every fact carries a character interval into the document's
normalized text and an alignment status that says how that interval was found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from gxatlas.extract.values import VALUE_FIELDS, VALUES, Alignment

__all__ = ["Evidence", "Fact", "FACT_TYPES", "VALUE_FIELDS", "Alignment"]

# The fact types and the value fields each may carry (declared in gxatlas/extract/values.py).
FACT_TYPES = tuple(VALUES)


@dataclass(frozen=True)
class Evidence:
    """Where a fact was read: a half-open interval [start, end) of ``Document.text``.

    ``alignment`` is :attr:`Alignment.EXACT` when ``text[start:end]`` is the quoted source of
    the fact and :attr:`Alignment.FUZZY` when the interval only approximately covers it
    (``reason`` says why, e.g. a fact assembled from a flattened table row spread over several
    lines). A plain string ("exact", "fuzzy") is accepted and turned into the enum.
    """

    doc: str
    start: int
    end: int
    alignment: Alignment = Alignment.EXACT
    reason: str | None = None
    orig_start: int | None = None
    orig_end: int | None = None
    quote: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.alignment, Alignment):
            object.__setattr__(self, "alignment", Alignment(self.alignment))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"start": self.start, "end": self.end,
                             "alignment": self.alignment.value}
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
