"""API tokens: issued once, stored hashed, checked by role (read < write < admin).

Tokens are 32 random bytes (URL-safe base64), so a plain SHA-256 of the token is a safe
stored form: there is nothing to brute-force. The clear token is shown only when issued.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gxatlas.errors import GxatlasError
from gxatlas.kb.models import ApiToken

ROLES: tuple[str, ...] = ("read", "write", "admin")
_RANK = {role: i for i, role in enumerate(ROLES)}
TOKEN_PREFIX = "gxa_"


@dataclass(frozen=True)
class User:
    """A token holder as the API sees it (never the token itself)."""

    id: int
    name: str
    role: str
    revoked: bool
    created_at: str

    def allows(self, role: str) -> bool:
        return not self.revoked and _RANK[self.role] >= _RANK[role]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _user(row: ApiToken) -> User:
    return User(id=row.id, name=row.name, role=row.role, revoked=bool(row.revoked),
                created_at=str(row.created_at or ""))


def add_user(session: Session, *, name: str, role: str) -> tuple[User, str]:
    """Issue a token for ``name`` with ``role``; returns the user and the clear token."""
    if role not in _RANK:
        raise GxatlasError(f"unknown role '{role}' (use {', '.join(ROLES)})")
    name = name.strip()
    if not name:
        raise GxatlasError("a user needs a name")
    if session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise GxatlasError(f"user '{name}' exists; revoke it first or choose another name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, role=role, token_hash=hash_token(token), revoked=False)
    session.add(row)
    session.flush()
    return _user(row), token


def list_users(session: Session) -> list[User]:
    return [_user(r) for r in session.scalars(select(ApiToken).order_by(ApiToken.id))]


def revoke_user(session: Session, *, name: str) -> User:
    row = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if row is None:
        raise GxatlasError(f"no user '{name}'")
    row.revoked = True
    session.flush()
    return _user(row)


def authenticate(session: Session, token: str) -> User | None:
    """The active user holding ``token``, or None."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked:
        return None
    return _user(row)
