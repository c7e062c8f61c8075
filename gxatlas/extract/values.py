"""Typed values per fact type: what a fact of each type may carry, as frozen dataclasses.

A component builds one of these (``IndicatorValues(scope=…, unit=…)``) and the fact carries
its fields as a mapping (``Fact.values``), the exchange format of ../shared/eval/SCHEMA.md.
The fields declared here are the only ones a fact may carry (``VALUE_FIELDS``); adding a
field is adding it here.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

__all__ = ["Alignment", "IndicatorValues", "ParkValues", "EnterpriseValues", "ProjectValues",
           "PolicyValues", "FocusValues", "VALUES", "VALUE_FIELDS", "as_values"]


class Alignment(enum.StrEnum):
    """How a fact's evidence interval was found (after langextract's alignment status)."""

    EXACT = "exact"  # text[start:end] is the quoted source of the fact
    FUZZY = "fuzzy"  # the interval only approximately covers it (a table row, merged statements)


@dataclass(frozen=True)
class _Values:
    # fields a record always carries, None or not (the key field's companions of SCHEMA.md)
    ALWAYS: ClassVar[tuple[str, ...]] = ()

    def as_dict(self) -> dict[str, Any]:
        """The fields that hold a value (and those always written), as Fact.values holds them."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if v is not None or f.name in self.ALWAYS:
                out[f.name] = list(v) if isinstance(v, tuple) and f.name == "range" else v
        return out


@dataclass(frozen=True)
class IndicatorValues(_Values):
    scope: str | None = None  # the region, park or entity the figure is about
    unit: str | None = None
    baseline_year: int | None = None
    baseline_value: float | int | str | None = None
    target_year: int | None = None
    target_value: float | int | str | None = None
    comparator: str | None = None  # ">=", "<=", "="
    attribute: str | None = None  # 预期性 / 约束性
    category: str | None = None  # the group of a plan table's rows
    range: tuple[float | int, float | int] | None = None  # `8–8.5%` -> (8, 8.5)
    period: str | None = None  # the months a figure covers: `2021-01..2021-06`
    ALWAYS: ClassVar[tuple[str, ...]] = ("scope",)


@dataclass(frozen=True)
class ParkValues(_Values):
    city: str | None = None
    area_km2: float | None = None
    target_year: int | None = None
    target_value: float | None = None
    comparator: str | None = None
    metric: str | None = None  # what the target measures when not 工业总产值 (贸易额…)
    level: str | None = None  # 国家级 / 自治区级 …
    tier: str | None = None
    industries: tuple[str, ...] | None = None
    ALWAYS: ClassVar[tuple[str, ...]] = ("city",)


@dataclass(frozen=True)
class EnterpriseValues(_Values):
    city: str | None = None
    park: str | None = None
    industries: tuple[str, ...] | None = None
    # tiers the text gives the firm: 国家级专精特新"小巨人", 省级专精特新, 瞪羚, 单项冠军,
    # 高新技术企业, 链主/龙头, 规上 (the lexicon's ``enterprise_tags``)
    tags: tuple[str, ...] | None = None
    ALWAYS: ClassVar[tuple[str, ...]] = ("city",)


@dataclass(frozen=True)
class ProjectValues(_Values):
    city: str | None = None
    park: str | None = None
    enterprise: str | None = None
    investment: float | None = None  # 亿元
    capacity: str | None = None
    # stage: 储备/前期, 签约, 开工/在建, 竣工, 投产/达产 (the lexicon's ``project_stages``)
    status: str | None = None
    year: int | None = None
    ALWAYS: ClassVar[tuple[str, ...]] = ("city",)


@dataclass(frozen=True)
class PolicyValues(_Values):
    doc_number: str | None = None
    title: str | None = None
    issuer: str | None = None
    date: str | None = None  # YYYY-MM-DD
    ALWAYS: ClassVar[tuple[str, ...]] = ("doc_number", "title", "date")


@dataclass(frozen=True)
class FocusValues(_Values):
    region: str | None = None
    park: str | None = None
    industries: tuple[str, ...] = ()
    ALWAYS: ClassVar[tuple[str, ...]] = ("region", "park", "industries")


VALUES: dict[str, type[_Values]] = {
    "indicator": IndicatorValues,
    "park": ParkValues,
    "enterprise": EnterpriseValues,
    "project": ProjectValues,
    "policy": PolicyValues,
    "industry_focus": FocusValues,
}

VALUE_FIELDS: dict[str, tuple[str, ...]] = {
    t: tuple(f.name for f in dataclasses.fields(cls)) for t, cls in VALUES.items()
}


def as_values(fact_type: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` checked against the fact type's dataclass (an unknown field raises
    TypeError) and written as Fact.values holds them."""
    return VALUES[fact_type](**values).as_dict()
