"""`dendo-edge run` end to end: a real RTSP camera, a real broker, a receipt-sending collector.

The daemon runs one worker for a camera calibrated on the public vn_a video served over RTSP;
violations must arrive at the collector as signed bundles and be acknowledged; a worker
killed with SIGKILL is restarted; /metrics reports the stream; SIGTERM stops it cleanly.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import paho.mqtt.client as mqtt
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion

from common.config.city import CityConfig, load_config
from common.controller import PhaseSigner, State
from common.signing import Ed25519PrivateKey, generate_keypair, key_id
from common.topics import SignalPhase, signal_topic
from edge.delivery.outbox import Outbox
from edge.delivery.worker import CameraWorker
from tests.fixtures.broker import Broker, free_port
from tests.fixtures.rtsp import RtspServer
from tests.keys import CONTROLLER_KEY, RECEIPT_KEY, public_pem
from tests.paths import REPO

T = TypeVar("T")

SENDER = REPO / "tests" / "servers" / "receipt_sender.py"


class LogTail:
    """Collects a child's stderr (JSON lines) in a thread so the pipe never fills."""

    def __init__(self, stream: Iterable[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Iterable[str]) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def records(self) -> list[dict[str, Any]]:
        out = []
        for line in list(self.lines):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out

    def text(self) -> str:
        return "\n".join(self.lines[-60:])


def wait_for(what: str, check: Callable[[], T], timeout: float, logs: LogTail) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.25)
    pytest.fail(f"{what}: not within {timeout:.0f} s; daemon log tail:\n{logs.text()}")


@pytest.fixture
def edge_key(tmp_path: Path) -> tuple[Path, Path]:
    """The box's signing key and the public key the collector checks signatures with."""
    generate_keypair(tmp_path / "keys", "edge")
    return tmp_path / "keys" / "edge.key.pem", tmp_path / "keys" / "edge.pub.pem"


@pytest.fixture
def collector(mosquitto: Broker, tmp_path: Path, edge_key: tuple[Path, Path]) -> Iterator[Path]:
    log = tmp_path / "received.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(SENDER),
            "--host",
            "127.0.0.1",
            "--port",
            str(mosquitto.port),
            "--log",
            str(log),
            "--public-key",
            str(edge_key[1]),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "ready" in line, f"receipt sender did not start: {line!r}"
    yield log
    proc.terminate()
    proc.wait(10)


