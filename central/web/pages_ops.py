"""The operations pages: notices due and escalation, the weekly report, users and the audit
trail (the cameras and the quarantine: central.web.pages_cameras, pages_quarantine)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.db import CONFIRMED
from central.notices import LOCAL_TZ, issuing_unit
from central.reports import Funnel, ReportError, render_csv, render_html
from central.users import (
    ROLES,
    AuditEntry,
    User,
    UserError,
    add_user,
    audit,
    end_sessions,
    list_users,
    set_active,
)
from central.web import actions
from central.web.auth import NotFound, get_db, lang_of, require
from central.web.charts import funnel
from central.web.i18n import number, t
from central.web.queries import escalated, notices_due, overdue_count, paged, state_counts
from central.web.render import flash, page
from central.web.report_cache import Cached, ReportCache

router = APIRouter()
WEEK_PATTERN = r"^(19|20|21)\d{2}-W(0[1-9]|[1-4]\d|5[0-3])$"


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/notices", response_class=HTMLResponse)
def notices_page(
    request: Request,
    user: Annotated[User, Depends(require("cases.notice"))],
    db: Annotated[Session, Depends(get_db)],
    page_no: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1,
) -> HTMLResponse:
    now = _now()
    size = request.app.state.page_size
    context = {
        "due": notices_due(db, page_no, size),
        "escalated": escalated(db, 1, 10),
        "overdue": overdue_count(db, now),
        "awaiting": state_counts(db, (CONFIRMED,))[CONFIRMED],
        "now": now,
        "can_escalate": user.can("cases.escalate"),
    }
    return page(request, "notices.html", context)


@router.post("/notices/escalate")
def escalate_form(
    request: Request,
    user: Annotated[User, Depends(require("cases.escalate"))],
    db: Annotated[Session, Depends(get_db)],
) -> RedirectResponse:
    ids = actions.escalate_overdue(db, user)
    db.commit()
    flash(request, "ok", t("done.escalated", lang_of(request), n=len(ids)))
    return RedirectResponse("/notices", 303)


def current_week() -> str:
    year, week, _ = datetime.now(LOCAL_TZ).isocalendar()
    return f"{year}-W{week:02d}"


def _report(request: Request, db: Session, week: str, *, fresh: bool = True) -> Cached:
    cache: ReportCache = request.app.state.report_cache
    try:
        return cache.get(db, week or current_week(), request.app.state.cameras, fresh=fresh)
    except (ReportError, ValueError) as exc:  # parse_week raises ValueError for year 0
        raise NotFound(str(exc)) from None


FUNNEL_STEPS = ("detected", "rejected", "notices", "fined", "paid", "escalated")


@router.get("/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    _user: Annotated[User, Depends(require("report.view"))],
    db: Annotated[Session, Depends(get_db)],
    week: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    lang = lang_of(request)
    cached = _report(request, db, week, fresh=False)
    report = cached.report
    total: Funnel = report.total
    steps = [
        (t(f"funnel.{s}", lang), getattr(total, s), number(getattr(total, s), lang=lang))
        for s in FUNNEL_STEPS
    ]
    context = {
        "r": report,
        "made_at": cached.made_at,
        "stale": cached.stale,
        "funnel_svg": funnel(steps, percent=lambda p: number(p, 1, lang=lang) + " %"),
        "fields": [f.name for f in fields(Funnel)],
    }
    return page(request, "report.html", context)


@router.get("/report.csv")
def report_csv(
    request: Request,
    user: Annotated[User, Depends(require("report.view"))],
    db: Annotated[Session, Depends(get_db)],
    week: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    report = _report(request, db, week).report
    audit(db, user.username, "report.csv", report.week)
    db.commit()
    return Response(
        render_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="report-{report.week}.csv"'},
    )


@router.get("/report/print", response_class=HTMLResponse)
def report_print(
    request: Request,
    _user: Annotated[User, Depends(require("report.view"))],
    db: Annotated[Session, Depends(get_db)],
    week: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    """The filed report (central.reports), self-contained, to print or save."""
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    unit = issuing_unit(request.app.state.rules.config)
    html = render_html(_report(request, db, week).report, unit)
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})


@router.get("/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    _user: Annotated[User, Depends(require("users.manage"))],
    db: Annotated[Session, Depends(get_db)],
) -> HTMLResponse:
    return page(request, "users.html", {"users": list_users(db), "roles": ROLES})


def _change_users(
    request: Request, db: Session, change: Callable[[], str], done_key: str
) -> RedirectResponse:
    """Run one change to the users, commit it and say so, or roll it back and say why."""
    lang = lang_of(request)
    try:
        name = change()
        db.commit()
        flash(request, "ok", t(done_key, lang, name=name))
    except UserError as exc:
        db.rollback()
        flash(request, "error", t("refused", lang, reason=str(exc)))
    return RedirectResponse("/users", 303)


@router.post("/users")
def users_add(
    request: Request,
    user: Annotated[User, Depends(require("users.manage"))],
    db: Annotated[Session, Depends(get_db)],
    username: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:
    def change() -> str:
        return add_user(db, username, password, role, user.username).username

    return _change_users(request, db, change, "users.added")


@router.post("/users/{username}/active")
def users_active(
    username: str,
    request: Request,
    user: Annotated[User, Depends(require("users.manage"))],
    db: Annotated[Session, Depends(get_db)],
    active: Annotated[str, Form(max_length=1)] = "",
) -> RedirectResponse:
    def change() -> str:
        return set_active(db, username, active == "1", user.username).username

    return _change_users(request, db, change, "users.changed")


@router.post("/users/{username}/sessions")
def users_end_sessions(
    username: str,
    request: Request,
    user: Annotated[User, Depends(require("users.manage"))],
    db: Annotated[Session, Depends(get_db)],
) -> RedirectResponse:
    """Sign the user out on every device (their own too, when a supervisor picks themself)."""

    def change() -> str:
        return end_sessions(db, username, user.username).username

    return _change_users(request, db, change, "users.sessions_ended")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    _user: Annotated[User, Depends(require("audit.view"))],
    db: Annotated[Session, Depends(get_db)],
    page_no: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1,
) -> HTMLResponse:
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    count = select(func.count(AuditEntry.id))
    entries = paged(db, query, count, page_no, request.app.state.page_size)
    return page(request, "audit.html", {"page_": entries})
