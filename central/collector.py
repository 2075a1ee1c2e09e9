"""The collector (`dendo-central serve`): MQTT in, verified ingest, receipt out, then the ack.

A bundle is acknowledged to the broker only after its rows are committed and its receipt has
been handed to paho, so a crash at any moment loses nothing: what was not acked is redelivered
(persistent MQTT 5 session: clean_start False, a long session expiry, a fixed client id per
instance) and the ingest is idempotent, so a redelivery becomes a "duplicate" receipt. paho's
`manual_ack=True` keeps its automatic PUBACK from running ahead of the database.

paho's network thread only queues messages; one worker thread takes them in batches (up to
`batch_max`), ingests each batch in one transaction, publishes the receipts (QoS 1) and acks in
the order received, as MQTT asks. The next batch's checks (signatures, JPEG decoding, on a few
threads) run while the current batch's files and rows are written.
Receive Maximum bounds how many unacked bundles the broker hands this instance at once.
Instances share the load through the shared subscription `$share/central/...`; each needs its
own client id (`--client-id`), and should come back after a crash to reclaim its session.

A database outage leaves the batch unacked and retried with backoff; SIGTERM/SIGINT finish the
current batch and disconnect, leaving anything else queued at the broker.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import queue
import signal
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy.exc import OperationalError

from central import cases
from central.config import CollectorBrokerConfig, ConfigError, load_central_config
from central.db import MERGED
from central.ingest import Ingestor
from central.ingest_rules import Checked
from central.store import Store
from common.mqtt import new_client, refusal_hint
from common.signing import Ed25519PrivateKey
from common.topics import CENTRAL_SUBSCRIPTION, receipt_topic

log = logging.getLogger(__name__)

_QUEUED = (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN)  # NO_CONN: paho keeps it
_STATS_EVERY_S = 60.0


class Collector:
    """One collector instance: subscribe, ingest in batches, receipt, ack."""

    def __init__(
        self,
        broker: CollectorBrokerConfig,
        ingestor: Ingestor,
        receipt_key: Ed25519PrivateKey,
        *,
        client_id: str | None = None,
        batch_max: int = 32,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.client_id = client_id or broker.client_id
        self.broker, self.ingestor, self.batch_max = (
            broker.for_client(self.client_id),
            ingestor,
            batch_max,
        )
        self._on_ready = on_ready
        self.receipt_key = receipt_key  # every receipt is signed: edges believe no other
        self._queue: queue.SimpleQueue[tuple[int, mqtt.MQTTMessage]] = queue.SimpleQueue()
        self._generation = 0  # connection count: a mid is only acked on its own connection
        self._ready = False
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self._last_receipt: mqtt.MQTTMessageInfo | None = None
        self.failed = False  # the worker died: serve_main exits non-zero
        counters = (
            "received stored duplicate quarantined unanswered acked stale retries redelivered"
        )
        self.counts = dict.fromkeys(counters.split(), 0)
        self._down_since: float | None = None  # monotonic start of a broker outage
        self._client = self._make_client()

    # --- paho ---------------------------------------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        b = self.broker
        client = new_client(b, self.client_id, where="collector", manual_ack=True)
        client.max_inflight_messages_set(100)  # our receipts awaiting PUBACK
        client.on_connect, client.on_subscribe = self._on_connect, self._on_subscribe
        client.on_message, client.on_disconnect = self._on_message, self._on_disconnect
        client.on_connect_fail = lambda *_: self._unreachable()
        return client

    def _unreachable(self) -> None:
        """Said once per outage, not at every backoff step; `_on_connect` says it is over."""
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.error("broker %s:%d unreachable; retrying every %g s at most",
                      self.broker.host, self.broker.port, self.broker.reconnect_max_s)  # fmt: skip

    def _on_connect(self, c: mqtt.Client, _u: Any, flags: Any, rc: ReasonCode, _p: Any) -> None:
        if rc.is_failure:
            log.error("broker %s:%d refused the connection: %s%s", self.broker.host,
                      self.broker.port, rc, refusal_hint(rc, self.broker))  # fmt: skip
            return
        if self._down_since is not None:
            log.info("broker back after %.0f s", time.monotonic() - self._down_since)
            self._down_since = None
        self._generation += 1
        if isinstance(sock := c.socket(), socket.socket):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        log.info(
            "connected to %s:%d as %s (session present: %s)",
            self.broker.host,
            self.broker.port,
            self.client_id,
            flags.session_present,
        )
        c.subscribe(CENTRAL_SUBSCRIPTION, qos=1)  # again each time: the broker may have lost it

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, codes: Any, _p: Any) -> None:
        if codes and codes[0].is_failure:
            log.error("subscribing to %s refused: %s", CENTRAL_SUBSCRIPTION, codes[0])
        elif not self._ready:
            self._ready = True
            log.info("subscribed to %s", CENTRAL_SUBSCRIPTION)
            if self._on_ready is not None:
                self._on_ready()

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        self._queue.put((self._generation, msg))

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, rc: ReasonCode, _p: Any) -> None:
        if not self._stopping.is_set():
            log.warning("connection to the broker lost (%s); reconnecting", rc)
            self._down_since = time.monotonic()

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Collector:
        """Connect in the background (paho retries with backoff) and start the worker."""
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.broker.session_expiry_s
        props.ReceiveMaximum = self.broker.receive_maximum
        self._client.connect_async(
            self.broker.host,
            self.broker.port,
            self.broker.keepalive_s,
            clean_start=False,
            properties=props,
        )
        self._client.loop_start()
        self._worker = threading.Thread(target=self._run, name="collector", daemon=True)
        self._worker.start()
        return self

    def stop(self, timeout_s: float = 30.0) -> None:
        """Finish the batch in hand, then disconnect; what is still queued stays unacked."""
        self._stopping.set()
        if self._worker is not None:
            self._worker.join(timeout_s)
        if self._last_receipt is not None:  # let the broker have the last receipts first
            with contextlib.suppress(RuntimeError, ValueError):
                self._last_receipt.wait_for_publish(5.0)
        self._client.disconnect()
        self._client.loop_stop()

    # --- the worker -----------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException:  # a bug, not an outage: let the service manager restart us
            log.exception("collector worker failed; stopping (unacked bundles are redelivered)")
            self.failed = True

    def _loop(self) -> None:
        """Two batches at a time: the next one's checks (CPU) run on a helper thread while this
        one's files and rows are written (disk); receipts and acks keep the arrival order."""
        next_stats = time.monotonic() + _STATS_EVERY_S
        ahead: tuple[list[tuple[int, mqtt.MQTTMessage]], Future[list[Checked]]] | None = None
        with ThreadPoolExecutor(1, "collector-check") as checker:
            while True:
                stopping = self._stopping.is_set()
                batch = [] if stopping else self._take(wait=ahead is None)
                messages = [(bytes(m.payload), m.topic) for _, m in batch]
                nxt = (batch, checker.submit(self.ingestor.check_many, messages)) if batch else None
                if ahead is not None:
                    self._finish(*ahead)
                ahead = nxt
                if stopping and ahead is None:
                    return
                if time.monotonic() >= next_stats:
                    log.info("collector %s: %s", self.client_id, self.counts)
                    next_stats = time.monotonic() + _STATS_EVERY_S

    def _take(self, wait: bool) -> list[tuple[int, mqtt.MQTTMessage]]:
        """Up to batch_max queued messages (waiting a moment for the first when `wait`)."""
        batch: list[tuple[int, mqtt.MQTTMessage]] = []
        try:
            batch.append(self._queue.get(timeout=0.2) if wait else self._queue.get_nowait())
            while len(batch) < self.batch_max:
                batch.append(self._queue.get_nowait())
        except queue.Empty:
            pass
        return batch

    def _finish(
        self, batch: list[tuple[int, mqtt.MQTTMessage]], checks: Future[list[Checked]] | None
    ) -> None:
        """Record a checked batch, then send its receipts and acks; retry while the database
        or the disk fails (nothing is acked meanwhile, so nothing is lost)."""
        self.counts["received"] += len(batch)
        self.counts["redelivered"] += sum(1 for _, m in batch if m.dup)
        delay = 1.0
        while True:
            try:
                if checks is not None:
                    checked = checks.result()
                else:
                    checked = self.ingestor.check_many(
                        [(bytes(m.payload), m.topic) for _, m in batch]
                    )
                receipts = self.ingestor.record(checked)
                break
            except Exception:
                checks = None  # check again on retry: a failed record may have half-used them
                self.counts["retries"] += 1
                log.exception(
                    "ingest of %d message(s) failed; not acknowledged, retrying in %.0f s",
                    len(batch),
                    delay,
                )
                if self._stopping.wait(delay):
                    return  # unacked: the broker redelivers them to this session later
                delay = min(delay * 2, 30.0)
        for (generation, msg), receipt in zip(batch, receipts, strict=True):
            if receipt is None:
                self.counts["unanswered"] += 1
            else:
                self.counts[receipt.status] += 1
                signed = receipt.signed_with(self.receipt_key).to_bytes()
                info = self._client.publish(receipt_topic(receipt.camera_id), signed, qos=1)
                self._last_receipt = info
                if info.rc not in _QUEUED:
                    log.error(
                        "receipt for %s not sent (%s): bundle left unacknowledged",
                        receipt.violation_id,
                        mqtt.error_string(info.rc),
                    )
                    continue
            if generation != self._generation:
                self.counts["stale"] += 1  # that connection is gone; the broker redelivers
                continue
            self._client.ack(msg.mid, msg.qos)
            self.counts["acked"] += 1