def received(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def city_config(
    tmp_path: Path, media: Path, url: str, broker: Broker, metrics: int, key: Path
) -> Path:
    truth = json.loads((media / "vn_a.json").read_text())
    cal = truth["calibration"]
    config = {
        "edge": {
            "broker": {"host": "127.0.0.1", "port": broker.port, "keepalive_s": 5},
            "outbox": {"dir": str(tmp_path / "outbox"), "resend_after_s": 10},
            "key_file": str(key),
            "receipt_keys": [str(public_pem(tmp_path, RECEIPT_KEY, "central-receipts"))],
            "state_dir": str(tmp_path / "state"),
            "heartbeat_s": 2,
            "metrics_port": metrics,
            "restart_min_s": 0.5,
            "stall_timeout_s": 5,
        },
        "signal_controllers": [
            {
                "intersection": "ap-bac-nguyen-trai",
                "public_keys": [str(public_pem(tmp_path, CONTROLLER_KEY, "ap-bac-nguyen-trai"))],
                "max_age_s": 5,
            }
        ],
        "cameras": [
            {
                "id": "MT-07",
                "name": "vn_a over RTSP",
                "location": {"lat": 10.36, "lon": 106.36},
                "box": "EB-01",
                "source": url,
                "frame_size": [truth["width"], truth["height"]],
                "stop_line": cal.get("stop_line_polyline") or cal["stop_line"],
                "direction": cal["direction"],
                "signal": {
                    "source": "vision",
                    "heads": [
                        {"roi": h["roi"], "layout": h.get("layout", "vertical")}
                        for h in cal["signal_heads"]
                    ],
                },
            }
        ],
    }
    path = tmp_path / "cameras.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def metric(port: int, name: str) -> float | None:
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read()
    except OSError:
        return None
    m = re.search(rf'^{name}\{{[^}}]*camera="MT-07"[^}}]*\}} (\S+)$', text.decode(), re.M)
    return float(m.group(1)) if m else None


def worker_pids(logs: LogTail) -> list[int]:
    return [
        int(m.group(1))
        for r in logs.records()
        if (m := re.search(r"worker started \(pid (\d+)\)", r.get("msg", "")))
    ]


def test_daemon_delivers_violations_restarts_a_killed_worker_and_stops_cleanly(
    rtsp_server: RtspServer,
    mosquitto: Broker,
    collector: Path,
    edge_key: tuple[Path, Path],
    media_dir: Path,
    tmp_path: Path,
) -> None:
    metrics_port = free_port()
    config = city_config(tmp_path, media_dir, rtsp_server.url, mosquitto, metrics_port, edge_key[0])
    daemon = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edge.commands.main",
            "run",
            "--config",
            str(config),
            "--box",
            "EB-01",
        ],
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert daemon.stderr is not None  # stderr=PIPE
    logs = LogTail(daemon.stderr)
    try:
        wait_for(
            "frames counted in /metrics",
            lambda: (metric(metrics_port, "dendo_edge_frames_in") or 0) > 30,
            60,
            logs,
        )
        served = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics").read()
        info = re.findall(r"^dendo_edge_model_info\{([^}]*)\} 1\.0$", served.decode(), re.M)
        assert any('model="vehicles"' in i and "precision=" in i for i in info), (
            f"the detector's engine and precision are not in /metrics: {info}"
        )
        said = [line for line in logs.text().splitlines() if "camera(s) need about" in line]
        assert said and "box EB-01: 1 camera(s)" in said[0], "no capacity estimate at start"
        # vn_a (14.7 s, looped) holds two red-light runs: at least one must come through.
        got = wait_for("a violation at the collector", lambda: received(collector), 90, logs)
        first = got[0]
        assert first["topic"] == "dendo/v1/MT-07/violation", first
        assert first.get("status") == "stored", f"bundle not accepted: {first}"
        outbox = Outbox(tmp_path / "outbox" / "MT-07.sqlite", 1 << 30)
        wait_for("the receipt emptying the outbox", lambda: outbox.depth() == 0, 30, logs)

        pids = worker_pids(logs)
        assert len(pids) == 1, f"the worker restarted before it was killed:\n{logs.text()}"
        pid = pids[0]
        os.kill(pid, signal.SIGKILL)
        wait_for("the killed worker restarted", lambda: len(worker_pids(logs)) >= 2, 30, logs)
        wait_for(
            "restart counted in /metrics",
            lambda: (metric(metrics_port, "dendo_edge_worker_restarts_total") or 0) >= 1,
            15,
            logs,
        )
        wait_for(
            "the new worker connected to the camera",
            lambda: sum("connected to rtsp" in r.get("msg", "") for r in logs.records()) >= 2,
            60,
            logs,
        )
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            code = daemon.wait(40)
        except subprocess.TimeoutExpired:
            daemon.kill()
            pytest.fail(f"daemon did not stop within 40 s of SIGTERM:\n{logs.text()}")
    assert code == 0, f"daemon exit code {code}:\n{logs.text()}"
    msgs = [r.get("msg", "") for r in logs.records()]
    assert any("stopped" in m and "MT-07" in m for m in msgs), f"worker stop not logged:\n{msgs}"
    assert any(m.startswith("box EB-01: stopped") for m in msgs), msgs
    # Nothing lost: every bundle a worker queued was received, or waits in the outbox.
    queued = {m.group(1) for msg in msgs if (m := re.search(r"violation (\S+) queued", msg))}
    outbox = Outbox(tmp_path / "outbox" / "MT-07.sqlite", 1 << 30)
    waiting = {item.violation_id for item in outbox.due(float("inf"), 0.0, 10**6)}
    delivered = {r["violation_id"] for r in received(collector)}
    assert queued, "no violation was queued"
    assert queued <= delivered | waiting, f"lost: {sorted(queued - delivered - waiting)}"


def controller_camera(path: Path) -> CityConfig:
    """The test camera on `signal.source: controller` (phase 2 of ap-bac-nguyen-trai)."""
    raw = yaml.safe_load(path.read_text())
    raw["cameras"][0]["signal"] = {
        "source": "controller",
        "controller": {"intersection": "ap-bac-nguyen-trai", "phase": 2},
    }
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return load_config(path)


class Controller:
    """A signal controller on the broker: publishes, retained, phase 2's state every second
    (as real controllers repeat their phase), or the given raw messages once."""

    def __init__(self, port: int, key: Ed25519PrivateKey = CONTROLLER_KEY) -> None:
        self.signer = PhaseSigner(key, "ap-bac-nguyen-trai")
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def send(self, payload: bytes) -> None:
        info = self.client.publish(signal_topic("ap-bac-nguyen-trai"), payload, qos=1, retain=True)
        info.wait_for_publish(5)

    def keep(self, state: State, since: datetime) -> None:
        def run() -> None:
            while not self.stop.is_set():
                self.send(self.signer.message(2, state, since))
                self.stop.wait(1.0)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(5)
        self.client.loop_stop()
        self.client.disconnect()


