"""Sign-in, roles and CSRF for the web page and its API.

The session is Starlette's signed cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS) holding
the user name, a fingerprint of the password hash (a password change ends old sessions) and a
per-session CSRF token. Every request re-reads the user, so a deactivated account stops at
once. Every POST, form or JSON, must carry the session's CSRF token (form field `csrf` or
header `X-CSRF-Token`), or it is refused with 403 before anything runs.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.db import utcnow
from central.users import AuditEntry, User
from central.web.i18n import lang_or_default

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD, CSRF_HEADER = "csrf", "x-csrf-token"
LOCKOUT_FAILURES, LOCKOUT_WINDOW = 5, timedelta(minutes=15)


class LoginRequired(Exception):
    """No signed-in user: pages redirect to the sign-in page, the API answers 401."""


class Forbidden(Exception):
    """Signed in, but the role lacks the permission."""

    def __init__(self, permission: str) -> None:
        super().__init__(permission)
        self.permission = permission


class NotFound(Exception):
    """No such case, file or page: 404."""


class CsrfError(Exception):
    """A POST without the session's CSRF token."""


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: refuse any unsafe request whose token does not match the session's."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if sent is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()  # cached on the request: the endpoint reads it again
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not (isinstance(expected, str) and sent and hmac.compare_digest(expected, sent)):
        raise CsrfError()


def lang_of(request: Request) -> str:
    return lang_or_default(request.session.get("lang"))


def get_db(request: Request) -> Iterator[Session]:
    """One ORM session per request, from the store the app was made with."""
    with request.app.state.store.sessions() as session:
        yield session


def optional_user(request: Request, db: Annotated[Session, Depends(get_db)]) -> User | None:
    """The signed-in user, or None (and a stale session forgotten)."""
    name = request.session.get("user")
    if not isinstance(name, str):
        return None
    user = db.get(User, name)
    if user is None or not user.active or request.session.get("ver") != user.auth_version:
        for key in ("user", "ver"):
            request.session.pop(key, None)
        return None
    request.state.user = user
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise LoginRequired()
    return user


def require(permission: str) -> Callable[..., User]:
    """A dependency: the signed-in user, who must hold `permission` (else 403)."""

    def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if not user.can(permission):
            raise Forbidden(permission)
        return user

    return dependency


def sign_in(request: Request, user: User) -> None:
    """A fresh session for `user` (new CSRF token: no fixation), keeping the language."""
    lang = request.session.get("lang")
    request.session.clear()
    request.session.update({"user": user.username, "ver": user.auth_version})
    if lang:
        request.session["lang"] = lang
    csrf_token(request)


def sign_out(request: Request) -> None:
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang


def locked_out(db: Session, username: str) -> bool:
    """Too many failed sign-ins for this name lately (counted from the audit trail)."""
    since = utcnow() - LOCKOUT_WINDOW
    failures = db.scalar(
        select(func.count()).where(
            AuditEntry.action == "login.failed",
            AuditEntry.target == username[:64],
            AuditEntry.at >= since,
        )
    )
    return (failures or 0) >= LOCKOUT_FAILURES


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site (no scheme, no host, no '//'): never an open redirect."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def landing(user: User) -> str:
    """Where each role starts."""
    if user.can("cases.review"):
        return "/review"
    return "/cameras"
