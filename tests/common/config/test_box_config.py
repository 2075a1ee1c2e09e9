"""The `edge:` block of the camera config, and `dendo-edge run` refusing what it cannot run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from common.config.city import load_config
from common.signing import generate_keypair
from tests.config_docs import SHIPPED, assert_problem, camera, problems_of, write
from tests.paths import REPO


def test_shipped_edge_block_gives_each_box_its_own_mqtt_user() -> None:
    edge = load_config(SHIPPED).edge
    assert edge.broker.tls is not None, "the shipped broker settings must use TLS"
    assert edge.broker.port == 8883
    assert edge.broker.for_camera("EB-03", "MT-09").username == "edge-MT-09"
    assert edge.outbox.quota_mb > 0 and edge.metrics_port == 9108


def test_edge_block_defaults_when_absent(tmp_path: Path) -> None:
    edge = load_config(write(tmp_path, {"cameras": [camera()]})).edge
    assert (edge.broker.host, edge.broker.port, edge.broker.tls) == ("127.0.0.1", 1883, None)
    assert edge.broker.password({"DENDO_MQTT_PASSWORD": "s3cret"}) == "s3cret"
    assert edge.broker.password({}) is None


def test_edge_block_errors_name_the_field(tmp_path: Path) -> None:
    doc = {
        "edge": {"broker": {"port": 70000, "tls": {"cafile": "x"}}, "outbox": {"quota_mb": 0}},
        "cameras": [camera()],
    }
    problems = problems_of(write(tmp_path, doc))
    assert_problem(problems, "edge.broker.port")
    assert_problem(problems, "edge.broker.tls", "cafile")
    assert_problem(problems, "edge.outbox.quota_mb")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edge.commands.main", "run", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
    )


def test_run_refuses_an_unknown_box_and_lists_the_known_ones() -> None:
    result = run_cli("--config", str(SHIPPED), "--box", "EB-99")
    assert result.returncode == 2
    assert "no box 'EB-99'" in result.stderr and "EB-01" in result.stderr, result.stderr


def test_run_names_the_missing_credentials(tmp_path: Path) -> None:
    result = run_cli("--config", str(SHIPPED), "--box", "EB-01", env={"PATH": "/usr/bin"})
    assert result.returncode == 2
    assert "CAM_PASS" in result.stderr and "CAM_USER" in result.stderr, result.stderr


def test_run_refuses_a_box_that_could_verify_no_receipt(tmp_path: Path) -> None:
    doc: dict[str, Any] = {"cameras": [camera(box="EB-01")]}
    env = {"PATH": "/usr/bin", "CAM_USER": "u", "CAM_PASS": "p"}
    result = run_cli("--config", str(write(tmp_path, doc)), "--box", "EB-01", env=env)
    assert result.returncode == 2
    assert "edge.receipt_keys is empty" in result.stderr, result.stderr


def test_run_names_the_missing_signing_key(tmp_path: Path) -> None:
    doc: dict[str, Any] = {
        "edge": {"key_file": str(tmp_path / "none.pem"), "receipt_keys": ["/etc/c.pub.pem"]},
        "cameras": [camera(box="EB-01")],
    }
    env = {"PATH": "/usr/bin", "CAM_USER": "u", "CAM_PASS": "p"}
    result = run_cli("--config", str(write(tmp_path, doc)), "--box", "EB-01", env=env)
    assert result.returncode == 2
    assert "none.pem" in result.stderr and "keygen" in result.stderr, result.stderr
    generate_keypair(tmp_path, "edge")  # with a key, the same config passes these checks
    doc["edge"]["key_file"] = str(tmp_path / "edge.key.pem")
    assert load_config(write(tmp_path, doc)).edge.key_file.is_file()
