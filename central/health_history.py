"""Each camera's state over time: online, offline or stalled, since when, and every change.

`CameraHealth` (central.users) keeps only what was heard last, which cannot say since when a
camera is offline once the health reader restarts (the retained `offline` arrives again) nor
whether a worker that still sends heartbeats still reads frames. This module keeps, per
camera, its current state with the moment it began (`CameraState`) and one `CameraEvent` row
per change, written by central.health where the status and heartbeats are stored.

States:
- online: the retained status says so (or, before any status, a heartbeat arrived);
- offline: the retained status (or the broker's last will) says so;
- stalled: heartbeats keep arriving but the worker has processed no new frame for
  STALL_AFTER. A heartbeat comes every `edge.heartbeat_s` (30 s by default), so that is two
  heartbeats in a row with the same frame count: the camera's stream froze or the pipeline
  hangs, and no violation can be detected although the box looks alive. A worker restart
  (its counters go back) counts as progress. A stalled camera turns online again at the
  first heartbeat whose frame count moved.

Times are the centre's clock when the message arrived, never the box's (a box with a wrong
clock must not move "offline since"). Events older than HISTORY_DAYS are pruned as new ones
are written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, Index, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.db import Base, UtcDateTime

ONLINE, OFFLINE, STALLED = "online", "offline", "stalled"
STALL_AFTER = timedelta(seconds=60)
HISTORY_DAYS = 30


class CameraState(Base):
    """One camera's state now, since when, and the frame counts it was last judged by."""

    __tablename__ = "camera_state"
    camera_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime] = mapped_column(UtcDateTime())
    frames_in: Mapped[int | None] = mapped_column(BigInteger)  # at the last heartbeat
    frames_processed: Mapped[int | None] = mapped_column(BigInteger)
    progressed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # frames last moved
    fed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # frames_in last moved


class CameraEvent(Base):
    """One change of a camera's state (the page's online/offline history)."""

    __tablename__ = "camera_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16))
    cause: Mapped[str] = mapped_column(String(16))  # status | heartbeat

    __table_args__ = (Index("ix_camera_events_camera_at", "camera_id", "at"),)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _change(session: Session, row: CameraState, state: str, at: datetime, cause: str) -> None:
    if row.state == state:
        return
    row.state, row.since = state, at
    session.add(CameraEvent(camera_id=row.camera_id, at=at, state=state, cause=cause))
    horizon = at - timedelta(days=HISTORY_DAYS)
    session.execute(
        delete(CameraEvent).where(CameraEvent.camera_id == row.camera_id, CameraEvent.at < horizon)
    )


def _row(session: Session, camera_id: str) -> CameraState | None:
    return session.get(CameraState, camera_id)


def note_status(session: Session, camera_id: str, online: bool, at: datetime) -> CameraState:
    """The retained status (or the last will) said online or offline. `online` does not end a
    stall: a status repeated on reconnection says nothing about the frames."""
    row = _row(session, camera_id)
    state = ONLINE if online else OFFLINE
    if row is None:
        row = CameraState(camera_id=camera_id, state="", since=at)
        session.add(row)
    if not (online and row.state == STALLED):
        _change(session, row, state, at, "status")
    return row


def note_heartbeat(
    session: Session,
    camera_id: str,
    frames_in: int,
    frames_processed: int,
    at: datetime,
    status_known: bool,
) -> CameraState:
    """A heartbeat arrived at `at`: follow the frame counts, and start or end a stall.
    `status_known`: a retained status has been seen (else a heartbeat means online)."""
    row = _row(session, camera_id)
    if row is None:
        row = CameraState(camera_id=camera_id, state="", since=at)
        session.add(row)
    if row.frames_processed is None or frames_processed != row.frames_processed:
        row.progressed_at = at  # moved on, or the worker restarted and its counter went back
    if row.frames_in is None or frames_in != row.frames_in:
        row.fed_at = at
    row.frames_in, row.frames_processed = frames_in, frames_processed
    if not row.state and not status_known:
        _change(session, row, ONLINE, at, "heartbeat")
    progressed = _aware(row.progressed_at or at)
    if row.state == ONLINE and at - progressed >= STALL_AFTER:
        _change(session, row, STALLED, at, "heartbeat")
    elif row.state == STALLED and progressed == at:
        _change(session, row, ONLINE, at, "heartbeat")
    return row


@dataclass(frozen=True)
class Span:
    """One stretch of a state in a camera's history, `end` None while it lasts."""

    state: str
    start: datetime
    end: datetime | None
    cause: str

    def seconds(self, now: datetime) -> int:
        return int(((self.end or now) - self.start).total_seconds())


def history(session: Session, camera_id: str, since: datetime, limit: int = 200) -> list[Span]:
    """The camera's states from `since` on, newest first; the state it was in at `since`
    starts the list at its own beginning (which may be before `since`)."""
    events = list(
        session.scalars(
            select(CameraEvent)
            .where(CameraEvent.camera_id == camera_id, CameraEvent.at >= since)
            .order_by(CameraEvent.at.desc(), CameraEvent.id.desc())
            .limit(limit)
        )
    )
    before = session.scalars(
        select(CameraEvent)
        .where(CameraEvent.camera_id == camera_id, CameraEvent.at < since)
        .order_by(CameraEvent.at.desc(), CameraEvent.id.desc())
        .limit(1)
    ).first()
    if before is not None and len(events) < limit:
        events.append(before)
    spans: list[Span] = []
    end: datetime | None = None
    for e in events:
        spans.append(Span(e.state, _aware(e.at), end, e.cause))
        end = _aware(e.at)
    return spans


def states(session: Session) -> dict[str, CameraState]:
    return {s.camera_id: s for s in session.scalars(select(CameraState))}
