"""The names the KB trusts, handed to extraction as a gazetteer (extraction never imports kb).

Only names of trusted entities (the atlas, imported tables, facts accepted automatically or
confirmed by a person; see `gxatlas.kb.review`) are handed over: a name waiting for review or
rejected is not taught to the reader, a name a person confirmed is found in every later
document.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gxatlas.kb.models import Alias
from gxatlas.kb.review import untrusted_ids


def trusted_names(session: Session, entity_type: str) -> list[str]:
    """Every name and alias of the trusted entities of a type."""
    return list(session.scalars(select(Alias.alias).where(
        Alias.entity_type == entity_type,
        Alias.entity_id.not_in(untrusted_ids(entity_type))).order_by(Alias.id)))


def known_names(session: Session):
    """A `gxatlas.extract.gazetteer.Gazetteer` with the trusted park, enterprise and project
    names (extraction finds them in the text: `gxatlas.extract.known`)."""
    from gxatlas.extract.gazetteer import build_gazetteer

    return build_gazetteer(known_parks=trusted_names(session, "park"),
                           known_enterprises=trusted_names(session, "enterprise"),
                           known_projects=trusted_names(session, "project"))
