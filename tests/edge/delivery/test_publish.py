"""End-to-end delivery through a real Mosquitto: outbox → broker → collector → receipt → ack.

The collector is tests/servers/receipt_sender.py (a subprocess); edge processes that must die
by SIGKILL run tests/servers/edge_publisher.py. Bundles are small real signed ZIPs.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from common.bundle import uuid7
from common.config.box import BrokerConfig, TlsConfig
from common.signing import Ed25519PrivateKey
from common.topics import (
    CENTRAL_SUBSCRIPTION,
    Heartbeat,
    Receipt,
    SignalPhase,
    camera_of,
    heartbeat_topic,
    receipt_topic,
    signal_topic,
    status_topic,
    violation_topic,
)
from edge.delivery.outbox import Outbox
from edge.delivery.publish import Publisher
from tests.fixtures.broker import Broker, Helpers, free_port, wait_until
from tests.keys import RECEIPT_KEY, RECEIPT_KEYS
from tests.servers.edge_publisher import sample_bundle

CAM = "MT-07"
MakePublisher = Callable[..., Publisher]


def settings(port: int, **kw: Any) -> BrokerConfig:
    return BrokerConfig(port=port, keepalive_s=5, reconnect_min_s=1, reconnect_max_s=2, **kw)


@pytest.fixture
def publisher(tmp_path: Path) -> Iterator[MakePublisher]:
    """Start Publishers on outbox files in tmp_path; stopped and closed at teardown."""
    made: list[Publisher] = []

    def make(broker: BrokerConfig, outbox: str = "o.sqlite", camera: str = CAM, **kw: Any):
        timing: dict[str, Any] = {"resend_after_s": 30.0, "resend_max_s": 600.0,
                                  "heartbeat_s": 30.0, "receipt_keys": RECEIPT_KEYS}  # fmt: skip
        timing |= kw
        made.append(Publisher(broker, camera, Outbox(tmp_path / outbox, 1 << 30), **timing).start())
        return made[-1]

    yield make
    for p in made:
        p.stop(flush_timeout_s=0)
        p.outbox.close()


def client(port: int, name: str) -> mqtt.Client:
    """A plain test client standing in for the controller or the centre."""
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=name, protocol=mqtt.MQTTv5)
    c.connect("127.0.0.1", port, 10)
    c.loop_start()
    return c


# --- the wire contract ------------------------------------------------------------------------


def test_topics_are_built_parsed_and_refuse_ids_that_would_change_the_topic() -> None:
    assert violation_topic("MT-07") == "dendo/v1/MT-07/violation"
    assert signal_topic("ap-bac") == "dendo/v1/signals/ap-bac"
    assert CENTRAL_SUBSCRIPTION == "$share/central/dendo/v1/+/violation"
    assert camera_of(receipt_topic("MT-07")) == "MT-07"
    for bad in ("MT/07", "+", "#", "", "signals"):
        with pytest.raises(ValueError, match="camera id"):
            status_topic(bad)
    with pytest.raises(ValueError, match="collides"):
        signal_topic("violation")  # would match the central subscription
    for topic in ("dendo/v1/signals/x", "dendo/v1/MT-07/other", "dendo/v2/MT-07/receipt"):
        with pytest.raises(ValueError, match="is not a dendo/v1"):
            camera_of(topic)


def test_messages_round_trip_and_bad_bytes_raise_a_clear_value_error() -> None:
    at = datetime(2026, 11, 22, 14, 15, 3, 120999, tzinfo=UTC)
    r = Receipt(violation_id=str(uuid7()), camera_id=CAM, sha256="a" * 64, status="stored", at=at)
    assert Receipt.from_bytes(r.to_bytes()) == r
    signed = r.signed_with(RECEIPT_KEY)
    assert Receipt.from_bytes(signed.to_bytes()).signer(RECEIPT_KEYS) == signed.key_id
    assert b'"at":"2026-11-22T14:15:03.120Z"' in r.to_bytes(), "times are not UTC with ms"
    cases = {b"\xff": "not UTF-8", b"{": "not JSON", b"[]": "not a JSON object",
             b'{"schema":"dendo.signal/2"}': "expected 'dendo.receipt/2'",
             r.to_bytes().replace(b"stored", b"lost"): "status"}  # fmt: skip
    for raw, why in cases.items():
        with pytest.raises(ValueError, match=re.escape(why)):
            Receipt.from_bytes(raw)
    with pytest.raises(ValueError, match="phase"):
        SignalPhase(intersection="x", phase=0, state="red", since=at, sent_at=at, seq=1)


# --- (a) the broker crashes mid-stream -------------------------------------------------------


def test_every_bundle_arrives_exactly_once_after_dedup_when_the_broker_is_killed_midway(
    mosquitto: Broker, mqtt_helpers: Helpers, publisher: MakePublisher
) -> None:
    """80 flow live; 80 are accepted (PUBACK) and queued for the collector's persistent
    session, which it left cleanly; SIGKILL loses those not autosaved; 80 more are submitted
    while the broker is down. Persistence and resends together must bring every one."""
    bundles = [sample_bundle(CAM, i + 1, size=3000) for i in range(240)]
    first = mqtt_helpers.collector(mosquitto.port)
    pub = publisher(settings(mosquitto.port), resend_after_s=2)
    wait_until(lambda: pub.connected, 10, "publisher never connected")
    for vid, data in bundles[:80]:
        pub.submit(vid, data)
    wait_until(lambda: pub.acked >= 40, 10, lambda: f"nothing flows: {pub.counters()}")
    first.stop()  # clean disconnect: its session and subscription stay at the broker
    for vid, data in bundles[80:160]:
        pub.submit(vid, data)
    wait_until(lambda: pub.published >= 160, 10, lambda: f"not accepted: {pub.counters()}")
    mosquitto.kill()  # SIGKILL: what arrived since its last autosave (1 s) is gone
    at_kill = pub.outbox.depth()
    for vid, data in bundles[160:]:
        pub.submit(vid, data)  # the broker is down: these only reach the outbox
    time.sleep(0.5)
    mosquitto.restart()
    second = mqtt_helpers.collector(mosquitto.port)  # same client id: resumes the session
    wait_until(
        lambda: pub.outbox.depth() == 0,
        45,
        lambda: f"{pub.outbox.depth()} bundles never receipted; {pub.counters()}",
    )
    lines = first.lines() + second.lines()
    sent = {vid for vid, _ in bundles}
    got = {x["violation_id"] for x in lines}
    assert got == sent, f"{len(sent - got)} bundles missing, {len(got - sent)} unexpected"
    assert len(got) == 240, "the de-duplicated count is not exact"
    digests = {vid: hashlib.sha256(d).hexdigest() for vid, d in bundles}
    assert all(x["sha256"] == digests[x["violation_id"]] for x in lines), "bytes changed"
    assert pub.acked == 240, f"acks do not match the bundles: {pub.counters()}"
    print(f"unreceipted at the kill {at_kill}; {len(lines)} deliveries; {pub.counters()}")


# --- (b) the edge process is SIGKILLed with a full outbox ------------------------------------


def test_bundles_left_by_a_killed_edge_process_are_delivered_by_the_next_one(
    mosquitto: Broker, mqtt_helpers: Helpers, publisher: MakePublisher, tmp_path: Path
) -> None:
    edge = mqtt_helpers.edge(mosquitto.port, tmp_path / "edge.sqlite", CAM, 30)
    assert edge.line(20) == "submitted 30", f"edge child failed: {edge.stderr.read_text()}"
    assert edge.line(10) == "connected", f"edge child never connected: {edge.stderr.read_text()}"
    time.sleep(0.5)  # published into a broker with no collector: nobody will ever receipt them
    edge.kill()
    with Outbox(tmp_path / "edge.sqlite", 1 << 30) as left:
        waiting = {it.violation_id for it in left.due(time.time() + 3600, 30, 1000)}
    assert len(waiting) == 30, f"the killed edge's outbox holds {len(waiting)}, expected 30"
    collector = mqtt_helpers.collector(mosquitto.port)
    pub = publisher(settings(mosquitto.port), outbox="edge.sqlite")
    wait_until(lambda: pub.outbox.depth() == 0, 20,
               lambda: f"{pub.outbox.depth()} bundles still waiting; {pub.counters()}")  # fmt: skip
    assert collector.ids() == waiting, "the restarted edge did not deliver what was left"


# --- (c) wrong password, unreachable broker --------------------------------------------------


def test_wrong_password_is_a_clear_error_and_retries_back_off(
    mosquitto_auth: Broker,
    publisher: MakePublisher,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("DENDO_TEST_MQTT_PW", "not the password")
    cfg = BrokerConfig(port=mosquitto_auth.port, username="eb-01", reconnect_min_s=1,
                         reconnect_max_s=4, password_env="DENDO_TEST_MQTT_PW")  # fmt: skip
    with caplog.at_level(logging.ERROR, logger="edge.delivery.publish"):
        pub = publisher(cfg)
        pub.submit(*sample_bundle(CAM, 1))  # never raises into the caller
        time.sleep(6.5)
    error = pub.last_error or ""
    assert not pub.connected
    assert re.search(r"Not authorized|Bad user name or password", error), f"unclear: {error!r}"
    assert CAM in error and f"127.0.0.1:{mosquitto_auth.port}" in error, error
    assert any(error in r.getMessage() for r in caplog.records), "the refusal was not logged"
    refused = re.findall(r"Sending CONNACK to \S+ \(0, 13[45]\)", mosquitto_auth.log_text())
    # backoff 1, 2, 4 s: attempts at 0, 1, 3 (and maybe 7) s; a spinning client makes hundreds
    assert 2 <= len(refused) <= 5, f"{len(refused)} refused connection attempts in 6.5 s"
    monkeypatch.setenv("DENDO_TEST_MQTT_PW", mosquitto_auth.password or "")
    good = publisher(cfg, outbox="o2.sqlite", camera="MT-08")
    wait_until(lambda: good.connected, 10, lambda: f"right password refused: {good.last_error}")


def test_an_unreachable_broker_never_raises_into_the_camera_pipeline(
    publisher: MakePublisher,
) -> None:
    pub = publisher(settings(free_port()))
    pub.submit(*sample_bundle(CAM, 1))
    wait_until(lambda: pub.last_error, 5, "no error reported for an unreachable broker")
    assert "unreachable" in (pub.last_error or "") and pub.outbox.depth() == 1


# --- (d) TLS ---------------------------------------------------------------------------------


def test_tls_with_the_fixture_ca_delivers_and_plaintext_on_the_tls_port_is_refused(
    mosquitto_tls: Broker, mqtt_helpers: Helpers, publisher: MakePublisher
) -> None:
    assert mosquitto_tls.tls_port and mosquitto_tls.ca_file
    collector = mqtt_helpers.collector(mosquitto_tls.port)
    pub = publisher(settings(mosquitto_tls.tls_port, tls=TlsConfig(ca_file=mosquitto_tls.ca_file)))
    bundles = [sample_bundle(CAM, i + 1) for i in range(5)]
    for vid, data in bundles:
        pub.submit(vid, data)
    wait_until(
        lambda: pub.outbox.depth() == 0,
        15,
        lambda: f"nothing delivered over TLS: {pub.last_error}, {pub.counters()}",
    )
    assert collector.ids() == {vid for vid, _ in bundles}

    outcome: list[str] = []
    plain = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="plain", protocol=mqtt.MQTTv5)
    plain.on_connect = lambda _c, _u, _f, rc, _p: outcome.append(str(rc))
    try:
        plain.connect("127.0.0.1", mosquitto_tls.tls_port, 5)
        plain.loop_start()
        time.sleep(2)
    except OSError as exc:
        outcome.append(f"refused: {exc}")
    finally:
        plain.loop_stop()
    assert "Success" not in outcome and not plain.is_connected(), f"plaintext got in: {outcome}"


# --- (e) status and last will ----------------------------------------------------------------


def test_status_is_online_then_offline_after_a_clean_stop(
    mosquitto: Broker, mqtt_helpers: Helpers, publisher: MakePublisher
) -> None:
    topic = status_topic(CAM)
    watch = mqtt_helpers.watcher(mosquitto.port, topic)
    pub = publisher(settings(mosquitto.port))
    wait_until(lambda: watch.payloads(topic) == [b"online"], 10,
               lambda: f"status seen: {watch.payloads(topic)}")  # fmt: skip
    pub.stop()
    wait_until(lambda: watch.payloads(topic)[-1:] == [b"offline"], 5,
               lambda: f"no offline after stop: {watch.payloads(topic)}")  # fmt: skip
    late = mqtt_helpers.watcher(mosquitto.port, topic)  # retained for newcomers
    wait_until(lambda: late.payloads(topic) == [b"offline"], 5, "offline is not retained")


def test_status_goes_offline_by_last_will_when_the_edge_process_is_killed(
    mosquitto: Broker, mqtt_helpers: Helpers, tmp_path: Path
) -> None:
    topic = status_topic("MT-09")
    watch = mqtt_helpers.watcher(mosquitto.port, topic)
    edge = mqtt_helpers.edge(mosquitto.port, tmp_path / "o.sqlite", "MT-09", 0)
    assert edge.line(20) == "submitted 0" and edge.line(10) == "connected", "edge child failed"
    wait_until(lambda: watch.payloads(topic)[-1:] == [b"online"], 5, "no retained online")
    edge.kill()
    wait_until(lambda: watch.payloads(topic)[-1:] == [b"offline"], 12,
               lambda: f"no last will: {watch.payloads(topic)}")  # fmt: skip


# --- (f) heartbeat ---------------------------------------------------------------------------


def test_heartbeat_carries_the_worker_stats_and_outbox_figures(
    mosquitto: Broker, mqtt_helpers: Helpers, publisher: MakePublisher
) -> None:
    stats = {"frames_in": 1500, "frames_processed": 1400, "frames_dropped": 100,
             "frames_corrupt": 2, "reconnects": 1}  # fmt: skip
    watch = mqtt_helpers.watcher(mosquitto.port, heartbeat_topic(CAM))
    pub = publisher(settings(mosquitto.port), heartbeat_s=0.3, stats=lambda: stats)
    vid, data = sample_bundle(CAM, 1)
    pub.submit(vid, data)  # no collector: it stays in the outbox

    def beats() -> list[Heartbeat]:
        return [Heartbeat.from_bytes(p) for p in watch.payloads(heartbeat_topic(CAM))]

    wait_until(lambda: any(b.outbox_depth == 1 for b in beats()), 10, "no heartbeat, depth 1")
    beat = next(b for b in beats() if b.outbox_depth == 1)
    assert beat.model_dump(include=set(stats)) == stats, f"stats not carried: {beat}"
    assert beat.connected and beat.camera_id == CAM and beat.outbox_bytes == len(data), beat
    assert beat.last_violation_at is not None and beat.outbox_evicted == 0, beat


# --- (g) signal phases -----------------------------------------------------------------------


def test_signal_phases_reach_on_signal_and_malformed_ones_are_counted(
    mosquitto: Broker, mqtt_helpers: Helpers, publisher: MakePublisher
) -> None:
    got: list[SignalPhase] = []
    pub = publisher(settings(mosquitto.port), signal_intersection="ap-bac", on_signal=got.append)
    wait_until(lambda: pub.connected, 10, "publisher never connected")
    time.sleep(0.3)  # its subscriptions go out right after CONNACK
    now = datetime.now(UTC)
    red = SignalPhase(intersection="ap-bac", phase=2, state="red", since=now, sent_at=now, seq=1)
    bad_schema = red.to_bytes().replace(b'"phase":2', b'"phase":0')
    green = red.model_copy(update={"state": "green"}).to_bytes()
    controller = client(mosquitto.port, "controller")
    try:
        for payload in (red.to_bytes(), b"{not json", bad_schema, green):
            controller.publish(signal_topic("ap-bac"), payload, qos=1).wait_for_publish(5)
        wait_until(lambda: len(got) == 2 and pub.counters()["bad_signals"] == 2, 5,
                   lambda: f"on_signal got {got}, counters {pub.counters()}")  # fmt: skip
    finally:
        controller.disconnect()
        controller.loop_stop()
    assert [p.state for p in got] == ["red", "green"] and got[0] == red
    mqtt_helpers.collector(mosquitto.port)
    pub.submit(*sample_bundle(CAM, 1))
    wait_until(lambda: pub.outbox.depth() == 0, 10, "delivery broken after bad signal messages")


# --- receipts and resends --------------------------------------------------------------------


def test_a_receipt_with_the_wrong_sha256_does_not_ack_and_a_right_one_does(
    mosquitto: Broker, publisher: MakePublisher
) -> None:
    pub = publisher(settings(mosquitto.port))
    vid, data = sample_bundle(CAM, 1)
    pub.submit(vid, data)
    wait_until(lambda: pub.published == 1, 10, "bundle never published")
    centre = client(mosquitto.port, "fake-centre")
    try:
        for digest in ("0" * 64, hashlib.sha256(data).hexdigest()):
            r = Receipt(violation_id=vid, camera_id=CAM, sha256=digest, status="stored",
                        at=datetime.now(UTC)).signed_with(RECEIPT_KEY)  # fmt: skip
            centre.publish(receipt_topic(CAM), r.to_bytes(), qos=1).wait_for_publish(5)
            if digest == "0" * 64:
                wait_until(lambda: pub.bad_receipts == 1, 5, "wrong-sha256 receipt not counted")
                assert pub.outbox.depth() == 1, "a receipt for other bytes acked the bundle"
    finally:
        centre.disconnect()
        centre.loop_stop()
    wait_until(lambda: pub.outbox.depth() == 0 and pub.acked == 1, 5, "right receipt not acked")


def test_a_bundle_without_receipt_is_sent_again_after_resend_after_s(
    mosquitto: Broker, mqtt_helpers: Helpers, publisher: MakePublisher
) -> None:
    pub = publisher(settings(mosquitto.port), resend_after_s=1)
    vid, data = sample_bundle(CAM, 1)
    pub.submit(vid, data)
    wait_until(lambda: pub.published == 1, 10, "bundle never published")  # nobody listening
    collector = mqtt_helpers.collector(mosquitto.port)
    wait_until(lambda: pub.outbox.depth() == 0, 10, lambda: f"not resent: {pub.counters()}")
    assert pub.resent >= 1 and collector.ids() == {vid}


def _receipt(
    vid: str, data: bytes, status: Literal["stored", "duplicate", "quarantined"] = "stored",
    reason: str | None = None,
) -> Receipt:  # fmt: skip
    digest = hashlib.sha256(data).hexdigest()
    return Receipt(violation_id=vid, camera_id=CAM, sha256=digest, status=status,
                   reason=reason, at=datetime.now(UTC))  # fmt: skip


@pytest.mark.parametrize(
    "forgery", ["unsigned", "signed by another key", "signature of another receipt"]
)
def test_a_forged_receipt_for_the_right_bytes_is_refused_and_the_bundle_sent_again(
    mosquitto: Broker, publisher: MakePublisher, forgery: str
) -> None:
    pub = publisher(settings(mosquitto.port), resend_after_s=1)
    vid, data = sample_bundle(CAM, 1)
    pub.submit(vid, data)
    wait_until(lambda: pub.published == 1, 10, "bundle never published")
    genuine = _receipt(vid, data)
    forged = {
        "unsigned": genuine,
        "signed by another key": genuine.signed_with(Ed25519PrivateKey.generate()),
        "signature of another receipt": _receipt(vid, b"other")
        .signed_with(RECEIPT_KEY)
        .model_copy(update={"sha256": genuine.sha256}),
    }[forgery]
    centre = client(mosquitto.port, "forger")
    try:
        centre.publish(receipt_topic(CAM), forged.to_bytes(), qos=1).wait_for_publish(5)
        wait_until(lambda: pub.counters()["receipts_refused"] == 1, 5, "forgery not counted")
        wait_until(
            lambda: pub.resent >= 1, 10, f"not sent again after a forged receipt: {pub.counters()}"
        )
        assert pub.outbox.depth() == 1, f"{forgery}: a receipt nobody signed made the edge forget"
        signed = genuine.signed_with(RECEIPT_KEY)
        centre.publish(receipt_topic(CAM), signed.to_bytes(), qos=1).wait_for_publish(5)
        wait_until(lambda: pub.outbox.depth() == 0, 5, "the genuine signed receipt did not ack")
    finally:
        centre.disconnect()
        centre.loop_stop()
    assert pub.acked == 1 and pub.counters()["receipts_refused"] == 1


def test_a_quarantined_receipt_keeps_the_bundle_aside_counted_and_in_the_heartbeat(
    mosquitto: Broker, mqtt_helpers: Helpers, publisher: MakePublisher
) -> None:
    pub = publisher(settings(mosquitto.port), resend_after_s=1, heartbeat_s=0.3)
    vid, data = sample_bundle(CAM, 1)
    pub.submit(vid, data)
    wait_until(lambda: pub.published == 1, 10, "bundle never published")
    centre = client(mosquitto.port, "centre")
    beats: list[Heartbeat] = []
    centre.on_message = lambda _c, _u, m: beats.append(Heartbeat.from_bytes(m.payload))
    centre.subscribe(heartbeat_topic(CAM), qos=0)
    try:
        held = _receipt(vid, data, "quarantined", "jpeg_corrupt: frame_cross.jpg").signed_with(
            RECEIPT_KEY
        )
        centre.publish(receipt_topic(CAM), held.to_bytes(), qos=1).wait_for_publish(5)
        wait_until(lambda: pub.outbox.held_count() == 1, 5, "the quarantined bundle was not held")
        published = pub.published
        time.sleep(2.5)  # more than two resend periods
        assert pub.published == published, "a held bundle was sent again by itself"
        wait_until(lambda: any(b.outbox_held == 1 for b in beats), 5, "heartbeat hides it")
    finally:
        centre.disconnect()
        centre.loop_stop()
    assert pub.outbox.held() == [(vid, CAM, len(data), "jpeg_corrupt: frame_cross.jpg")]
    assert pub.outbox.depth() == 1, "the evidence must not vanish"
    assert pub.outbox.release(vid)
    mqtt_helpers.collector(mosquitto.port)
    wait_until(lambda: pub.outbox.depth() == 0, 10, "a released bundle was not delivered")
