"""`dendo-edge check-config --online` against a real Mosquitto on the generated policy: each
camera worker's user logs in with the box's password, and a wrong one is named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from edge.commands.check_config import check_config_main
from tests.fixtures.broker import HOST
from tests.fixtures.broker_policy import PolicyBroker


def config_for(broker: PolicyBroker, directory: Path) -> Path:
    data = yaml.safe_load(broker.cameras.read_text())
    data["edge"]["broker"].update({"host": HOST, "port": broker.port, "tls": {
        "ca_file": str(broker.ca_file)}, "password_env": "DENDO_TEST_MQTT"})  # fmt: skip
    path = directory / "cameras-online.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("case", "password_of", "code", "said"),
    [
        ("the box's own password", "EB-02", 0, "the broker accepted the login"),
        ("another box's password", "EB-01", 1,
         "refused: Not authorized for broker user edge-MT-05"),
    ],
)  # fmt: skip
def test_online_check_logs_in_as_each_camera_of_the_box(
    policy_broker: PolicyBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    case: str, password_of: str, code: int, said: str,
) -> None:  # fmt: skip
    monkeypatch.setenv("DENDO_TEST_MQTT", policy_broker.password(password_of))
    lines: list[str] = []
    path = config_for(policy_broker, tmp_path)
    result = check_config_main(path, out=lines.append, box="EB-02", online=True, timeout_s=5)
    text = "\n".join(lines)
    assert result == code, f"{case}: {text}"
    assert f"  MT-05: {said}" in text or (code and said in text), f"{case}: {text}"
    assert sum(line.startswith(("  MT-05:", "  MT-06:", "  MT-07:", "  MT-08:"))
               for line in lines) == 4, text  # fmt: skip
