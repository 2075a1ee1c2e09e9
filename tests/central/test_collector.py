"""The collector end to end through a real Mosquitto: an edge Publisher sends real bundles, the
collector (a subprocess, SIGKILLed mid-stream) stores them, and every receipt comes back. Also
the service's config (errors name the field) and its `keys` command."""

from __future__ import annotations

import argparse
import ast
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt import publish

from central import keys as keys_cli
from central.cli import build_parser
from central.config import ConfigError, load_central_config
from central.keys import KeyRing
from central.store import open_store
from common.config.box import BrokerConfig
from common.signing import Ed25519PrivateKey, key_id
from common.topics import Heartbeat, heartbeat_topic
from edge.delivery.outbox import Outbox
from edge.delivery.publish import Publisher
from tests.fixtures.broker import Broker, Child, wait_until
from tests.keys import RECEIPT_KEY, RECEIPT_KEYS, private_pem
from tests.paths import REPO
from tests.servers.central_collector import BOX, CAMERA, BundleMaker, key_file

COUNT = 200
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


def write_config(directory: Path, port: int) -> Path:
    config = {
        "database_url": f"sqlite:///{directory / 'central.db'}",
        "evidence_dir": str(directory / "evidence"),
        "cameras": str(REPO / "configs" / "cameras.yaml"),
        "broker": {"host": "127.0.0.1", "port": port, "keepalive_s": 5,
                   "reconnect_min_s": 1, "reconnect_max_s": 2},
        "ingest": {"batch_max": 16, "workers": 2},
        "keys": [{"box": BOX, "pem_file": str(key_file(directory))}],
        "receipt_key_file": str(private_pem(directory, RECEIPT_KEY, "central-receipts")),
    }  # fmt: skip
    path = directory / "central.yaml"
    path.write_text(json.dumps(config, indent=1))  # JSON is YAML
    return path


class Collector(Child):
    """tests/servers/central_collector.py, subscribed and ready."""

    def __init__(self, config: Path, client_id: str, *extra: str) -> None:
        err = config.parent / f"{client_id}.{len(list(config.parent.glob('*.err')))}.err"
        super().__init__("central_collector.py", ["--config", str(config), "--client-id",
                         client_id, *extra], err)  # fmt: skip
        if (said := self.line(30)) != "ready":
            self.stop()
            pytest.fail(f"collector {client_id} not ready ({said!r}): {err.read_text()[-3000:]}")

    def final_counts(self) -> dict[str, int]:
        """The counters it logged when it stopped (SIGTERM)."""
        for line in reversed(self.stderr.read_text().splitlines()):
            msg = json.loads(line).get("msg", "") if line.startswith("{") else ""
            if msg.startswith("stopped: "):
                return ast.literal_eval(msg.removeprefix("stopped: "))
        raise AssertionError(f"no 'stopped:' line in {self.stderr}")


class Env:
    def __init__(self, directory: Path, broker: Broker) -> None:
        self.directory, self.broker = directory, broker
        self.config = write_config(directory, broker.port)
        self.collectors: list[Collector] = []
        settings = BrokerConfig(port=broker.port, keepalive_s=5, reconnect_min_s=1,
                                  reconnect_max_s=2)  # fmt: skip
        # No resend within the test: recovery must come from the broker's session alone.
        outbox = Outbox(directory / "outbox.sqlite", 1 << 30)
        self.publisher = Publisher(
            settings, CAMERA, outbox, resend_after_s=600.0, resend_max_s=600.0, heartbeat_s=30.0,
            receipt_keys=RECEIPT_KEYS,
        ).start()  # fmt: skip
        self.maker = BundleMaker()
        self.sent: list[str] = []

    def collector(self, client_id: str = "dendo-central-1", *extra: str) -> Collector:
        self.collectors.append(Collector(self.config, client_id, *extra))
        return self.collectors[-1]

    def submit(self, n: int) -> None:
        for _ in range(n):
            vid, data, _ = self.maker.make()
            self.publisher.submit(vid, data)
            self.sent.append(vid)

    def db(self, sql: str) -> list[tuple[Any, ...]]:
        path = self.directory / "central.db"
        if not path.exists():
            return []
        with sqlite3.connect(path, timeout=30) as conn:
            return conn.execute(sql).fetchall()

    def cases(self) -> int:
        rows = self.db("SELECT count(*) FROM cases") if self.db("PRAGMA table_info(cases)") else []
        return rows[0][0] if rows else 0

    def state(self) -> str:
        return (f"cases {self.cases()}, outbox {self.publisher.outbox.depth()},"
                f" publisher {self.publisher.counters()}")  # fmt: skip

    def close(self) -> None:
        for c in self.collectors:
            c.stop()
        self.publisher.stop(flush_timeout_s=0)
        self.publisher.outbox.close()


