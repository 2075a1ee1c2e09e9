"""Each camera's state over time, as central.health stores the status and heartbeats it hears
(central.health_history), on SQLite and PostgreSQL: "offline since" survives the retained
status arriving again; a camera whose heartbeats arrive while its frame count stands still is
stalled, and turns online at the first heartbeat that moves it; the history lists every change
newest first and forgets what is older than a month. The messages go through apply_message,
the function the MQTT reader calls."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from central.health import apply_message
from central.health_history import (
    HISTORY_DAYS,
    STALL_AFTER,
    CameraEvent,
    CameraState,
    history,
)
from central.store import Store, open_store
from central.users import CameraHealth
from common.topics import Heartbeat, heartbeat_topic, status_topic

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
CAM = "MT-11"


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    with open_store(store_url, tmp_path / "evidence", fsync=False) as s:
        yield s


def status(store: Store, online: bool, at: datetime, camera: str = CAM) -> None:
    with store.sessions.begin() as s:
        apply_message(s, status_topic(camera), b"online" if online else b"offline", at)


def beat(store: Store, at: datetime, frames: int, frames_in: int | None = None) -> None:
    message = Heartbeat(camera_id=CAM, at=at, frames_in=frames if frames_in is None else frames_in,
                        frames_processed=frames, connected=True, outbox_depth=0, outbox_bytes=0,
                        outbox_evicted=0)  # fmt: skip
    with store.sessions.begin() as s:
        apply_message(s, heartbeat_topic(CAM), message.to_bytes(), at)


def state(store: Store) -> CameraState:
    with store.sessions() as s:
        row = s.get(CameraState, CAM)
        assert row is not None, f"no state stored for {CAM}"
        return row


def aware(moment: datetime | None) -> datetime:
    assert moment is not None, "a time that should be stored is missing"
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_offline_since_survives_the_retained_status_arriving_again(store: Store) -> None:
    status(store, True, T0)
    status(store, False, T0 + timedelta(hours=1))
    status(store, False, T0 + timedelta(hours=4))  # the reader restarted: the retained offline
    row = state(store)
    assert row.state == "offline" and aware(row.since) == T0 + timedelta(hours=1), (
        f"offline since {row.since}, not when it went offline (09:00)"
    )
    with store.sessions() as s:
        health = s.get(CameraHealth, CAM)
        assert health is not None and aware(health.status_at) == T0 + timedelta(hours=1)
        events = s.scalars(select(CameraEvent).where(CameraEvent.camera_id == CAM)).all()
    assert [e.state for e in events] == ["online", "offline"], "one event per change, no more"


@pytest.mark.parametrize(
    ("frames_in", "kind"),
    [
        ((500, 500, 500), "stream"),  # nothing arrives from the camera
        ((500, 800, 1100), "pipeline"),  # frames arrive, none is processed
    ],
)
def test_heartbeats_without_new_frames_are_a_stall_until_frames_move(
    store: Store, frames_in: tuple[int, ...], kind: str
) -> None:
    status(store, True, T0)
    beats = [T0 + timedelta(seconds=30 * i) for i in range(3)]  # edge.heartbeat_s: 30 s
    for at, seen in zip(beats[:2], frames_in, strict=False):
        beat(store, at, 500, seen)
        assert state(store).state == "online", f"stalled too early, at {at - T0}"
    beat(store, beats[2], 500, frames_in[2])  # two heartbeats later, the same frame count
    row = state(store)
    assert row.state == "stalled", f"{STALL_AFTER} without a new frame is not a stall"
    assert aware(row.since) == beats[2]
    moved = aware(row.fed_at) > aware(row.progressed_at)
    assert moved == (kind == "pipeline"), "frames arriving vs not: the two stalls differ"
    status(store, True, beats[2] + timedelta(seconds=5))  # a repeated online ends no stall
    assert state(store).state == "stalled"
    beat(store, beats[2] + timedelta(seconds=30), 520)
    assert state(store).state == "online", "frames moved again: online"


def test_a_worker_restart_counts_as_progress_not_a_stall(store: Store) -> None:
    status(store, True, T0)
    beat(store, T0, 9000)
    beat(store, T0 + timedelta(seconds=40), 9000)
    beat(store, T0 + timedelta(seconds=70), 12)  # restarted: its counters began again
    assert state(store).state == "online"
    assert aware(state(store).progressed_at) == T0 + timedelta(seconds=70)


def test_a_heartbeat_before_any_status_means_online(store: Store) -> None:
    beat(store, T0, 10)
    assert state(store).state == "online"
    with store.sessions() as s:
        assert [e.cause for e in s.scalars(select(CameraEvent))] == ["heartbeat"]


def test_the_history_lists_each_change_newest_first_and_forgets_old_ones(store: Store) -> None:
    status(store, True, T0 - timedelta(days=HISTORY_DAYS + 5))  # before the month kept
    status(store, False, T0 - timedelta(days=3))
    status(store, True, T0 - timedelta(days=2))
    status(store, False, T0 - timedelta(hours=6))
    with store.sessions() as s:
        spans = history(s, CAM, T0 - timedelta(days=7))
        kept = s.scalars(select(CameraEvent.at).where(CameraEvent.camera_id == CAM)).all()
    assert [(sp.state, sp.start) for sp in spans] == [
        ("offline", T0 - timedelta(hours=6)),
        ("online", T0 - timedelta(days=2)),
        ("offline", T0 - timedelta(days=3)),
    ], "the month-old online was pruned, so the history starts at the first offline"
    assert spans[0].end is None and spans[1].end == T0 - timedelta(hours=6)
    assert spans[1].seconds(T0) == 42 * 3600, "online from two days to six hours ago"
    assert spans[2].seconds(T0) == 24 * 3600, "offline for one day"
    assert len(kept) == 3, f"events older than {HISTORY_DAYS} days are pruned: {kept}"