def run_worker(
    config: CityConfig,
    until: Callable[[CameraWorker], bool],
    timeout: float,
    meanwhile: Callable[[CameraWorker], None] | None = None,
) -> CameraWorker:
    """Run the camera worker until `until` holds; `meanwhile` is called once, after its 60th
    frame."""
    camera = config.cameras[0]
    ctl = config.signal_controller("ap-bac-nguyen-trai")
    worker = CameraWorker(camera, config.edge, "EB-01", signal_controller=ctl)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not until(worker):
            if meanwhile is not None and worker.pipeline and worker.pipeline.stats.frames >= 60:
                meanwhile(worker)
                meanwhile = None
            time.sleep(0.25)
    finally:
        worker.stop_event.set()
        thread.join(30)
    assert not thread.is_alive(), "the worker did not stop"
    return worker


def test_controller_phases_over_mqtt_drive_the_rule(
    rtsp_server: RtspServer,
    mosquitto: Broker,
    collector: Path,
    edge_key: tuple[Path, Path],
    media_dir: Path,
    tmp_path: Path,
) -> None:
    """signal.source: controller — the red comes from `dendo/v1/signals/<intersection>`,
    signed by the intersection's controller key, and the evidence names that key."""
    path = city_config(tmp_path, media_dir, rtsp_server.url, mosquitto, free_port(), edge_key[0])
    config = controller_camera(path)
    controller = Controller(mosquitto.port)
    controller.keep("red", datetime.now(UTC) - timedelta(seconds=10))  # red for 10 s already
    try:
        worker = run_worker(config, lambda w: bool(received(collector)), 60)
    finally:
        controller.close()
    status = worker.pipeline.last_status if worker.pipeline else None
    assert status is not None, "the worker processed no frame"
    assert (status.source, str(status.state)) == ("controller", "red"), status
    assert status.vouched_by == key_id(CONTROLLER_KEY), status
    assert status.red_since is not None and status.red_since < 0, (
        f"red began 10 s before the stream, red_since should be negative: {status}"
    )
    got = received(collector)
    assert got, "no violation delivered under a controller red"
    assert worker.gate is not None and worker.gate.refused_total == 0


@pytest.mark.parametrize(
    "forgery",
    ["signed by another key", "unsigned", "stale (sent a minute ago)", "replayed"],
)
def test_a_forged_or_stale_retained_red_reads_unknown_and_flags_nothing(
    rtsp_server: RtspServer,
    mosquitto: Broker,
    collector: Path,
    edge_key: tuple[Path, Path],
    media_dir: Path,
    tmp_path: Path,
    forgery: str,
) -> None:
    path = city_config(tmp_path, media_dir, rtsp_server.url, mosquitto, free_port(), edge_key[0])
    config = controller_camera(path)
    now = datetime.now(UTC)
    since = now - timedelta(seconds=10)
    controller = Controller(mosquitto.port)
    meanwhile = None
    if forgery == "signed by another key":
        bad = PhaseSigner(Ed25519PrivateKey.generate(), "ap-bac-nguyen-trai").message(
            2, "red", since
        )
    elif forgery == "unsigned":
        bad = SignalPhase(intersection="ap-bac-nguyen-trai", phase=2, state="red", since=since,
                          sent_at=now, seq=10**15).to_bytes()  # fmt: skip
    elif forgery == "stale (sent a minute ago)":
        bad = controller.signer.message(2, "red", since, sent_at=now - timedelta(seconds=60))
    else:  # a genuine red sent before, replayed while the controller says green
        bad = controller.signer.message(2, "red", since)
        controller.keep("green", now)

        def meanwhile(_: CameraWorker) -> None:
            controller.send(bad)

    if meanwhile is None:
        controller.send(bad)  # retained: what a worker that starts now gets first

    def past_the_violations(w: CameraWorker) -> bool:  # vn_a's riders cross by frame 111
        return w.pipeline is not None and w.pipeline.stats.frames >= 200

    try:
        worker = run_worker(config, past_the_violations, 60, meanwhile)
    finally:
        controller.close()
    assert worker.pipeline is not None and worker.pipeline.stats.frames >= 200, "too few frames"
    status = worker.pipeline.last_status
    expected = "green" if forgery == "replayed" else "unknown"
    assert status is not None and str(status.state) == expected, f"{forgery}: {status}"
    assert received(collector) == [], f"{forgery}: a violation under a red nobody signed"
    assert worker.pipeline.stats.crossings.get("violation", 0) == 0
    assert worker.gate is not None and worker.gate.refused_total >= 1, f"{forgery}: not counted"
