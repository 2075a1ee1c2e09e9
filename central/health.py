"""Camera health from MQTT: the retained online/offline status and the heartbeats, into the DB.

The operations centre needs to see a dead camera before a week's report shows a hole. Each edge
worker keeps a retained `online` on `dendo/v1/<camera>/status` (its last will says `offline`)
and sends a `Heartbeat` every few seconds; this subscriber stores the latest of each per camera
in `CameraHealth`, with frames per second worked out from two consecutive heartbeats, and
each change of state (online, offline, stalled: central.health_history) with its time, so the
cameras page can say since when and show the history. Messages are written by one worker
thread in small batches, never from paho's network thread.

    HealthMonitor(config.broker, store.sessions).start()  # ... .stop()
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from sqlalchemy.orm import Session, sessionmaker

from central.config import CollectorBrokerConfig
from central.health_history import note_heartbeat, note_status
from central.users import CameraHealth
from common.mqtt import new_client
from common.topics import OFFLINE, ONLINE, PREFIX, Heartbeat, camera_of

log = logging.getLogger(__name__)

STATUS_TOPIC = f"{PREFIX}/+/status"
HEARTBEAT_TOPIC = f"{PREFIX}/+/heartbeat"


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def record_status(session: Session, camera_id: str, online: bool, at: datetime) -> CameraHealth:
    """Store what the retained status topic says now; `status_at` is when it last changed (the
    same status again, as a restarted reader receives it, keeps the earlier time)."""
    row = session.get(CameraHealth, camera_id) or CameraHealth(camera_id=camera_id)
    if row.status_at is None or bool(row.online) != online:
        row.status_at = at
    row.online = online
    session.add(row)
    note_status(session, camera_id, online, at)
    return row


def record_heartbeat(session: Session, beat: Heartbeat, received_at: datetime) -> CameraHealth:
    """Store the heartbeat; fps from the frames processed since the previous one (None when the
    worker restarted and its counters went back, or the clock did)."""
    row = session.get(CameraHealth, beat.camera_id) or CameraHealth(
        camera_id=beat.camera_id, online=True
    )
    previous = row.last_heartbeat or {}
    try:
        before = Heartbeat.model_validate(previous) if previous else None
    except ValueError:
        before = None
    if before is not None:
        seconds = (beat.at - _aware(before.at)).total_seconds()
        frames = beat.frames_processed - before.frames_processed
        row.fps = round(frames / seconds, 2) if seconds > 0 and frames >= 0 else None
    row.last_heartbeat = beat.model_dump(mode="json", by_alias=True)
    row.last_heartbeat_at = received_at
    if row.status_at is None:  # no retained status seen yet: a heartbeat means it runs
        row.online = True
    session.add(row)
    note_heartbeat(session, beat.camera_id, beat.frames_in, beat.frames_processed, received_at,
                   status_known=row.status_at is not None)  # fmt: skip
    return row


def apply_message(
    session: Session,
    topic: str,
    payload: bytes,
    received_at: datetime,
    known: Collection[str] | None = None,
) -> str:
    """One status or heartbeat message into the session; returns what was done (for logs).

    Only for a camera of the city (`known`, when given) and, for a heartbeat, only about the
    camera whose topic it came on: the broker's ACL lets a box write its own cameras' topics
    alone, and this holds even if the ACL were wrong."""
    try:
        camera = camera_of(topic)
    except ValueError:
        return "ignored: not a camera topic"
    if known is not None and camera not in known:
        return f"ignored: {camera} is not a camera of the city"
    kind = topic.rsplit("/", 1)[1]
    if kind == "status":
        if payload not in (ONLINE, OFFLINE):
            return f"ignored: status {payload[:20]!r} is neither online nor offline"
        record_status(session, camera, payload == ONLINE, received_at)
        return f"{camera} {payload.decode()}"
    if kind == "heartbeat":
        try:
            beat = Heartbeat.from_bytes(payload)
        except ValueError as exc:
            return f"ignored: {exc}"
        if beat.camera_id != camera:
            return f"ignored: heartbeat of {beat.camera_id} on {topic}"
        record_heartbeat(session, beat, received_at)
        return f"{camera} heartbeat"
    return f"ignored: {kind}"


HEALTH_CLIENT_ID = "dendo-central-health"  # one health monitor (in the web process) per city


class HealthMonitor:
    """Subscribes to every camera's status and heartbeat and keeps CameraHealth current."""

    def __init__(
        self,
        broker: CollectorBrokerConfig,
        sessions: sessionmaker[Session],
        *,
        client_id: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        on_ready: Callable[[], None] | None = None,
        cameras: Collection[str] | None = None,
    ) -> None:
        """`cameras`: the city's camera ids; messages about any other are ignored."""
        self.cameras = frozenset(cameras) if cameras is not None else None
        self.client_id = client_id or HEALTH_CLIENT_ID
        self.broker = broker.for_client(self.client_id)
        self.sessions, self.clock, self._on_ready = sessions, clock, on_ready
        self._queue: queue.SimpleQueue[tuple[str, bytes, datetime] | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self.applied = 0
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        b = self.broker
        client = new_client(b, self.client_id, where="camera health")
        client.on_connect, client.on_message = self._on_connect, self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def _on_connect(self, c: mqtt.Client, _u: Any, _f: Any, rc: Any, _p: Any) -> None:
        if rc.is_failure:
            log.error("health: broker refused the connection: %s", rc)
            return
        c.subscribe([(STATUS_TOPIC, 1), (HEARTBEAT_TOPIC, 0)])

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, codes: Any, _p: Any) -> None:
        if any(code.is_failure for code in codes):
            log.error("health: subscription refused: %s", codes)
        elif self._on_ready is not None:
            self._on_ready()

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        self._queue.put((msg.topic, bytes(msg.payload), self.clock()))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            batch = [item]
            while not self._queue.empty() and len(batch) < 200:
                batch.append(self._queue.get())
            messages = [m for m in batch if m is not None]
            if messages:
                try:
                    with self.sessions.begin() as s:
                        for topic, payload, at in messages:
                            log.debug(
                                "health: %s", apply_message(s, topic, payload, at, self.cameras)
                            )
                    self.applied += len(messages)
                except Exception:  # the page shows stale data; the next message tries again
                    log.exception("health: could not store %d message(s)", len(messages))
            if None in batch:
                return

    def start(self) -> HealthMonitor:
        """Connect (in the background, reconnecting) and start storing."""
        self._worker = threading.Thread(target=self._run, name="camera-health", daemon=True)
        self._worker.start()
        self._client.connect_async(self.broker.host, self.broker.port, self.broker.keepalive_s)
        self._client.loop_start()
        return self

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
        self._queue.put(None)
        if self._worker is not None:
            self._worker.join(10)
