"""The names the KB knows, handed to extraction as a gazetteer (extraction never imports kb)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gxatlas.kb.models import Alias


def known_names(session: Session):
    """A `gxatlas.extract.gazetteer.Gazetteer` with every park and enterprise name and alias."""
    from gxatlas.extract.gazetteer import build_gazetteer

    def names(kind: str) -> list[str]:
        return list(session.scalars(select(Alias.alias).where(Alias.entity_type == kind)))

    return build_gazetteer(known_parks=names("park"), known_enterprises=names("enterprise"))
