"""Camera health over a real Mosquitto: the retained status (online, offline, the last will) and
heartbeats fill CameraHealth through central.health, and the cameras page shows them with
frames per second from two heartbeats and the outbox depth."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from central.config import CollectorBrokerConfig
from central.health import HealthMonitor
from central.users import CameraHealth
from common.topics import Heartbeat, heartbeat_topic, status_topic
from tests.fixtures.broker import wait_until
from tests.fixtures.browser import WebEnv


def _client(broker: Any, name: str, will: str | None = None) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=name, protocol=mqtt.MQTTv5)
    if will is not None:
        client.will_set(status_topic(will), b"offline", qos=1, retain=True)
    client.connect(broker.host, broker.port)
    client.loop_start()
    return client


def _beat(camera: str, at: datetime, frames: int, outbox: int) -> bytes:
    return Heartbeat(
        camera_id=camera,
        at=at,
        frames_in=frames,
        frames_processed=frames,
        connected=True,
        outbox_depth=outbox,
        outbox_bytes=outbox * 250_000,
        outbox_evicted=0,
    ).to_bytes()


def _health(env: WebEnv) -> dict[str, CameraHealth]:
    with env.store.sessions() as s:
        return {h.camera_id: h for h in s.scalars(select(CameraHealth))}


def test_status_will_and_heartbeats_reach_the_cameras_page(
    mosquitto: Any, web_env_empty: WebEnv
) -> None:
    env = web_env_empty
    edge = _client(mosquitto, "edge-eb-01")
    edge.publish(status_topic("MT-03"), b"online", qos=1, retain=True).wait_for_publish(5)
    ready = threading.Event()
    settings = CollectorBrokerConfig(
        host=mosquitto.host, port=mosquitto.port, client_id="central-test"
    )
    monitor = HealthMonitor(settings, env.store.sessions, on_ready=ready.set).start()
    dying = None
    try:
        assert ready.wait(10), "the health monitor never subscribed"
        wait_until(lambda: "MT-03" in _health(env), 10, "retained status of MT-03 not stored")
        now = datetime.now(UTC)
        edge.publish(status_topic("MT-01"), b"online", qos=1, retain=True)
        edge.publish(heartbeat_topic("MT-01"), _beat("MT-01", now - timedelta(seconds=5), 940, 0))
        time.sleep(0.3)  # two heartbeats in order, as a worker sends them
        edge.publish(heartbeat_topic("MT-01"), _beat("MT-01", now, 1000, 3))
        edge.publish(heartbeat_topic("MT-02"), b"{not json")  # ignored, never stored
        dying = _client(mosquitto, "edge-eb-02", will="MT-04")
        dying.publish(status_topic("MT-04"), b"online", qos=1, retain=True).wait_for_publish(5)
        wait_until(lambda: _health(env).get("MT-04") is not None, 10, "MT-04 online not stored")
        dying.loop_stop()
        sock = dying.socket()
        assert sock is not None
        sock.close()  # a crash: the broker sends the last will
        wait_until(
            lambda: (h := _health(env).get("MT-01")) is not None and h.fps is not None,
            10,
            lambda: f"no fps for MT-01: {_health(env)}",
        )
        wait_until(lambda: not _health(env)["MT-04"].online, 15, "the last will was not stored")
    finally:
        monitor.stop()
        edge.loop_stop()
        edge.disconnect()
    health = _health(env)
    assert health["MT-01"].online and health["MT-03"].online and not health["MT-04"].online
    assert health["MT-01"].fps == 12.0, "60 frames in 5 s"
    beat = health["MT-01"].last_heartbeat
    assert beat is not None and beat["outbox_depth"] == 3
    assert "MT-02" not in health, "a malformed heartbeat is not stored"
    page = env.client("operator").get("/cameras").text
    assert "2 trực tuyến · 1 mất kết nối · 45 chưa có tín hiệu" in page
    row = page.split('href="/cases?camera=MT-01"', 1)[1].split("</tr>", 1)[0]
    assert "Trực tuyến" in row and "12,0" in row and ">3<" in row
    assert '<svg class="sparkline"' in row


def test_the_cameras_page_alerts_on_quarantine_overflow_held_bundles_and_forgeries(
    web_env: WebEnv,
) -> None:
    from central.health import apply_message
    from central.quarantine_quota import Budget, admit

    now = datetime.now(UTC)
    beat = Heartbeat(camera_id="MT-05", at=now, connected=True, outbox_depth=4,
                     outbox_bytes=1_000_000, outbox_evicted=0, outbox_held=2,
                     receipts_refused=3, signals_refused=1)  # fmt: skip
    with web_env.store.sessions.begin() as s:
        apply_message(s, heartbeat_topic("MT-05"), beat.to_bytes(), now, known={"MT-05"})
        budget = Budget(bytes_per_hour=1000, count_per_hour=1)
        for _ in range(4):  # one kept, three over the budget
            admit(s, budget, "MT-09", 600, now)
        outsider = heartbeat_topic("XX-01")
        assert apply_message(s, outsider, beat.to_bytes(), now, known={"MT-05"}).startswith(
            "ignored"
        ), "a camera the city does not have is ignored"
    page = web_env.client("operator").get("/cameras").text
    assert "Camera vượt hạn mức cách ly (24 giờ qua)" in page
    assert "MT-09: 3 tin nhắn bị từ chối (0,0 MB) không được lưu nội dung" in page, page
    row = page.split('href="/cases?camera=MT-05"', 1)[1].split("</tr>", 1)[0]
    assert "2 gói bị giữ lại" in row and "4 tin nhắn không có chữ ký hợp lệ" in row, row


def test_the_cameras_page_says_when_a_box_cannot_keep_up_or_kept_violations_without_bundles(
    web_env: WebEnv,
) -> None:
    from central.health import apply_message

    now = datetime.now(UTC)
    beat = Heartbeat(camera_id="MT-06", at=now, connected=True, outbox_depth=0, outbox_bytes=0,
                     outbox_evicted=0, drop_ratio=0.125, shed_ratio=0.1, cpu_cores=0.98,
                     overloaded=True, bundles_failed=2)  # fmt: skip
    calm = beat.model_copy(update={"camera_id": "MT-08", "overloaded": False, "drop_ratio": 0.0,
                                   "shed_ratio": 0.0, "bundles_failed": 0})  # fmt: skip
    with web_env.store.sessions.begin() as s:
        for b in (beat, calm):
            apply_message(
                s, heartbeat_topic(b.camera_id), b.to_bytes(), now, known={"MT-06", "MT-08"}
            )
    page = web_env.client("operator").get("/cameras").text
    row = page.split('href="/cases?camera=MT-06"', 1)[1].split("</tr>", 1)[0]
    assert "Quá tải: bỏ qua 22,5 %" in row, row
    assert "2 vi phạm chưa đóng gói được" in row, row
    calm_row = page.split('href="/cases?camera=MT-08"', 1)[1].split("</tr>", 1)[0]
    assert "Quá tải" not in calm_row and "chưa đóng gói" not in calm_row, calm_row
