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
from central.web import typed
from central.web.auth import csrf_token, lang_of
from central.web.codes import template_helpers
from central.web.i18n import M, number, t, t_opt

TEMPLATES = Path(__file__).resolve().parent / "templates"

# (permission, path, label key): the navigation, filtered by what the user may see.
NAV = (
    ("cases.review", "/review", "nav.review"),
    ("cases.view", "/cases", "nav.cases"),
    ("cases.notice", "/notices", "nav.notices"),
    ("cases.notice", "/registry", "nav.registry"),
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


def flash(request: Request, kind: str, text: str, link: tuple[str, str] | None = None) -> None:
    """A message shown once on the next page (kind: ok or error), with a link (href, label)
    to where the fix is made."""
    entry = [kind, text, *(link or ())]
    request.session.setdefault("flash", []).append(entry)
    request.session["flash"] = request.session["flash"][-5:]


def _flashes(request: Request) -> list[tuple[str, str, tuple[str, str] | None]]:
    """The session's flashes, once, as (kind, text, link or None)."""
    raw = request.session.pop("flash", []) if "flash" in request.session else []
    out = []
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, list) and len(entry) in (2, 4):
            link = (str(entry[2]), str(entry[3])) if len(entry) == 4 else None
            out.append((str(entry[0]), str(entry[1]), link))
    return out


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
        "flashes": _flashes(request),
        "kept": typed.take(request),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    base.update(template_helpers(lang))  # codes said in the language: actor(x), facts(d), …
    html = env.get_template(template).render(**base, **context)
    return HTMLResponse(html, status_code=status, headers=headers)


def error_page(
    request: Request,
    status: int,
    message: str,
    *,
    title: str | None = None,
    case_id: int | None = None,
    link: tuple[str, str] | None = None,
) -> HTMLResponse:
    """An HTML page in the page's language saying what went wrong (never plain text), with
    the way back: the case it concerns, else the start page."""
    lang = lang_of(request)
    key = f"error.t{status}"
    heading = title or (t(key, lang) if key in M else t("error.title", lang))
    context = {
        "message": message,
        "heading": heading,
        "status": status,
        "case_id": case_id,
        "link": link,
    }
    return page(request, "error.html", context, status)
