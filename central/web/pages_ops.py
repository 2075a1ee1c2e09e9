"""The operations pages: notices due and escalation, camera health, quarantine, the weekly
report, users and the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.db import CONFIRMED, Quarantined
from central.notices import LOCAL_TZ, issuing_unit
from central.quarantine_quota import over_budget
from central.reports import Funnel, ReportError, render_csv, render_html
from central.users import (
    ROLES,
    AuditEntry,
    CameraHealth,
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
from central.web.charts import funnel, sparkline
from central.web.i18n import number, t
from central.web.queries import (
    escalated,
    notices_due,
    overdue_count,
    paged,
    quarantine_page,
    quarantine_reasons,
    recent_crossings,
    state_counts,
)
from central.web.render import flash, page
from central.web.report_cache import Cached, ReportCache

router = APIRouter()
STALE_AFTER = timedelta(minutes=2)  # a heartbeat older than this is flagged on the cameras page
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


@dataclass
class CameraRow:
    camera_id: str
    name: str
    status: str  # online | offline | unknown
    stale: bool
    heartbeat_at: datetime | None
    fps: float | None
    outbox: int | None
    today: int
    spark: str
    held: int  # bundles the centre quarantined, kept aside on the box
    refused: int  # receipts and signal phases the box refused as unsigned or forged
    overloaded: bool  # the worker sheds or drops frames: it cannot keep up
    lost_share: float  # frames dropped and shed over the worker's last minute, 0..1
    dead_letters: int  # violations the box kept without a bundle


@router.get("/cameras", response_class=HTMLResponse)
def cameras_page(
    request: Request,
    _user: Annotated[User, Depends(require("cameras.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> HTMLResponse:
    lang = lang_of(request)
    now = _now()
    names: dict[str, str] = request.app.state.cameras
    health = {h.camera_id: h for h in db.scalars(select(CameraHealth))}
    since = now - timedelta(hours=24)
    start_today = datetime.now(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    hours: dict[str, list[int]] = {}
    today: dict[str, int] = {}
    for camera, at in recent_crossings(db, since):
        aware = at if at.tzinfo else at.replace(tzinfo=UTC)
        slot = min(23, max(0, 23 - int((now - aware).total_seconds() // 3600)))
        hours.setdefault(camera, [0] * 24)[slot] += 1
        if aware >= start_today:
            today[camera] = today.get(camera, 0) + 1
    rows = []
    for camera in sorted(set(names) | set(health) | set(hours)):
        h = health.get(camera)
        beat = (h.last_heartbeat or {}) if h else {}
        status = "unknown" if h is None else ("online" if h.online else "offline")
        beat_at = h.last_heartbeat_at if h else None
        if beat_at is not None and beat_at.tzinfo is None:
            beat_at = beat_at.replace(tzinfo=UTC)
        counts = hours.get(camera, [0] * 24)
        rows.append(
            CameraRow(
                camera_id=camera,
                name=names.get(camera, ""),
                status=status,
                stale=status == "online" and (beat_at is None or now - beat_at > STALE_AFTER),
                heartbeat_at=beat_at,
                fps=h.fps if h else None,
                outbox=beat.get("outbox_depth"),
                today=today.get(camera, 0),
                spark=sparkline(counts, t("cameras.spark_label", lang, n=sum(counts))),
                held=int(beat.get("outbox_held") or 0),
                refused=int(beat.get("receipts_refused") or 0)
                + int(beat.get("signals_refused") or 0),
                overloaded=bool(beat.get("overloaded")),
                lost_share=float(beat.get("drop_ratio") or 0) + float(beat.get("shed_ratio") or 0),
                dead_letters=int(beat.get("bundles_failed") or 0),
            )
        )
    summary = {s: sum(1 for r in rows if r.status == s) for s in ("online", "offline", "unknown")}
    over = sorted(over_budget(db, now).items())
    return page(request, "cameras.html", {"rows": rows, "summary": summary, "over_quota": over})


@router.get("/quarantine", response_class=HTMLResponse)
def quarantine_list(
    request: Request,
    _user: Annotated[User, Depends(require("quarantine.view"))],
    db: Annotated[Session, Depends(get_db)],
    reason: Annotated[str, Query(max_length=32)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1,
) -> HTMLResponse:
    size = request.app.state.page_size
    context = {
        "page_": quarantine_page(db, page_no, size, reason or None),
        "reasons": quarantine_reasons(db),
        "params": {"reason": reason} if reason else {},
    }
    return page(request, "quarantine.html", context)


@router.get("/quarantine/{item_id}/download")
def quarantine_download(
    item_id: int,
    user: Annotated[User, Depends(require("quarantine.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    """The original bytes as received, for the IT team to examine."""
    row = db.get(Quarantined, item_id) if 0 < item_id < 2**31 else None
    if row is None:
        raise NotFound(f"quarantine item {item_id}")
    audit(db, user.username, "quarantine.download", str(item_id), {"sha256": row.sha256})
    db.commit()
    name = f"quarantine-{row.id}-{row.sha256[:12]}.bin"
    return Response(
        bytes(row.payload),
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


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
        "funnel_svg": funnel(steps),
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