def triage(store: Store, window_min: float) -> None:
    """New cases go to the review queue (duplicates merged) as soon as they are stored."""
    try:
        with store.sessions() as session, session.begin():
            moved = cases.triage(session, window_min)
        if moved:
            merged = sum(1 for c in moved if c.state == MERGED)
            log.info(
                "%d new case(s) to review, %d merged as duplicates", len(moved) - merged, merged
            )
    except Exception:  # the database hiccuped: the next round tries again
        log.exception("triage of new cases failed; retrying")


def serve_main(
    config_path: str | Path,
    *,
    client_id: str | None = None,
    ready: Callable[[], None] | None = None,
    health: bool = True,
) -> int:
    """Run the collector until SIGTERM/SIGINT; returns the exit code (2: unusable config).

    `health`: also store the cameras' status and heartbeats (central.health), so the cameras
    page does not depend on the web server. One process should: the health reader is one
    broker user with one session, so with several collectors the others run without it."""
    from central.health import HealthMonitor
    from central.keys import KeyRegistryError, KeyRing, sync_config_keys
    from central.quarantine_quota import Budget
    from central.store import open_store
    from common.config.city import load_config
    from common.logs import setup_logging
    from common.signing import KeyFileError, load_private_key

    setup_logging()
    try:
        config = load_central_config(config_path)
        cameras = load_config(config.cameras) if config.cameras else None
        store = open_store(config.resolved_database_url(), config.evidence_dir)
    except ConfigError as exc:
        log.error("cannot start: %s", exc)
        return 2
    except OperationalError as exc:  # the database is down or refuses us: systemd retries
        log.error("cannot start: the database does not answer: %s", exc.orig)
        return 1
    try:
        sync_config_keys(store.sessions, [(k.box, k.pem_file) for k in config.keys])
        receipt_key = load_private_key(config.receipt_key_file)
    except (KeyFileError, KeyRegistryError) as exc:
        log.error("cannot start: keys in %s: %s", config_path, exc)
        store.close()
        return 2
    ingestor = Ingestor(
        store,
        KeyRing(store.sessions, cameras),
        future_tolerance=timedelta(seconds=config.ingest.future_tolerance_s),
        max_age=timedelta(days=config.ingest.max_age_days),
        workers=config.ingest.workers,
        quota=Budget.from_config(
            config.ingest.quarantine_mb_per_hour, config.ingest.quarantine_count_per_hour
        ),
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    collector = Collector(
        config.broker,
        ingestor,
        receipt_key,
        client_id=client_id,
        batch_max=config.ingest.batch_max,
        on_ready=ready,
    ).start()
    known = {c.id for c in cameras.cameras} if cameras else None
    monitor = (
        HealthMonitor(config.broker, store.sessions, cameras=known).start() if health else None
    )
    log.info(
        "collector %s serving; database %s, evidence %s; camera health %s",
        collector.client_id,
        store.engine.url.render_as_string(hide_password=True),
        config.evidence_dir,
        f"stored (as {monitor.client_id})" if monitor else "left to another process",
    )
    while not stop.wait(1.0) and not collector.failed:
        triage(store, config.duplicate_window_minutes)
    log.info("stopping: finishing the current batch")
    if monitor is not None:
        monitor.stop()
    collector.stop()
    ingestor.close()
    store.close()
    log.info("stopped: %s", collector.counts)
    return 1 if collector.failed else 0


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """`serve` for dendo-central: `dendo-central serve --config configs/central.yaml`."""
    serve = subparsers.add_parser("serve", help="run the collector: MQTT in, database, receipts")
    serve.add_argument("--config", type=Path, default=Path("configs/central.yaml"))
    serve.add_argument("--client-id", help="this instance's MQTT client id (one per instance)")
    serve.add_argument(
        "--no-health",
        dest="health",
        action="store_false",
        help="do not store camera status and heartbeats (another instance does)",
    )
    serve.set_defaults(
        func=lambda args: serve_main(args.config, client_id=args.client_id, health=args.health)
    )
