"""MQTT delivery for one camera worker: outbox → broker (QoS 1) → central → receipt → ack.

Exactly-once after de-duplication rests on three things: every bundle is on disk (`Outbox`)
before it is sent; it is only forgotten when the central service's receipt names its id and
the sha256 of the exact bytes; anything without a receipt is sent again after
`resend_after_s`, then after twice that, and so on up to `resend_max_s`, and everything is
sent again after a restart. The central service is
idempotent on violation_id, so resends cost bandwidth, never a second case.

paho-mqtt 2.x with MQTT 5: connect_async + loop_start, so an unreachable broker or a bad
password never raises into the camera pipeline; paho reconnects with exponential backoff
between `reconnect_min_s` and `reconnect_max_s`. Paho's callbacks only queue events; one
worker thread owns publishing and the outbox bookkeeping (PUBACKs and receipts applied in
batches, WAL checkpoints), so the network thread never waits on the disk. Mosquitto should
run with `set_tcp_nodelay true`: otherwise Nagle holds each forwarded bundle back ~40 ms.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from common.config.box import BrokerConfig, EdgeConfig
from common.mqtt import new_client, refusal_hint
from common.signing import Ed25519PublicKey, load_public_keys
from common.topics import (
    OFFLINE,
    ONLINE,
    Heartbeat,
    Receipt,
    SignalPhase,
    heartbeat_topic,
    receipt_topic,
    signal_topic,
    status_topic,
    violation_topic,
)
from edge.delivery.outbox import Outbox, OutboxItem

log = logging.getLogger(__name__)

_STATS = (
    "frames_in", "frames_processed", "frames_dropped", "frames_corrupt", "reconnects",
    "frames_shed", "drop_ratio", "shed_ratio", "cpu_cores", "overloaded", "frames_failed",
    "bundles_failed",
)  # fmt: skip
_COUNTERS = (
    "published acked held resent bad_receipts receipts_refused signals bad_signals connects"
    " connect_failures publish_refused"
).split()
_REFUSAL_LOG_S = 60.0  # unsigned receipts are logged at most once a minute (and all counted)
_CHECKPOINT_S = 1.0  # copy the WAL into the outbox file this often, off the put path
_OK = (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN)  # NO_CONN: paho queues


class Publisher:
    """Sends one camera's outbox to the broker and forgets bundles only on a matching receipt."""

    @classmethod
    def from_config(
        cls, edge: EdgeConfig, box: str, camera_id: str, outbox: Outbox, **hooks: Any
    ) -> Publisher:
        """The box's broker (its user name filled in), resend timing and heartbeat; `hooks`
        are the keyword callbacks and the signal feed of __init__."""
        return cls(
            edge.broker.for_camera(box, camera_id),
            camera_id,
            outbox,
            resend_after_s=edge.outbox.resend_after_s,
            resend_max_s=edge.outbox.resend_max_s,
            heartbeat_s=edge.heartbeat_s,
            receipt_keys=load_public_keys(edge.receipt_keys),
            **hooks,
        )

    def __init__(
        self,
        broker: BrokerConfig,
        camera_id: str,
        outbox: Outbox,
        *,
        resend_after_s: float,
        resend_max_s: float,
        heartbeat_s: float,
        receipt_keys: Mapping[str, Ed25519PublicKey],
        stats: Callable[[], dict[str, Any]] | None = None,
        signal_intersection: str | None = None,
        on_signal: Callable[[SignalPhase], None] | None = None,
        client_id: str | None = None,
        max_inflight: int = 64,
        session_expiry_s: int = 24 * 3600,
    ) -> None:
        self.broker, self.camera_id, self.outbox = broker, camera_id, outbox
        self.resend_after_s, self.heartbeat_s = resend_after_s, heartbeat_s
        self.resend_max_s = resend_max_s
        self.max_inflight, self.session_expiry_s = max_inflight, session_expiry_s
        self._window = max_inflight
        self._stats, self._on_signal = stats, on_signal
        self.receipt_keys = dict(receipt_keys)
        self._refusal_logged = -_REFUSAL_LOG_S
        self._topic = violation_topic(camera_id)
        self._status, self._beat = status_topic(camera_id), heartbeat_topic(camera_id)
        self._receipts = receipt_topic(camera_id)
        self._signals = signal_topic(signal_intersection) if signal_intersection else None
        self._where = f"camera {camera_id}: MQTT broker {broker.host}:{broker.port}"
        self._events: queue.SimpleQueue[tuple[str, Any, Any]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._inflight: dict[int, tuple[str, float]] = {}  # mid -> (violation_id, sent); worker
        self._counts = dict.fromkeys(_COUNTERS, 0)
        self._lock = threading.Lock()
        self._connected = self._stopping = False
        self._last_error: str | None = None
        self._last_violation_at: datetime | None = None
        self._flush_until = 0.0
        self._worker: threading.Thread | None = None
        # The broker names a session by its user where it binds the two; the same id here.
        self._client = self._make_client(client_id or broker.username or f"dendo-edge-{camera_id}")

    # --- public -----------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def last_error(self) -> str | None:
        """Why the last connection attempt failed (None once connected)."""
        return self._last_error

    def counters(self) -> dict[str, int]:
        """A snapshot: published, acked, resent, bad_receipts, signals, bad_signals, ..."""
        with self._lock:
            return dict(self._counts)

    published = property(lambda self: self.counters()["published"])
    acked = property(lambda self: self.counters()["acked"])
    resent = property(lambda self: self.counters()["resent"])
    bad_receipts = property(lambda self: self.counters()["bad_receipts"])

    def start(self) -> Publisher:
        """Connect in the background and start sending; never raises for network trouble."""
        self.outbox.requeue()  # what the previous process sent may never have arrived
        if depth := self.outbox.depth():
            log.info("camera %s: %d bundle(s) waiting in the outbox", self.camera_id, depth)
        props, b = Properties(PacketTypes.CONNECT), self.broker
        props.SessionExpiryInterval = self.session_expiry_s  # receipts wait for us at the broker
        self._client.connect_async(
            b.host, b.port, b.keepalive_s, clean_start=False, properties=props
        )
        self._client.loop_start()
        self._worker = threading.Thread(target=self._run, name=self.camera_id, daemon=True)
        self._worker.start()
        return self

    def submit(self, violation_id: str, payload: bytes) -> None:
        """Keep the bundle on disk (durable on return; OutboxFull if it can never fit), send it."""
        self.outbox.put(violation_id, self.camera_id, payload)
        self._last_violation_at = datetime.now(UTC)
        self._wake.set()

    def stop(self, flush_timeout_s: float = 5.0) -> None:
        """Send what is due (up to flush_timeout_s), announce `offline`, disconnect cleanly."""
        self._flush_until = time.monotonic() + flush_timeout_s
        self._stopping = True
        self._wake.set()
        if self._worker is not None:
            self._worker.join(flush_timeout_s + 5.0)
        if self._connected:
            try:
                self._client.publish(self._status, OFFLINE, qos=1, retain=True).wait_for_publish(2)
            except (RuntimeError, ValueError):
                log.warning("camera %s: could not announce offline", self.camera_id)
        self._client.disconnect()
        self._client.loop_stop()
        self._connected = False

    # --- paho set-up and callbacks (network thread: note, queue, return) --------------------

    def _make_client(self, client_id: str) -> mqtt.Client:
        b = self.broker
        client = new_client(b, client_id, where=self._where)
        client.will_set(self._status, OFFLINE, qos=1, retain=True)
        client.max_inflight_messages_set(self.max_inflight)
        client.on_connect, client.on_connect_fail = self._on_connect, self._on_connect_fail
        client.on_disconnect, client.on_publish = self._on_disconnect, self._on_publish
        client.on_message = self._on_message
        return client

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def _fail(self, message: str) -> None:
        self._count("connect_failures")
        if message != self._last_error:  # the same failure again: paho is backing off, be quiet
            log.error("%s", message)
        self._last_error = message

    def _on_connect(self, c: mqtt.Client, _u: Any, flags: Any, rc: ReasonCode, p: Any) -> None:
        if rc.is_failure:
            self._fail(f"{self._where} refused the connection: {rc}{refusal_hint(rc, self.broker)}"
                       " (retrying with backoff)")  # fmt: skip
            return
        # MQTT 5 flow control: never more unacknowledged publishes than the broker accepts
        self._window = min(self.max_inflight, getattr(p, "ReceiveMaximum", None) or 65535)
        self._connected, self._last_error = True, None
        # big bundles, small receipts: no Nagle waits (a TCP or TLS socket: the tcp transport)
        if isinstance(sock := c.socket(), socket.socket):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._count("connects")
        log.info("%s connected (session present: %s)", self._where, flags.session_present)
        c.publish(self._status, ONLINE, qos=1, retain=True)
        c.subscribe([(t, 1) for t in (self._receipts, self._signals) if t])
        self._wake.set()

    def _on_connect_fail(self, _c: mqtt.Client, _u: Any) -> None:
        self._fail(f"{self._where} unreachable (no TCP/TLS connection; retrying with backoff)")

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, rc: ReasonCode, _p: Any) -> None:
        was, self._connected = self._connected, False
        if was and not self._stopping:
            log.warning("%s connection lost (%s); reconnecting", self._where, rc)
        self._wake.set()

    def _on_publish(self, _c: mqtt.Client, _u: Any, mid: int, rc: ReasonCode, _p: Any) -> None:
        self._events.put(("puback", mid, rc))
        self._wake.set()

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        if msg.topic not in (self._receipts, self._signals):
            return  # left in a persistent session by an earlier configuration
        kind = "receipt" if msg.topic == self._receipts else "signal"
        try:
            parsed = (Receipt if kind == "receipt" else SignalPhase).from_bytes(msg.payload)
            if isinstance(parsed, SignalPhase) and msg.topic != signal_topic(parsed.intersection):
                raise ValueError(f"intersection {parsed.intersection} sent on {msg.topic}")
        except ValueError as exc:
            self._count(f"bad_{kind}s")
            log.warning("camera %s: bad %s message ignored: %s", self.camera_id, kind, exc)
            return
        if isinstance(parsed, Receipt):
            self._events.put(("receipt", parsed, None))
            self._wake.set()
            return
        self._count("signals")
        if self._on_signal is not None:
            try:
                self._on_signal(parsed)
            except Exception:
                log.exception("camera %s: on_signal failed for %s", self.camera_id, parsed)

    # --- the worker thread ------------------------------------------------------------------

    def _run(self) -> None:
        next_beat = next_checkpoint = 0.0
        while True:
            wait = min(0.5, next_beat - time.monotonic()) if self._connected else 0.5
            self._wake.wait(max(0.0, wait))
            self._wake.clear()
            try:
                self._drain()
                if self._stopping and self._flushed():
                    return
                if time.monotonic() >= next_checkpoint:
                    self.outbox.checkpoint()
                    next_checkpoint = time.monotonic() + _CHECKPOINT_S
                if self._connected:
                    self._send_due()
                    if time.monotonic() >= next_beat and not self._stopping:
                        self._heartbeat()
                        next_beat = time.monotonic() + self.heartbeat_s
            except Exception:  # a disk error must not end delivery for good: retry shortly
                log.exception("camera %s: publisher loop error", self.camera_id)
                time.sleep(1.0)

    def _due(self, limit: int) -> list[OutboxItem]:
        return self.outbox.due(
            time.time(), self.resend_after_s, limit, self._in_flight(), self.resend_max_s
        )

    def _in_flight(self) -> set[str]:
        return {vid for vid, _ in self._inflight.values()}

    def _flushed(self) -> bool:
        if not self._connected or time.monotonic() > self._flush_until:
            return True
        due = self._due(1)
        return not self._inflight and not due

    def _drain(self) -> None:
        """Apply queued PUBACKs and receipts, each kind in one transaction."""
        pubacks: list[str] = []
        receipts: list[Receipt] = []
        while True:
            try:
                kind, a, rc = self._events.get_nowait()
            except queue.Empty:
                break
            if kind == "receipt":
                receipts.append(a)
            elif (entry := self._inflight.pop(a, None)) is not None:  # else: a status message
                if rc.is_failure:
                    self._count("publish_refused")
                    log.error("%s refused bundle %s: %s", self._where, entry[0], rc)
                pubacks.append(entry[0])  # refused too: retry after resend_after_s, no spinning
        if pubacks:
            self.outbox.mark_published_many(pubacks, time.time())
            self._count("published", len(pubacks))
        matching: list[str] = []
        quarantined: list[tuple[str, str]] = []
        for r in receipts:
            if r.signer(self.receipt_keys) is None:
                self._refuse_receipt(r)
                continue
            held = self.outbox.sha256_of(r.violation_id)
            if r.camera_id != self.camera_id or (held is not None and held != r.sha256):
                self._count("bad_receipts")
                log.error(
                    "camera %s: receipt for %s (camera %s, sha256 %s) does not match the outbox"
                    " (sha256 %s): not acked, the bundle will be sent again",
                    *(self.camera_id, r.violation_id, r.camera_id, r.sha256, held),
                )
            elif held is not None and r.status == "quarantined":
                quarantined.append((r.violation_id, r.reason or "no reason given"))
                log.error(
                    "camera %s: the centre quarantined %s: %s; the bundle is kept aside in the"
                    " outbox until an operator releases or drops it (dendo-edge outbox)",
                    self.camera_id, r.violation_id, r.reason,
                )  # fmt: skip
            elif held is not None:  # None: already acked (a duplicate receipt)
                matching.append(r.violation_id)
        if matching:
            self._count("acked", self.outbox.ack_many(matching))
        if quarantined:
            self._count("held", self.outbox.hold_many(quarantined))

    def _refuse_receipt(self, r: Receipt) -> None:
        """An unsigned or wrongly signed receipt: counted, logged, and the bundle kept."""
        self._count("receipts_refused")
        if time.monotonic() - self._refusal_logged >= _REFUSAL_LOG_S:
            self._refusal_logged = time.monotonic()
            why = "unsigned" if r.signature is None else f"not signed by a centre key ({r.key_id})"
            log.error(
                "camera %s: receipt for %s refused: %s; the bundle stays in the outbox and is"
                " sent again (%d refused so far)",
                self.camera_id, r.violation_id, why, self.counters()["receipts_refused"],
            )  # fmt: skip

    def _send_due(self) -> None:
        now = time.monotonic()
        for mid, (_vid, sent) in list(self._inflight.items()):
            if now - sent > self.resend_after_s:  # no PUBACK for that long: stop waiting for it
                del self._inflight[mid]
        window = self._window - len(self._inflight)
        if window <= 0:
            return
        for item in self._due(window):
            info = self._client.publish(self._topic, item.payload, qos=1)
            if info.rc not in _OK:
                log.error("camera %s: publishing %s failed: %s", self.camera_id,
                          item.violation_id, mqtt.error_string(info.rc))  # fmt: skip
                return
            self._inflight[info.mid] = (item.violation_id, now)
            if item.attempts:
                self._count("resent")

    def _heartbeat(self) -> None:
        stats: dict[str, Any] = {}
        if self._stats is not None:
            try:
                stats = dict(self._stats())
            except Exception:
                log.exception("camera %s: stats() failed; heartbeat without them", self.camera_id)
        beat = Heartbeat(
            camera_id=self.camera_id,
            at=datetime.now(UTC),
            connected=self._connected,
            outbox_depth=self.outbox.depth(),
            outbox_bytes=self.outbox.size_bytes(),
            outbox_evicted=self.outbox.evicted(),
            outbox_held=self.outbox.held_count(),
            receipts_refused=self.counters()["receipts_refused"],
            signals_refused=int(stats.get("signals_refused", 0)),
            last_violation_at=stats.get("last_violation_at", self._last_violation_at),
            **{k: stats[k] for k in _STATS if k in stats},
        )
        self._client.publish(self._beat, beat.to_bytes(), qos=0)
