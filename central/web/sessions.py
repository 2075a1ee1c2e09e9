"""Server-side records of signed-in sessions, so that signing out really ends a session.

A signed cookie alone cannot be taken back: a copy keeps working after sign-out until it
expires (and Starlette renews its age on every response). So the cookie carries a random token
(`sid`) and `web_sessions` keeps the token's SHA-256 with the user, when it began, when it was
last seen and from where, and when and why it ended. Every request that needs a user looks the
row up (`check`): a missing or ended row (sign-out, "end every session of a user",
deactivation) or one older than `WebSettings.session_hours` counted from sign-in (an absolute
limit: an active session does not live for ever) is refused. `last_seen_at` is written at most
once a minute, so reading pages does not turn into a write per request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import update
from sqlalchemy.orm import Session

from central.db import utcnow
from central.users import WebSession

TOUCH_EVERY = timedelta(minutes=1)


def digest(token: str) -> str:
    """What the table keeps of a cookie's token."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def client_address(request: Request) -> str:
    """The peer's address (behind the TLS proxy, uvicorn's proxy headers give the real one)."""
    return (request.client.host if request.client else "")[:64]


def start(db: Session, username: str, client: str, now: datetime | None = None) -> str:
    """A new session record for `username` (caller commits); the token for the cookie."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.add(
        WebSession(
            id=digest(token), username=username, created_at=now, last_seen_at=now, client=client
        )
    )
    return token


def check(
    db: Session, token: str, max_age: timedelta, client: str, now: datetime | None = None
) -> WebSession | None:
    """The open, unexpired record of `token`, or None. Commits its own small writes (an
    expired record marked ended; `last_seen_at` once a minute)."""
    now = now or utcnow()
    record = db.get(WebSession, digest(token), populate_existing=True)
    if record is None or record.ended_at is not None:
        return None
    if now - record.created_at >= max_age:
        record.ended_at, record.end_reason = now, "expired"
        db.commit()
        return None
    if now - record.last_seen_at >= TOUCH_EVERY or record.client != client:
        record.last_seen_at, record.client = now, client
        db.commit()
    return record


def end(db: Session, token: str, reason: str, now: datetime | None = None) -> None:
    """End the record of `token` if it is open (caller commits)."""
    db.execute(
        update(WebSession)
        .where(WebSession.id == digest(token), WebSession.ended_at.is_(None))
        .values(ended_at=now or utcnow(), end_reason=reason)
    )
