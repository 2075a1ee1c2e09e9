"""`dendo-edge replay` end to end on a real public video: found, explained, signed, repeatable."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from common.bundle import open_bundle
from common.signing import key_id, load_public_key
from edge.commands.main import main as dendo_edge

pytestmark = pytest.mark.slow  # sweeps the real material; see pyproject's markers

END_S = 4.3  # vn_a's two violations cross at frames 57 and 110 (30 fps)


def vn_a_config(media: Path, tmp: Path) -> Path:
    truth = json.loads((media / "vn_a.json").read_text())
    cal = truth["calibration"]
    config = {
        "cameras": [
            {
                "id": "VN-01",
                "name": "Vietnamese intersection (public clip vn_a)",
                "location": {"lat": 10.3600, "lon": 106.3600},
                "box": "EB-01",
                "source": str(media / "vn_a.mp4"),
                "frame_size": [truth["width"], truth["height"]],
                "stop_line": cal["stop_line"],
                "direction": cal["direction"],
                "signal": {"source": "vision", "heads": cal["signal_heads"]},
            }
        ]
    }
    path = tmp / "vn_a.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def replay(media: Path, config: Path, out: Path, key: Path | None = None) -> dict[str, Any]:
    argv = [
        "replay", str(media / "vn_a.mp4"), "--config", str(config), "--camera", "VN-01",
        "--out", str(out), "--json", str(out / "summary.json"), "--end", str(END_S),
        "--start-time", "2026-11-20T08:00:00Z", "--quiet",
    ]  # fmt: skip
    if key:
        argv += ["--key", str(key)]
    assert dendo_edge(argv) == 0
    return json.loads((out / "summary.json").read_text())


@pytest.fixture(scope="module")
def two_runs(media_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, Path]:
    tmp = tmp_path_factory.mktemp("replay")
    config = vn_a_config(media_dir, tmp)
    first = replay(media_dir, config, tmp / "run1")
    second = replay(media_dir, config, tmp / "run2", key=tmp / "run1" / "replay.key.pem")
    return first, second, tmp


def test_replay_finds_both_listed_violations_of_vn_a(two_runs: tuple[dict, dict, Path]) -> None:
    summary = two_runs[0]
    frames = sorted(v["cross_frame"] for v in summary["violations"])
    assert len(frames) == 2, f"expected the 2 listed violations, got crossings at {frames}"
    for got, listed in zip(frames, [57, 110], strict=True):
        assert abs(got - listed) <= 15, f"crossing at {got}, listed at {listed}"
    for v in summary["violations"]:
        assert v["vehicle_class"] == "motorcycle"
        assert v["signal_state"] == "red" and v["seconds_into_red"] > 0
        assert v["explanation"]["reason"].startswith("crossed on red")
        assert set(v) >= {"violation_id", "crossed_at", "box_at_cross", "plate", "bundle"}


def test_bundles_verify_and_explain_the_decision(two_runs: tuple[dict, dict, Path]) -> None:
    summary, _, tmp = two_runs
    public = load_public_key(tmp / "run1" / "replay.pub.pem")
    for v in summary["violations"]:
        data = (tmp / "run1" / v["bundle"]).read_bytes()
        bundle = open_bundle(data, {key_id(public): public})
        m = bundle.manifest
        assert m.violation_id == v["violation_id"] and m.cross_frame == v["cross_frame"]
        assert m.signal.state == "red"
        roles = {f.role for f in m.files}
        assert {"frame_before", "frame_cross", "frame_after", "signal_crop"} <= roles


def test_replay_twice_gives_the_same_violations_frames_plates_and_images(
    two_runs: tuple[dict, dict, Path],
) -> None:
    first, second, tmp = two_runs

    def essence(summary: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [
            (v["cross_frame"], v["vehicle_class"], v["box_at_cross"], v["plate"]["norm"])
            for v in summary["violations"]
        ]

    assert essence(first) == essence(second)
    for a, b in zip(first["violations"], second["violations"], strict=True):
        with (
            zipfile.ZipFile(tmp / "run1" / a["bundle"]) as za,
            zipfile.ZipFile(tmp / "run2" / b["bundle"]) as zb,
        ):
            images = [n for n in za.namelist() if n.endswith(".jpg")]
            assert images, "a bundle without images"
            for name in images:
                assert za.read(name) == zb.read(name), f"{name} differs between runs"