@pytest.fixture
def env(tmp_path: Path, mosquitto: Broker) -> Iterator[Env]:
    e = Env(tmp_path, mosquitto)
    yield e
    e.close()


def assert_every_bundle_is_exactly_one_case(env: Env) -> None:
    cases = env.db("SELECT violation_id FROM cases")
    assert len(cases) == COUNT, f"{len(cases)} cases for {COUNT} bundles sent"
    assert {v for (v,) in cases} == set(env.sent), "cases and sent bundles differ"
    assert env.db("SELECT count(*) FROM quarantine") == [(0,)], env.db("SELECT * FROM quarantine")
    assert env.db("SELECT DISTINCT chain_status FROM bundles") == [("ok",)], "chain broken"


def test_collector_killed_mid_stream_and_restarted_makes_each_bundle_exactly_one_case(env: Env):
    first = env.collector()
    env.submit(COUNT // 2)
    wait_until(lambda: env.cases() >= 20, 60, lambda: f"collector stored too little: {env.state()}")
    first.kill()  # SIGKILL: mid-batch, receipts and acks possibly unsent
    at_kill = env.cases()
    env.submit(COUNT - COUNT // 2)  # these wait at the broker in the collector's session
    assert at_kill < COUNT, "the kill came after everything was stored"
    second = env.collector()  # same client id: takes its session back, unacked bundles again
    wait_until(lambda: env.publisher.outbox.depth() == 0, 120,
               lambda: f"receipts missing after the restart: {env.state()}")  # fmt: skip
    assert_every_bundle_is_exactly_one_case(env)
    assert env.publisher.counters()["resent"] == 0, "recovery must not depend on edge resends"
    second.proc.send_signal(signal.SIGTERM)
    assert second.proc.wait(20) == 0, second.stderr.read_text()[-2000:]
    counts = second.final_counts()
    assert counts["redelivered"] > 0, f"no unacked bundle was redelivered after the kill: {counts}"
    assert counts["stored"] == COUNT - at_kill, counts


def test_two_collectors_side_by_side_share_the_load_and_still_make_one_case_each(env: Env):
    a, b = env.collector("dendo-central-a"), env.collector("dendo-central-b")
    env.submit(COUNT)
    wait_until(lambda: env.publisher.outbox.depth() == 0, 120,
               lambda: f"receipts missing: {env.state()}")  # fmt: skip
    assert_every_bundle_is_exactly_one_case(env)
    for c in (a, b):
        c.proc.send_signal(signal.SIGTERM)
        assert c.proc.wait(20) == 0, (
            f"collector did not stop cleanly: {c.stderr.read_text()[-2000:]}"
        )
    counts = [a.final_counts(), b.final_counts()]
    assert all(c["stored"] > 0 for c in counts), f"one collector got nothing: {counts}"
    assert sum(c["stored"] for c in counts) == COUNT, counts


def test_serve_stores_camera_status_and_heartbeats_without_the_web_server(env: Env):
    env.collector("dendo-central-1", "--health")
    beat = Heartbeat(camera_id=CAMERA, at=datetime.now(UTC), connected=True, outbox_depth=3,
                     outbox_bytes=900_000, outbox_evicted=0, frames_in=300, overloaded=True,
                     drop_ratio=0.2)  # fmt: skip

    def row() -> list[tuple[Any, ...]]:
        if not env.db("PRAGMA table_info(camera_health)"):
            return []
        return env.db("SELECT online, last_heartbeat FROM camera_health WHERE camera_id = 'MT-07'")

    # The retained status reaches the health reader once it has subscribed; a heartbeat is not
    # retained, so it is sent after that (a heartbeat sent before is lost, as on a real broker).
    wait_until(lambda: row(), 20, "the edge's retained status was not stored")
    publish.single(heartbeat_topic(CAMERA), beat.to_bytes(), qos=1, hostname="127.0.0.1",
                   port=env.broker.port, protocol=mqtt.MQTTv5)  # fmt: skip
    wait_until(lambda: (r := row()) and r[0][1] is not None, 20, lambda: f"stored: {row()}")
    online, stored = row()[0]
    assert online == 1, "the edge's retained status 'online' was not stored"
    kept = json.loads(stored)
    assert (kept["outbox_depth"], kept["overloaded"], kept["drop_ratio"]) == (3, True, 0.2), kept


def test_a_broker_outage_is_logged_once_and_the_collector_is_back_within_seconds(env: Env):
    collector = env.collector()

    def messages() -> list[str]:
        lines = collector.stderr.read_text().splitlines()
        return [json.loads(line)["msg"] for line in lines if line.startswith("{")]

    env.broker.kill()
    time.sleep(8)  # several backoff steps (1, 2, 2 s in this config)
    env.broker.restart()
    back = time.monotonic()
    wait_until(lambda: any(m.startswith("broker back after") for m in messages()), 10,
               lambda: f"the collector did not come back: {messages()[-5:]}")  # fmt: skip
    took = time.monotonic() - back
    assert took < 5, f"the collector was back {took:.1f} s after the broker"
    time.sleep(0.5)  # its subscription, made again on every connection
    env.submit(5)
    wait_until(lambda: env.publisher.outbox.depth() == 0, 30,
               lambda: f"after the outage: {env.state()}")  # fmt: skip
    said = messages()
    unreachable = [m for m in said if "unreachable" in m]
    assert len(unreachable) <= 1, f"the outage was logged at every retry: {unreachable}"
    assert sum("connection to the broker lost" in m for m in said) == 1, said


def test_central_config_errors_name_the_field_and_line(tmp_path: Path):
    bad = tmp_path / "central.yaml"
    bad.write_text("broker:\n  port: 99999\n  clientid: x\nkeys:\n  - {box: EB-01}\n")
    with pytest.raises(ConfigError) as err:
        load_central_config(bad)
    problems = err.value.problems
    assert any("broker.port" in p and "line 2" in p for p in problems), problems
    assert any("unknown key 'clientid'" in p and "line 3" in p for p in problems), problems
    assert any("keys.0.pem_file" in p and "required" in p for p in problems), problems


def test_shipped_central_config_loads_with_paths_relative_to_it():
    config = load_central_config(REPO / "configs" / "central.yaml")
    assert config.cameras == REPO / "configs" / "cameras.yaml" and config.cameras.exists()
    assert config.database_url.startswith("sqlite:////"), "an absolute SQLite path by default"
    assert (config.city_code, config.notice_deadline_days) == ("MT", 20)


def test_serve_refuses_to_start_on_a_bad_config_naming_the_field(tmp_path: Path):
    bad = tmp_path / "central.yaml"
    bad.write_text("broker: {port: 0}\n")
    script = REPO / "tests" / "servers" / "central_collector.py"
    done = subprocess.run([sys.executable, str(script), "--config", str(bad)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert "broker.port" in done.stderr and "cannot start" in done.stderr, done.stderr[-2000:]


def test_keys_cli_adds_lists_and_revokes_keys_named_in_the_central_config(tmp_path: Path, capsys):
    config = tmp_path / "central.yaml"
    config.write_text(f"database_url: sqlite:///{tmp_path / 'c.db'}\nevidence_dir: ev\n")
    parser = argparse.ArgumentParser()
    keys_cli.add_cli(parser.add_subparsers(dest="command", required=True))
    kid = key_id(OTHER)

    def run(*argv: str) -> str:
        args = parser.parse_args([*argv, "--config", str(config)])
        assert args.func(args) == 0, f"{argv} failed"
        return capsys.readouterr().out

    assert kid in run("keys", "add", "--box", "EB-01", str(key_file(tmp_path, OTHER, "eb-01")))
    assert f"{kid}  EB-01" in run("keys", "list") and "active" in run("keys", "list")
    assert "revoked" in run("keys", "revoke", kid)
    assert "revoked" in run("keys", "list")
    args = parser.parse_args(["keys", "revoke", "0" * 16, "--config", str(config)])
    assert args.func(args) == 1 and "no key 0000000000000000" in capsys.readouterr().err
    with open_store(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "ev") as store:
        assert KeyRing(store.sessions)("MT-01", kid) is None, "a revoked key still verifies"


def test_receipt_keygen_writes_the_pair_once_and_names_where_each_half_goes(tmp_path: Path, capsys):
    args = build_parser().parse_args(["receipt-keygen", "--out", str(tmp_path)])
    assert args.func(args) == 0
    said = capsys.readouterr().out
    private, public = tmp_path / "central-receipts.key.pem", tmp_path / "central-receipts.pub.pem"
    assert private.exists() and public.exists(), sorted(p.name for p in tmp_path.iterdir())
    assert "receipt_key_file" in said and "edge.receipt_keys" in said, said
    assert args.func(args) == 2, "a second run must not overwrite the centre's key"
