"""What the KB trusts: the review status of stored facts, and the entities analyses leave out.

Every extracted fact is stored with the extractor's confidence and reasons and a status:

* ``accepted`` (自动接受): confident (at or above the threshold) and about an entity the KB
  already trusts;
* ``pending`` (待审核): below the threshold, or about an entity nothing trusted supports yet
  (a new name, or one that only other pending facts mention);
* ``confirmed`` (已确认) / ``rejected`` (已驳回): a person decided (`gxatlas.kb.corrections`).

An entity is *trusted* when the bundled atlas, an imported table or a person supports it, or
when at least one accepted or confirmed fact does. Analyses leave out the rest by default
(``untrusted_ids``) and say how many wait (``waiting``); with ``include_pending`` they take
pending ones too, never rejected ones. Entities without any stored fact (atlas, registry,
documents ingested before review existed) are trusted as before.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from gxatlas.errors import GxatlasError
from gxatlas.kb.models import FACT_STATUSES, Evidence, StoredFact

PENDING, ACCEPTED, CONFIRMED, REJECTED = FACT_STATUSES
TRUSTED = (ACCEPTED, CONFIRMED)
STATUS_ZH = {PENDING: "待审核", ACCEPTED: "自动接受", CONFIRMED: "已确认", REJECTED: "已驳回"}
#: Facts the extractor is less sure of than this wait for review (GXATLAS_REVIEW_THRESHOLD).
DEFAULT_THRESHOLD = 0.8


def review_threshold(value: float | None = None) -> float:
    """The confidence below which a fact waits for review: ``value``, else the environment
    variable GXATLAS_REVIEW_THRESHOLD, else ``DEFAULT_THRESHOLD``."""
    if value is None:
        raw = os.environ.get("GXATLAS_REVIEW_THRESHOLD")
        if not raw:
            return DEFAULT_THRESHOLD
        try:
            value = float(raw)
        except ValueError as err:
            raise GxatlasError(f"GXATLAS_REVIEW_THRESHOLD={raw!r} 不是数字 (not a number)") from err
    if not 0.0 <= value <= 1.0:
        raise GxatlasError(f"审核阈值 {value} 不在 0 到 1 之间 (review threshold outside 0-1)")
    return value


def initial_status(*, confidence: float, threshold: float, new: bool,
                   trusted: bool) -> tuple[str, str | None]:
    """The status of a fact as it is stored, and why it waits (None when accepted)."""
    if confidence < threshold:
        return PENDING, f"置信度 {confidence:.2f} 低于阈值 {threshold:.2f}"
    if new:
        return PENDING, "新实体：知识库中没有对应的已知实体"
    if not trusted:
        return PENDING, "所指实体尚待审核"
    return ACCEPTED, None


def _supported(entity_type: str) -> Select:
    """Ids of entities of a type that something other than extraction supports."""
    return select(Evidence.entity_id).where(Evidence.entity_type == entity_type,
                                            Evidence.origin != "extracted")


def untrusted_ids(entity_type: str, *, include_pending: bool = False) -> Select:
    """A SELECT of the ids of ``entity_type`` entities analyses leave out: no trusted fact and
    no other support; with ``include_pending`` only those whose every fact was rejected."""
    trusted = func.sum(case((StoredFact.status.in_(TRUSTED), 1), else_=0))
    stmt = (select(StoredFact.entity_id)
            .where(StoredFact.entity_type == entity_type, StoredFact.entity_id.is_not(None),
                   StoredFact.entity_id.not_in(_supported(entity_type)))
            .group_by(StoredFact.entity_id).having(trusted == 0))
    if include_pending:
        stmt = stmt.having(func.sum(case((StoredFact.status == PENDING, 1), else_=0)) == 0)
    return stmt


def is_trusted(session: Session, entity_type: str, entity_id: int) -> bool:
    """Whether analyses use this entity by default."""
    stmt = untrusted_ids(entity_type).where(StoredFact.entity_id == entity_id)
    return session.scalars(stmt).first() is None


@dataclass(frozen=True)
class Waiting:
    """How many entities of a type analyses leave out because they wait for review, and how
    many facts of that type wait in all (some about trusted entities)."""

    entity_type: str
    entities: int
    facts: int

    def note(self, label: str) -> str | None:
        """A line for people (None when nothing waits)."""
        if not self.entities and not self.facts:
            return None
        return (f"另有 {self.entities} 个{label}待审核未计入（共 {self.facts} 条待审核事实；"
                f"`gxatlas review` 审核，--include-pending 一并显示）")

    def to_dict(self) -> dict[str, int | str]:
        return {"type": self.entity_type, "entities": self.entities, "facts": self.facts}


def waiting(session: Session, entity_type: str) -> Waiting:
    """``Waiting`` for one entity type."""
    pending_only = untrusted_ids(entity_type).having(
        func.sum(case((StoredFact.status == PENDING, 1), else_=0)) > 0)
    entities = session.scalar(select(func.count()).select_from(pending_only.subquery())) or 0
    facts = session.scalar(select(func.count()).select_from(StoredFact).where(
        StoredFact.entity_type == entity_type, StoredFact.status == PENDING)) or 0
    return Waiting(entity_type, int(entities), int(facts))


def status_counts(session: Session) -> dict[str, dict[str, int]]:
    """Stored facts per type and status."""
    out: dict[str, dict[str, int]] = {}
    for ftype, status, n in session.execute(select(StoredFact.type, StoredFact.status,
                                                   func.count()).group_by(StoredFact.type,
                                                                          StoredFact.status)):
        out.setdefault(ftype, {})[status] = n
    return out
