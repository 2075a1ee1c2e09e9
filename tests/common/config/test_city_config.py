"""Camera configuration: the shipped city file, defaults and overrides, and the error messages
an operator sees (each must name the file, the camera and the field)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest

from common.config.camera import config_hash
from common.config.city import CityConfig, load_config
from common.config.signal import SignalSourceKind
from common.config.yaml_file import ConfigError
from edge.commands.check_config import add_cli, check_config_main
from tests.config_docs import SHIPPED, assert_problem, camera, problems_of, write

# --- the shipped file -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def city() -> CityConfig:
    return load_config(SHIPPED)


def test_shipped_file_has_48_unique_cameras_on_12_boxes(city: CityConfig) -> None:
    ids = [c.id for c in city.cameras]
    assert ids == [f"MT-{n:02d}" for n in range(1, 49)], f"unexpected camera ids: {ids}"
    assert city.boxes == [f"EB-{n:02d}" for n in range(1, 13)], f"boxes: {city.boxes}"
    for box in city.boxes:
        on_box = city.cameras_on_box(box)
        assert len(on_box) == 4, f"{box} has {[c.id for c in on_box]}, expected 4 cameras"
        sites = {c.name.split(",")[0] for c in on_box}
        assert len(sites) == 1, f"{box} mixes intersections: {sites}"


def test_shipped_cameras_are_in_my_tho_with_credentials_from_the_environment(
    city: CityConfig,
) -> None:
    for cam in city.cameras:
        assert 10.34 <= cam.location.lat <= 10.38, f"{cam.id} latitude {cam.location.lat}"
        assert 106.33 <= cam.location.lon <= 106.40, f"{cam.id} longitude {cam.location.lon}"
        assert cam.source_kind == "rtsp", f"{cam.id} source is {cam.source_kind}"
        assert cam.env_vars == ("CAM_USER", "CAM_PASS"), f"{cam.id} source {cam.source}"
        box_no = int(cam.box[3:])
        assert f"@10.20.{box_no}." in cam.source, f"{cam.id} on {cam.box}: {cam.source}"
        assert cam.frame_size in ((1920, 1080), (2560, 1440)), f"{cam.id}: {cam.frame_size}"


def test_shipped_signal_sources_and_exemptions(city: CityConfig) -> None:
    kinds = [c.signal.source for c in city.cameras]
    assert kinds.count(SignalSourceKind.CONTROLLER) == 2, f"signal sources: {kinds}"
    assert kinds.count(SignalSourceKind.SCHEDULE) == 1, f"signal sources: {kinds}"
    assert kinds.count(SignalSourceKind.VISION) == 45, f"signal sources: {kinds}"
    rtor = [c.id for c in city.cameras if c.exempt and c.exempt.right_turn_on_red]
    assert len(rtor) >= 2, f"cameras with right turn on red: {rtor}"
    assert any(c.frame_size == (2560, 1440) for c in city.cameras), "no 2560x1440 camera"


def test_shipped_override_keeps_other_defaults(city: CityConfig) -> None:
    mt07 = city.camera("MT-07")
    assert mt07.rule.min_frames_past_line == 3, "MT-07 overrides min_frames_past_line"
    others = mt07.rule.model_dump(exclude={"min_frames_past_line"})
    assert others == city.defaults.rule.model_dump(exclude={"min_frames_past_line"})
    assert city.camera("MT-01").rule == city.defaults.rule, "MT-01 has no override"


def test_check_config_on_the_shipped_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAM_USER", raising=False)
    monkeypatch.setenv("CAM_PASS", "not-printed")
    lines: list[str] = []
    assert check_config_main(SHIPPED, out=lines.append) == 0, "\n".join(lines)
    text = "\n".join(lines)
    assert "48 camera(s) on 12 edge box(es)" in text, text
    assert "EB-07: 4 camera(s): MT-25 MT-26 MT-27 MT-28" in text, text
    assert "warning: environment variable CAM_USER is not set" in text, text
    assert "CAM_PASS" not in text and "not-printed" not in text, text


def test_check_config_names_the_secrets_and_keys_a_box_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DENDO_MQTT_PASSWORD", raising=False)
    lines: list[str] = []
    assert check_config_main(SHIPPED, out=lines.append, box="EB-02") == 0, "\n".join(lines)
    warnings = [line for line in lines if line.startswith("warning: ")]
    assert any("$DENDO_MQTT_PASSWORD is not set" in w and "edge-{camera}" in w
               for w in warnings), warnings  # fmt: skip
    assert any("edge.key_file /etc/dendo/edge.key.pem does not exist" in w for w in warnings)
    lines.clear()
    assert check_config_main(SHIPPED, out=lines.append, box="EB-99") == 1
    assert "no camera is on box EB-99" in lines[-1], lines


@pytest.mark.parametrize(
    ("head", "warned"),
    [
        ({"roi": [600, 20, 8, 15], "layout": "vertical"}, True),  # cheyenne at 480 px: unread
        ({"roi": [600, 20, 11, 20], "layout": "vertical"}, False),  # cheyenne at 640 px: read
        ({"roi": [600, 20, 40, 9], "layout": "horizontal"}, True),
        ({"roi": [600, 20, 40, 14], "layout": "horizontal"}, False),
    ],
)  # fmt: skip
def test_check_config_warns_of_signal_heads_too_small_to_read(
    tmp_path: Path, head: dict[str, Any], warned: bool
) -> None:
    doc = {"cameras": [camera(signal={"source": "vision", "heads": [head]})]}
    lines: list[str] = []
    assert check_config_main(write(tmp_path, doc), out=lines.append) == 0, "\n".join(lines)
    small = [line for line in lines if "signal.heads[0]" in line]
    assert bool(small) is warned, f"{head}: {small or lines}"
    if warned:
        assert small[0].startswith("warning: camera MT-07 signal.heads[0]: the head is "), small


# --- defaults and overrides -------------------------------------------------------------------


def test_defaults_merge_deeply_into_each_camera(tmp_path: Path) -> None:
    doc = {
        "defaults": {
            "rule": {"min_frames_past_line": 2, "amber_policy": "grace"},
            "detector": {"detect_fps": 6, "classes": ["car", "bus"]},
        },
        "cameras": [
            camera(rule={"min_frames_past_line": 5}, detector={"conf": 0.4}),
            camera(id="MT-08"),
        ],
    }
    cfg = load_config(write(tmp_path, doc))
    mt07, mt08 = cfg.camera("MT-07"), cfg.camera("MT-08")
    assert mt07.rule.min_frames_past_line == 5, "the camera's own value wins"
    assert mt07.rule.amber_policy == "grace", "a default the camera did not override is kept"
    assert mt07.rule.min_distance_px == 12.0, "a key given nowhere takes the built-in default"
    assert (mt07.detector.detect_fps, mt07.detector.conf) == (6, 0.4)
    assert mt07.detector.classes == ["car", "bus"]
    assert mt08.rule.min_frames_past_line == 2 and mt08.detector.conf == 0.25
    assert mt08.evidence == cfg.defaults.evidence


def test_one_camera_file_is_valid(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, {"cameras": [camera(id="DEMO-01", box="EB-01")]}))
    assert [c.id for c in cfg.cameras] == ["DEMO-01"]
    assert cfg.cameras_on_box("EB-01") == cfg.cameras and cfg.cameras_on_box("EB-02") == []
    with pytest.raises(KeyError) as info:
        cfg.camera("DEMO-1")
    assert "DEMO-01" in str(info.value), f"the message should list the known ids: {info.value}"


def test_unknown_camera_lists_close_matches_first(city: CityConfig) -> None:
    with pytest.raises(KeyError) as info:
        city.camera("MT-7")
    message = str(info.value)
    assert message.startswith("no camera 'MT-7'"), message
    assert message.index("MT-07") < message.index("MT-01"), f"close match not first: {message}"


# --- errors: each names the file, the camera and the field ------------------------------------


def head(roi: list[int]) -> dict[str, Any]:
    return {"source": "vision", "heads": [{"roi": roi, "layout": "vertical"}]}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"signal": head([1490, 10, 0, 110])}, ["signal.heads.0.roi", "greater than 0"]),
        ({"signal": head([1900, 10, 40, 110])}, ["signal.heads.0.roi", "1920x1080"]),
        ({"signal": {"source": "vision"}}, ["signal.heads", "source is vision"]),
        ({"signal": {"source": "controller"}}, ["signal.controller", "required"]),
        ({"signal": {"source": "lidar"}}, ["signal.source", "'lidar'"]),
        ({"colour": "red"}, ["colour", "unknown key", "not permitted"]),
        ({"rule": {"min_frame": 3}}, ["rule.min_frame", "not permitted"]),
        ({"stop_line": [[412, 610], [1990, 598]]}, ["stop_line.1", "outside 1920x1080"]),
        ({"stop_line": [[412, 610]]}, ["stop_line", "at least 2"]),
        ({"direction": [0, 0]}, ["direction", "no length"]),
        ({"direction": [1, 0]}, ["direction", "along the stop line"]),
        ({"location": {"lat": 100, "lon": 106.3}}, ["location.lat", "90"]),
        ({"box": "box-2"}, ["box", "EB-01"]),
        ({"source": "rtsp://${CAM_USER:${CAM_PASS}@host/"}, ["source", "${NAME}"]),
        ({"exempt": {"right_turn_on_red": {"exit_zone": [[1, 1], [5, 5]]}}}, ["exit_zone"]),
        (
            {
                "exempt": {
                    "right_turn_on_red": {"exit_zone": [[1600, 400], [2000, 400], [1700, 600]]}
                }
            },
            ["exempt.right_turn_on_red.exit_zone.1", "outside"],
        ),
        ({"roi": [0, 300, 1920, 900]}, ["roi.2", "outside"]),
        ({"plate": {"engine": "tensorrt"}}, ["plate.engine", "'openvino'", "'onnxruntime'"]),
        (
            {"detector": {"detect_fps": 12, "picture_fps": 10}},
            ["detector", "picture_fps (10) must be at least detect_fps (12)"],
        ),
    ],
)
def test_error_names_camera_and_field(
    tmp_path: Path, change: dict[str, Any], expected: list[str]
) -> None:
    path = write(tmp_path, {"cameras": [camera(id="MT-01"), camera(**change)]})
    problems = problems_of(path)
    assert_problem(problems, f"{path}: camera MT-07 (index 1): ", *expected)
    assert all("MT-01" not in p for p in problems), f"MT-01 is fine: {problems}"


def test_error_gives_the_yaml_line(tmp_path: Path) -> None:
    path = write(tmp_path, {"cameras": [camera(direction=[0, 0])]})
    (line,) = problems_of(path)
    found = re.search(r"\(line (\d+)\)$", line)
    assert found is not None, line
    number = int(found[1])
    assert path.read_text().splitlines()[number - 1].startswith("  direction:"), line


def test_bad_id_is_reported_by_index(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, {"cameras": [camera(id="mt7")]}))
    assert_problem(problems, "camera at index 0: id: must look like MT-07", "'mt7'")


def test_duplicate_id_names_both(tmp_path: Path) -> None:
    doc = {"cameras": [camera(), camera(id="MT-08"), camera(name="again")]}
    problems = problems_of(write(tmp_path, doc))
    assert_problem(problems, "camera MT-07 (index 2): id: duplicate MT-07 (index 0)")


def test_bad_default_is_reported_once(tmp_path: Path) -> None:
    doc = {
        "defaults": {"rule": {"amber_policy": "maybe"}},
        "cameras": [camera(), camera(id="MT-08")],
    }
    problems = problems_of(write(tmp_path, doc))
    assert len(problems) == 1, problems
    assert_problem(problems, "defaults: rule.amber_policy:", "'maybe'")


def test_missing_field_and_empty_cameras(tmp_path: Path) -> None:
    cam = camera()
    del cam["signal"]
    assert_problem(
        problems_of(write(tmp_path, {"cameras": [cam]})), "(index 0): signal:", "missing"
    )
    assert_problem(problems_of(write(tmp_path, {"cameras": []})), "cameras:", "at least 1")
    assert_problem(problems_of(write(tmp_path, {"camera": [cam]})), "camera: unknown key")


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("cameras:\n  - id: MT-07\n    name: [unclosed\n    box: EB-01\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: invalid YAML at line "), problem
    assert "started at line 3" in problem, problem


def test_duplicate_yaml_key_names_line(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("cameras:\n  - id: MT-07\n    box: EB-01\n    box: EB-02\n")
    (problem,) = problems_of(path)
    assert "line 4" in problem and "duplicate key 'box' (first at line 3)" in problem, problem


def test_unreadable_and_empty_files(tmp_path: Path) -> None:
    assert_problem(problems_of(tmp_path / "absent.yaml"), "absent.yaml: cannot read")
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n")
    assert_problem(problems_of(empty), "empty.yaml: expected a mapping", "empty file")
    control = tmp_path / "control.yaml"
    control.write_text('cameras:\n  - id: "MT\x01"\n')
    assert_problem(problems_of(control), "control.yaml: invalid YAML at line 2", "#x0001")


def test_check_config_prints_every_problem(tmp_path: Path) -> None:
    doc = {"cameras": [camera(direction=[0, 0]), camera(id="MT-08", colour=1)]}
    lines: list[str] = []
    assert check_config_main(write(tmp_path, doc), out=lines.append) == 1
    assert_problem(lines, "camera MT-07 (index 0): direction")
    assert_problem(lines, "camera MT-08 (index 1): colour")
    assert lines[-1].endswith("INVALID, 2 problem(s)"), lines


def test_add_cli_registers_check_config(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["check-config", str(write(tmp_path, {"cameras": [camera()]}))])
    assert args.func(args) == 0


# --- sources: secrets stay in the environment -------------------------------------------------


def test_source_expands_only_on_request(tmp_path: Path) -> None:
    cam = load_config(write(tmp_path, {"cameras": [camera()]})).cameras[0]
    env = {"CAM_USER": "admin", "CAM_PASS": "p@ss:w#rd"}
    url = cam.resolved_source(env)
    assert url == "rtsp://admin:p%40ss%3Aw%23rd@10.20.2.17:554/Streaming/Channels/101", url
    assert "p@ss" not in repr(cam) and "p@ss" not in cam.model_dump_json(), "secret leaked"
    assert cam.redacted_source() == "rtsp://***:***@10.20.2.17:554/Streaming/Channels/101"


def test_missing_variable_names_camera_and_variable(tmp_path: Path) -> None:
    cam = load_config(write(tmp_path, {"cameras": [camera()]})).cameras[0]
    with pytest.raises(ConfigError) as info:
        cam.resolved_source({"CAM_USER": "admin"})
    assert "camera MT-07" in str(info.value) and "CAM_PASS" in str(info.value), info.value


def test_redaction_of_literal_credentials_and_file_sources(tmp_path: Path) -> None:
    doc = {
        "cameras": [
            camera(source="rtsp://admin:hunter2@10.0.0.5/live?token=abc&channel=1"),
            camera(id="MT-08", source="/data/videos/mt08.mp4"),
        ]
    }
    cfg = load_config(write(tmp_path, doc))
    redacted = cfg.cameras[0].redacted_source()
    assert redacted == "rtsp://***:***@10.0.0.5/live?token=***&channel=1", redacted
    mt08 = cfg.camera("MT-08")
    assert (mt08.source_kind, mt08.resolved_source({}), mt08.redacted_source()) == (
        "file",
        "/data/videos/mt08.mp4",
        "/data/videos/mt08.mp4",
    )


# --- config hash ------------------------------------------------------------------------------


def test_config_hash_is_stable_and_sensitive(tmp_path: Path, city: CityConfig) -> None:
    base = config_hash(load_config(write(tmp_path, {"cameras": [camera()]})).cameras[0])
    assert re.fullmatch(r"[0-9a-f]{64}", base), base
    again = config_hash(load_config(write(tmp_path, {"cameras": [camera()]}, "b.yaml")).cameras[0])
    assert again == base, "the same settings must hash the same"
    # The same effective settings written another way (explicit default, int for float).
    explicit = camera(rule={"min_distance_px": 12}, detector={"detect_fps": 5.0})
    same = config_hash(load_config(write(tmp_path, {"cameras": [explicit]}, "c.yaml")).cameras[0])
    assert same == base, "writing a default explicitly must not change the hash"
    changed = camera(rule={"min_frames_past_line": 3})
    other = config_hash(load_config(write(tmp_path, {"cameras": [changed]}, "d.yaml")).cameras[0])
    assert other != base, "a changed threshold must change the hash"
    hashes = {config_hash(c) for c in city.cameras}
    assert len(hashes) == 48, "every shipped camera has its own settings"
