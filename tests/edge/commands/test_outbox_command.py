"""`dendo-edge outbox`: an operator sees what the centre quarantined, and releases or drops it."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.config.box import OutboxConfig
from edge.commands.main import main
from edge.delivery.outbox import Outbox
from tests.config_docs import camera, write


@pytest.fixture
def config(tmp_path: Path) -> Path:
    doc = {"edge": {"outbox": {"dir": str(tmp_path / "outbox")}}, "cameras": [camera()]}
    path = write(tmp_path, doc)
    with Outbox.for_camera(OutboxConfig(dir=tmp_path / "outbox"), "MT-07") as box:
        box.put("v-held", "MT-07", b"x" * 300)
        box.put("v-fine", "MT-07", b"y" * 200)
        box.hold_many([("v-held", "jpeg_corrupt: frame_cross.jpg does not decode")])
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["outbox", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_shows_each_held_bundle_with_its_reason(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "list", "--config", str(config))
    assert code == 0
    assert "MT-07  v-held        300 B  jpeg_corrupt: frame_cross.jpg does not decode" in out, out
    assert "MT-07: 2 bundle(s) in the outbox, 1 held" in out and "1 held bundle(s)" in out, out


def test_release_sends_it_again_and_drop_needs_a_reason(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("--config", str(config), "--camera", "MT-07")
    code, _, err = run(capsys, "drop", "v-held", *base)
    assert code == 2 and "give --reason" in err, err
    code, _, err = run(capsys, "release", "v-fine", *base)
    assert code == 1 and "not held" in err, "only held bundles can be released"
    code, out, _ = run(capsys, "release", "v-held", *base)
    assert code == 0 and "will be sent again" in out
    with Outbox.for_camera(OutboxConfig(dir=tmp_path / "outbox"), "MT-07") as box:
        assert [i.violation_id for i in box.due(0.0, 30.0, 10)] == ["v-held", "v-fine"]
        box.hold_many([("v-held", "conflict")])
    code, out, _ = run(capsys, "drop", "v-held", *base, "--reason", "a USB copy reached the centre")
    assert code == 0 and "dropped" in out
    with Outbox.for_camera(OutboxConfig(dir=tmp_path / "outbox"), "MT-07") as box:
        assert box.depth() == 1 and box.held() == []


def test_an_unknown_camera_is_named(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "list", "--config", str(config), "--camera", "MT-99")
    assert code == 2 and "no camera 'MT-99'" in err, err
