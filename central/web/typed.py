"""What the officer typed into a refused form, kept for the page they are sent back to, so
that a refusal costs them nothing but the fix.

A move is a POST then a redirect; the refusal's text travels in the session's flash. The typed
values do not: a note of 500 Vietnamese characters would push the signed cookie past the
4 KB a browser keeps. They wait here, in the app's memory (one `dendo-central web` process),
under a random token the session carries, for ten minutes at most, and are handed out once.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from fastapi import FastAPI, Request

KEEP_SECONDS = 600.0
MAX_KEPT = 2000  # sign-ins at once × refusals in flight; the oldest go first
_SESSION_KEY = "typed"
_lock = threading.Lock()


@dataclass(frozen=True)
class Kept:
    """The values of one form of one case (the page asks by case and form)."""

    case_id: int | None = None
    form: str = ""
    values: dict[str, str] = field(default_factory=dict)

    def has(self, case_id: int, form: str) -> bool:
        return self.case_id == case_id and self.form == form

    def get(self, case_id: int, form: str, name: str, default: object = "") -> object:
        """What was typed into `name`, or `default` (the form's usual value)."""
        if self.has(case_id, form) and name in self.values:
            return self.values[name]
        return default


NOTHING = Kept()


class _Store:
    def __init__(self) -> None:
        self.items: OrderedDict[str, tuple[float, Kept]] = OrderedDict()

    def put(self, kept: Kept) -> str:
        token = secrets.token_urlsafe(12)
        now = time.monotonic()
        with _lock:
            self.items[token] = (now + KEEP_SECONDS, kept)
            while len(self.items) > MAX_KEPT:
                self.items.popitem(last=False)
        return token

    def take(self, token: str) -> Kept:
        with _lock:
            expires, kept = self.items.pop(token, (0.0, NOTHING))
        return kept if expires > time.monotonic() else NOTHING


def _store(app: FastAPI) -> _Store:
    with _lock:
        store = getattr(app.state, "typed_store", None)
        if store is None:
            store = app.state.typed_store = _Store()
    return store


def keep(request: Request, case_id: int, form: str, values: dict[str, str]) -> None:
    """Keep `values` for the next page this session shows."""
    typed = {k: v for k, v in values.items() if v}
    if typed:
        request.session[_SESSION_KEY] = _store(request.app).put(Kept(case_id, form, typed))


def take(request: Request) -> Kept:
    """The kept values (once), or NOTHING."""
    token = request.session.pop(_SESSION_KEY, None) if _SESSION_KEY in request.session else None
    return _store(request.app).take(token) if isinstance(token, str) else NOTHING
