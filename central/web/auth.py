"""Sign-in, roles and CSRF for the web page and its API.

The session is Starlette's signed cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS) holding
a random session token, a fingerprint of the password hash (a password change ends old
sessions) and a per-session CSRF token. The token names a server-side record
(`central.web.sessions`) that every request checks, so signing out, "end every session" and
the shift's end (`session_hours`) refuse a copied cookie at once. Every request re-reads the
user, so a deactivated account stops at once. Every POST, form or JSON, must carry the
session's CSRF token (form field `csrf` or header `X-CSRF-Token`), or it is refused with 403
before anything runs. How often sign-in may be tried is `central.web.signin`'s business.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterator
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from central.users import User
from central.web import sessions
from central.web.i18n import lang_or_default

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD, CSRF_HEADER = "csrf", "x-csrf-token"
SIGNED_IN_KEYS = ("sid", "ver", "user")  # "user": what cookies from before 0005 carried


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
    """The signed-in user, or None (and a stale session forgotten, its record ended)."""
    token = request.session.get("sid")
    if not isinstance(token, str):
        _forget(request)
        return None
    client = sessions.client_address(request)
    record = sessions.check(db, token, request.app.state.session_max_age, client)
    user = db.get(User, record.username) if record is not None else None
    if user is None or not user.active or request.session.get("ver") != user.auth_version:
        if record is not None:
            sessions.end(db, token, "stale")
            db.commit()
        _forget(request)
        return None
    request.state.user = user
    return user


def _forget(request: Request) -> None:
    for key in SIGNED_IN_KEYS:
        request.session.pop(key, None)


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


def sign_in(request: Request, db: Session, user: User) -> None:
    """A fresh session for `user` (new token and CSRF token: no fixation), keeping the
    language; any session the cookie held before is ended (caller commits)."""
    lang = request.session.get("lang")
    old = request.session.get("sid")
    if isinstance(old, str):
        sessions.end(db, old, "replaced")
    token = sessions.start(db, user.username, sessions.client_address(request))
    request.session.clear()
    request.session.update({"sid": token, "ver": user.auth_version})
    if lang:
        request.session["lang"] = lang
    csrf_token(request)


def sign_out(request: Request, db: Session) -> None:
    """End this session's record and forget the cookie (caller commits)."""
    token = request.session.get("sid")
    if isinstance(token, str):
        sessions.end(db, token, "logout")
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang


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
