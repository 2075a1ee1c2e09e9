"""The cameras list: one row per camera from what the centre heard, each camera's problems,
and the order that puts them first.

Problems, most urgent first (the list's default order):
1. offline: the retained status (or the last will) says so; longest offline first, with the
   time it went offline and for how long;
2. stalled: heartbeats arrive but no new frame has been processed for
   central.health_history.STALL_AFTER (the stream froze, or the pipeline hangs);
3. heartbeat late: online by its status, but no heartbeat for STALE_AFTER;
4. outbox backlog: more than OUTBOX_BACKLOG bundles wait on the box for their receipt,
   largest first. A box keeps a bundle only until the centre's receipt arrives, seconds after
   it is sent, and a camera makes a few violations a minute at most: ten waiting means the
   bundles have not been getting through for minutes;
5. warnings: bundles lost from the outbox (evicted on a full disk), held after quarantine,
   refused receipts or signal phases, overloaded, violations without a bundle.
Then the healthy cameras, then those never heard from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.health_history import OFFLINE, STALLED, CameraState, states
from central.notices import LOCAL_TZ
from central.users import CameraHealth
from central.web.charts import sparkline
from central.web.i18n import t
from central.web.queries import recent_crossings

STALE_AFTER = timedelta(minutes=2)  # a heartbeat older than this is flagged
OUTBOX_BACKLOG = 10  # bundles waiting on the box above this are a backlog
SORTS = ("problems", "camera", "name", "status", "heartbeat", "fps", "outbox", "today")

# rank: the order of the default sort
OFFLINE_RANK, STALLED_RANK, LATE_RANK, BACKLOG_RANK, WARN_RANK, OK_RANK, UNKNOWN_RANK = range(7)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def span_text(seconds: float, lang: str) -> str:
    """A duration as people say it: 2 ngày 3 giờ, 5 giờ 12 phút, 12 phút, 40 giây."""
    s = max(0, int(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return t("span.d_h", lang, d=days, h=hours) if hours else t("span.d", lang, d=days)
    if hours:
        return t("span.h_m", lang, h=hours, m=minutes) if minutes else t("span.h", lang, h=hours)
    return t("span.m", lang, m=minutes) if minutes else t("span.s", lang, s=secs)


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
    evicted: int = 0  # bundles the outbox dropped (disk full): evidence lost
    since: datetime | None = None  # offline or stalled since
    stalled: bool = False
    stall_kind: str = ""  # stream (no frames arrive) | pipeline (frames arrive, none processed)
    backlog: bool = False
    problems: list[str] = field(default_factory=list)  # offline, stalled, late, backlog, warn
    rank: int = OK_RANK

    def since_seconds(self, now: datetime) -> float:
        return (now - self.since).total_seconds() if self.since else 0.0


def _judge(row: CameraRow, state: CameraState | None, h: CameraHealth | None) -> None:
    """The row's problems and rank from its health and state."""
    if row.status == "offline":
        row.since = _aware(state.since) if state and state.state == OFFLINE else None
        row.since = row.since or _aware(h.status_at if h else None)
        row.problems.append("offline")
    if row.status == "online" and state is not None and state.state == STALLED:
        row.stalled, row.since = True, _aware(state.since)
        fed, moved = _aware(state.fed_at), _aware(state.progressed_at)
        row.stall_kind = "pipeline" if fed and moved and fed > moved else "stream"
        row.problems.append("stalled")
    if row.stale:
        row.problems.append("late")
    if row.backlog:
        row.problems.append("backlog")
    warned = (row.evicted, row.held, row.refused, row.overloaded, row.dead_letters)
    if any(warned):
        row.problems.append("warn")
    ranks = {"offline": OFFLINE_RANK, "stalled": STALLED_RANK,
             "late": LATE_RANK, "backlog": BACKLOG_RANK,
             "warn": WARN_RANK}  # fmt: skip
    if row.problems:
        row.rank = min(ranks[p] for p in row.problems)
    elif row.status == "unknown":
        row.rank = UNKNOWN_RANK


def build_rows(db: Session, names: dict[str, str], now: datetime, lang: str) -> list[CameraRow]:
    """Every camera of the city, or heard from, with its figures and problems (unsorted)."""
    health = {h.camera_id: h for h in db.scalars(select(CameraHealth))}
    known = states(db)
    start_today = datetime.now(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    hours: dict[str, list[int]] = {}
    today: dict[str, int] = {}
    for camera, at in recent_crossings(db, now - timedelta(hours=24)):
        aware = _aware(at) or now
        slot = min(23, max(0, 23 - int((now - aware).total_seconds() // 3600)))
        hours.setdefault(camera, [0] * 24)[slot] += 1
        if aware >= start_today:
            today[camera] = today.get(camera, 0) + 1
    rows = []
    for camera in sorted(set(names) | set(health) | set(hours)):
        h = health.get(camera)
        beat: dict[str, Any] = (h.last_heartbeat or {}) if h else {}
        status = "unknown" if h is None else ("online" if h.online else "offline")
        beat_at = _aware(h.last_heartbeat_at) if h else None
        counts = hours.get(camera, [0] * 24)
        outbox = beat.get("outbox_depth")
        row = CameraRow(
            camera_id=camera,
            name=names.get(camera, ""),
            status=status,
            stale=status == "online" and (beat_at is None or now - beat_at > STALE_AFTER),
            heartbeat_at=beat_at,
            fps=h.fps if h else None,
            outbox=outbox,
            today=today.get(camera, 0),
            spark=sparkline(counts, t("cameras.spark_label", lang, n=sum(counts))),
            held=int(beat.get("outbox_held") or 0),
            refused=int(beat.get("receipts_refused") or 0) + int(beat.get("signals_refused") or 0),
            overloaded=bool(beat.get("overloaded")),
            lost_share=float(beat.get("drop_ratio") or 0) + float(beat.get("shed_ratio") or 0),
            dead_letters=int(beat.get("bundles_failed") or 0),
            evicted=int(beat.get("outbox_evicted") or 0),
            backlog=outbox is not None and int(outbox) > OUTBOX_BACKLOG,
        )
        _judge(row, known.get(camera), h)
        rows.append(row)
    return rows


def _by(key: str, now: datetime) -> Callable[[CameraRow], tuple[Any, ...]]:
    """The sort key of column `key`; rows without a value go last either way (see sort_rows)."""
    far = datetime.max.replace(tzinfo=UTC)
    keys: dict[str, Callable[[CameraRow], tuple[Any, ...]]] = {
        "problems": lambda r: (
            r.rank,
            -r.since_seconds(now) if r.rank in (OFFLINE_RANK, STALLED_RANK) else 0,
            -(r.outbox or 0) if r.rank == BACKLOG_RANK else 0,
            r.camera_id,
        ),
        "camera": lambda r: (r.camera_id,),
        "name": lambda r: (r.name, r.camera_id),
        "status": lambda r: (("offline", "online", "unknown").index(r.status), r.camera_id),
        "heartbeat": lambda r: (r.heartbeat_at or far, r.camera_id),
        "fps": lambda r: (r.fps if r.fps is not None else float("inf"), r.camera_id),
        "outbox": lambda r: (r.outbox if r.outbox is not None else -1, r.camera_id),
        "today": lambda r: (r.today, r.camera_id),
    }
    return keys[key if key in keys else "problems"]


def sort_rows(rows: list[CameraRow], key: str, desc: bool, now: datetime) -> list[CameraRow]:
    return sorted(rows, key=_by(key, now), reverse=desc)
