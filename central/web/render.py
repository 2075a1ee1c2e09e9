"""Server-side rendering: one Jinja environment, the page context every template gets, flashes.

Times are shown in Mỹ Tho's local time (the database keeps UTC), amounts with the language's
digit grouping, states and classes through the dictionary: nothing visible bypasses `t`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from central.notices import LOCAL_TZ, site_vi
from central.users import User
from central.web.auth import csrf_token, lang_of
from central.web.i18n import number, t, t_opt

TEMPLATES = Path(__file__).resolve().parent / "templates"

# (permission, path, label key): the navigation, filtered by what the user may see.
NAV = (
    ("cases.review", "/review", "nav.review"),
    ("cases.view", "/cases", "nav.cases"),
    ("cases.notice", "/notices", "nav.notices"),
    ("cameras.view", "/cameras", "nav.cameras"),
    ("quarantine.view", "/quarantine", "nav.quarantine"),
    ("report.view", "/report", "nav.report"),
    ("users.manage", "/users", "nav.users"),
    ("audit.view", "/audit", "nav.audit"),
)

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(("html", "svg")),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def local(moment: datetime | None, fmt: str = "%d/%m/%Y %H:%M:%S") -> str:
    """A stored UTC time as Mỹ Tho wall-clock time."""
    if moment is None:
        return "–"
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(LOCAL_TZ).strftime(fmt)


def ago(moment: datetime | None, lang: str, now: datetime | None = None) -> str:
    if moment is None:
        return "–"
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    seconds = max(0, int(((now or datetime.now(UTC)) - aware).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return t(f"ago.{unit}", lang, n=seconds // size)
    return t("ago.s", lang, n=seconds)


def flash(request: Request, kind: str, text: str) -> None:
    """A message shown once on the next page (kind: ok or error)."""
    request.session.setdefault("flash", []).append([kind, text])
    request.session["flash"] = request.session["flash"][-5:]


def page(
    request: Request,
    template: str,
    context: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a full page with what every template needs (user, language, token, navigation)."""
    lang = lang_of(request)
    user: User | None = getattr(request.state, "user", None)
    nav = [
        (path, t(label, lang), request.url.path.startswith(path))
        for perm, path, label in NAV
        if user is not None and user.can(perm)
    ]
    flashes = request.session.pop("flash", []) if "flash" in request.session else []
    base = {
        "request": request,
        "lang": lang,
        "other_lang": "en" if lang == "vi" else "vi",
        "t": partial(t, lang=lang),
        "label": partial(t_opt, lang=lang),
        "num": partial(number, lang=lang),
        "local": local,
        "site": site_vi if lang == "vi" else str,
        "ago": partial(ago, lang=lang),
        "user": user,
        "csrf": csrf_token(request),
        "nav": nav,
        "flashes": flashes,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    html = env.get_template(template).render(**base, **context)
    return HTMLResponse(html, status_code=status, headers=headers)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return page(request, "error.html", {"message": message}, status)
