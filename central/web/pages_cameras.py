"""The cameras pages: the list with problems first (central.web.camera_rows) and one page per
camera (its latest frame with the calibration drawn over it, its online/offline history, the
outbox and what was dropped, its recent cases)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.db import Bundle, Case
from central.health_history import Span, history
from central.quarantine_quota import over_budget
from central.users import CameraHealth, User
from central.web.auth import NotFound, get_db, lang_of, require
from central.web.camera_rows import OUTBOX_BACKLOG, SORTS, STALE_AFTER, build_rows, sort_rows
from central.web.camera_rows import span_text as span_text
from central.web.camera_view import camera_config, picture_of
from central.web.render import page
from common.strict import IDENT_RE

router = APIRouter()
HISTORY_DAYS_SHOWN = 7
RECENT_CASES = 12


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/cameras", response_class=HTMLResponse)
def cameras_page(
    request: Request,
    _user: Annotated[User, Depends(require("cameras.view"))],
    db: Annotated[Session, Depends(get_db)],
    sort: Annotated[str, Query(max_length=16)] = "problems",
    desc: Annotated[int, Query(ge=0, le=1)] = 0,
    only: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    lang = lang_of(request)
    now = _now()
    rows = build_rows(db, request.app.state.cameras, now, lang)
    summary = {s: sum(1 for r in rows if r.status == s) for s in ("online", "offline", "unknown")}
    troubled = [r for r in rows if r.problems]
    shown = troubled if only == "problems" else rows
    sort = sort if sort in SORTS else "problems"
    context = {
        "rows": sort_rows(shown, sort, bool(desc), now),
        "summary": summary,
        "problem_count": len(troubled),
        "over_quota": sorted(over_budget(db, now).items()),
        "sort": sort,
        "desc": bool(desc),
        "only": only if only == "problems" else "",
        "sorts": SORTS,
        "now": now,
        "span": lambda seconds: span_text(seconds, lang),
        "backlog_limit": OUTBOX_BACKLOG,
        "late_minutes": int(STALE_AFTER.total_seconds() // 60),
    }
    return page(request, "cameras.html", context)


@dataclass(frozen=True)
class Strip:
    """One stretch of the history drawn on the strip: x and width in percent of the window."""

    state: str
    x: float
    w: float
    title: str


def _strip(spans: list[Span], start: datetime, now: datetime, lang: str) -> list[Strip]:
    total = (now - start).total_seconds()
    out = []
    for s in spans:
        a, b = max(s.start, start), min(s.end or now, now)
        if b <= a:
            continue
        x = (a - start).total_seconds() / total * 100
        w = (b - a).total_seconds() / total * 100
        out.append(
            Strip(
                s.state,
                round(x, 3),
                round(max(w, 0.2), 3),
                span_text((b - a).total_seconds(), lang),
            )
        )
    return out


def _time(value: Any) -> datetime | None:
    """A heartbeat's time (ISO text in the stored JSON), or None."""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _recent_cases(db: Session, camera_id: str) -> list[Any]:
    return list(
        db.execute(
            select(Case.id, Case.crossed_at, Case.plate_text, Case.state, Case.vehicle_class)
            .where(Case.camera_id == camera_id)
            .order_by(Case.crossed_at.desc(), Case.id.desc())
            .limit(RECENT_CASES)
        )
    )


@router.get("/cameras/{camera_id}", response_class=HTMLResponse)
def camera_page(
    camera_id: str,
    request: Request,
    _user: Annotated[User, Depends(require("cameras.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> HTMLResponse:
    lang = lang_of(request)
    names: dict[str, str] = request.app.state.cameras
    if not IDENT_RE.fullmatch(camera_id) or len(camera_id) > 16:
        raise NotFound(f"camera {camera_id[:20]!r}")
    health = db.get(CameraHealth, camera_id)
    known = camera_id in names or health is not None
    if (
        not known
        and db.scalar(select(Bundle.violation_id).where(Bundle.camera_id == camera_id)) is None
    ):
        raise NotFound(f"camera {camera_id}")
    now = _now()
    row = next(r for r in build_rows(db, {**names, camera_id: names.get(camera_id, "")}, now, lang)
               if r.camera_id == camera_id)  # fmt: skip
    cfg = camera_config(request.app.state.rules.config.cameras, camera_id)
    start = now - timedelta(days=HISTORY_DAYS_SHOWN)
    spans = history(db, camera_id, start)
    beat = (health.last_heartbeat or {}) if health else {}
    context = {
        "r": row,
        "cfg": cfg,
        "beat": beat,
        "last_violation": _time(beat.get("last_violation_at")),
        "pic": picture_of(db, camera_id, cfg, request.app.state.store.evidence),
        "spans": spans,
        "strip": _strip(spans, start, now, lang),
        "days_shown": HISTORY_DAYS_SHOWN,
        "cases": _recent_cases(db, camera_id),
        "now": now,
        "span": lambda seconds: span_text(seconds, lang),
        "backlog_limit": OUTBOX_BACKLOG,
    }
    return page(request, "camera.html", context)
