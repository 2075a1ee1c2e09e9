"""The per-camera pipeline driven by a scripted detector: when it detects, what evidence it
keeps, and how it reports a violation with plate reading off. No model runs here; the boxes
come from tables, one list of boxes per frame, so every expectation is worked out by hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from common.bundle import open_bundle
from common.config.sections import DetectorConfig, EvidenceConfig, RuleConfig, TrackerConfig
from common.config.signal import SignalSourceKind
from common.signing import generate_keypair, key_id, load_public_key
from edge.perception.geometry import Box
from edge.perception.signal_heads import LampState
from edge.perception.vehicles import Detection, Roi
from edge.pipeline.camera import CameraSite, Pipeline, Violation
from edge.pipeline.evidence import EvidenceWriter
from edge.pipeline.rule import RedLightRule, StopLine
from edge.pipeline.signal import SignalSource
from edge.pipeline.source import Frame
from edge.pipeline.track import Tracker

FPS = 30.0
W, H = 640, 720
LINE_Y = 400.0  # a horizontal stop line; traffic moves up the picture
START = datetime(2026, 11, 30, 7, 15, tzinfo=UTC)
CONTROLLER_KEY_ID = "0123456789abcdef"
RATES = DetectorConfig(detect_fps=5.0, idle_detect_fps=2.0)  # every 6th / every 15th frame

Script = Callable[[int], list[Box]]


class ScriptedDetector:
    """Answers with the boxes the script gives for the frame; the frame index is written in
    the picture's first two pixels, since a detector sees only the picture."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.calls: list[int] = []

    def detect(self, frame_bgr: np.ndarray, roi: Roi | None = None) -> list[Detection]:
        index = int(frame_bgr[0, 0, 0]) + 256 * int(frame_bgr[0, 1, 0])
        self.calls.append(index)
        return [Detection(box, 0.8, "car") for box in self.script(index)]


def frame(index: int) -> Frame:
    image = np.zeros((H, W, 3), np.uint8)
    image[0, 0, 0], image[0, 1, 0] = index % 256, index // 256
    return Frame(index, index / FPS, image)


def car_at(y_bottom: float, x: float = 320.0) -> Box:
    return (x - 20.0, y_bottom - 60.0, x + 20.0, y_bottom)


def empty(_: int) -> list[Box]:
    return []


def approaching(i: int) -> list[Box]:
    """A car driving up at 6 px a frame (180 px/s, 3 box heights a second): its anchor is at
    y=700 on frame 0 and reaches the line (y=400) on frame 50."""
    return [car_at(700.0 - 6.0 * i)] if 700.0 - 6.0 * i > 60 else []


def waiting(_: int) -> list[Box]:
    """A car stopped 10 px before the line, the whole time."""
    return [car_at(LINE_Y + 10.0)]


def make_pipeline(
    script: Script, writer: EvidenceWriter | None = None, state: LampState = LampState.RED
) -> tuple[Pipeline, ScriptedDetector]:
    detector = ScriptedDetector(script)
    signal = SignalSource(SignalSourceKind.CONTROLLER)
    pipeline = Pipeline(
        CameraSite("MT-07", "Ấp Bắc – Nguyễn Trãi", 10.36, 106.36, "c" * 64),
        FPS,
        START,
        detector,
        Tracker(TrackerConfig()),
        RedLightRule(StopLine([(40, LINE_Y), (600, LINE_Y)], (0, -1)), RuleConfig()),
        signal,
        None,  # plates off
        writer,
        rates=RATES,
        evidence=EvidenceConfig(frames_before_s=1.0, frames_after_s=1.0),
    )
    # The controller said so a minute before the stream, in a message signed by its key.
    pipeline.signal.on_phase(-60.0, state, sent=0.0, vouched_by=CONTROLLER_KEY_ID)
    return pipeline, detector


def run(pipeline: Pipeline, frames: int) -> list[Violation]:
    found: list[Violation] = []
    for i in range(frames):
        found += pipeline.process(frame(i))
    return found + pipeline.finish()


@pytest.mark.parametrize(
    ("scene", "script", "state", "calls"),
    [
        ("nothing on the road: the idle rate after the first look", empty, LampState.RED,
         list(range(0, 90, 15))),
        ("a car driving at the line: the full rate until its crossing is decided, then idle",
         approaching, LampState.RED, [*range(0, 61, 6), 75]),
        ("a car waiting at the line: the idle rate once it is known",
         waiting, LampState.RED, [0, 6, 21, 36, 51, 66, 81]),
        ("a car driving at the line on green: no case can come of it, the idle rate",
         approaching, LampState.GREEN, list(range(0, 90, 15))),
        ("a car driving at the line on amber: the full rate (amber ends in red)",
         approaching, LampState.AMBER, [*range(0, 61, 6), 75]),
    ],
)  # fmt: skip
def test_detection_rate_follows_what_is_near_the_line_and_the_signal(
    scene: str, script: Script, state: LampState, calls: list[int]
) -> None:
    pipeline, detector = make_pipeline(script, state=state)
    for i in range(90):
        pipeline.process(frame(i))
    assert detector.calls == calls, f"{scene}: detector ran on frames {detector.calls}"
    assert pipeline.stats.detections_run == len(calls)


def test_on_green_the_full_rate_stays_while_a_crossing_on_red_is_undecided() -> None:
    pipeline, detector = make_pipeline(approaching)  # red; the car crosses at frame 50
    for i in range(55):
        pipeline.process(frame(i))
    assert pipeline.rule.has_undecided(), "the scene changed: no crossing pending at frame 54"
    pipeline.signal.on_phase(55 / FPS, LampState.GREEN, vouched_by=CONTROLLER_KEY_ID)
    for i in range(55, 90):
        pipeline.process(frame(i))
    assert detector.calls == [*range(0, 61, 6), 75], f"detector ran on {detector.calls}"
    assert pipeline.stats.crossings == {"violation": 1}


def test_with_idle_on_green_off_the_rate_follows_the_traffic_alone() -> None:
    pipeline, detector = make_pipeline(approaching, state=LampState.GREEN)
    pipeline.idle_on_green = False
    for i in range(90):
        pipeline.process(frame(i))
    assert detector.calls == [*range(0, 61, 6), 75], f"detector ran on {detector.calls}"


def test_a_red_light_runner_makes_one_violation_with_plates_off() -> None:
    pipeline, _ = make_pipeline(approaching)
    (v,) = run(pipeline, 110)
    d = v.decision
    assert d.kind == "violation" and d.vehicle_class == "car"
    # Processed frames 48 (anchor y=412) and 54 (y=376): the line is reached 1/3 of the way.
    assert d.cross_frame == 50, d.explanation
    assert v.crossed_at == START + timedelta(seconds=50 / FPS)
    assert v.plate.text is None and v.plate.reason == "plate reading is off"
    assert v.bundle is None, "no writer: no bundle"
    assert pipeline.stats.crossings == {"violation": 1}
    kinds = [type(k).__name__ for k in pipeline.stats.crossings]
    assert kinds == ["str"], f"crossings keyed by {kinds}: summaries would print the enum's repr"


def test_the_same_car_on_green_is_judged_and_not_reported() -> None:
    pipeline, _ = make_pipeline(approaching, state=LampState.GREEN)
    assert run(pipeline, 110) == []
    assert pipeline.stats.crossings == {"not_red": 1}


def test_evidence_frames_are_before_at_and_after_the_crossing(tmp_path: Path) -> None:
    private, public = generate_keypair(tmp_path / "keys", "EB-02")
    writer = EvidenceWriter(
        private, tmp_path / "state", tmp_path / "out", "0.1.0", {}, "EB-02", jpeg_quality=80
    )
    pipeline, _ = make_pipeline(approaching, writer)
    (v,) = run(pipeline, 110)
    assert v.bundle is not None and v.bundle.exists()
    key = load_public_key(public)
    manifest = open_bundle(v.bundle.read_bytes(), {key_id(key): key}).manifest
    shots = {b.role: (b.frame_index, b.box) for b in manifest.frame_boxes}
    # before: 1 s (30 frames) ahead of the crossing; after: the frame of the decision, since
    # the rule decided (seen twice past the line, frames 54 and 60) before 1 s had passed.
    assert (shots["frame_before"][0], shots["frame_cross"][0], shots["frame_after"][0]) == (
        20, 50, 60,
    ), shots  # fmt: skip
    # Each picture's box is the car's own on that frame: 20 and 50 lie between detections
    # (18 and 24, 48 and 54) and get the box in proportion; 60 is a detection frame.
    assert [shots[r][1] for r in ("frame_before", "frame_cross", "frame_after")] == [
        car_at(700 - 6 * 20),
        car_at(700 - 6 * 50),
        car_at(700 - 6 * 60),
    ], shots
    assert manifest.cross_frame == 50 and manifest.vehicle.vehicle_class == "car"
    assert manifest.signal.controller_key_id == CONTROLLER_KEY_ID, "the key that vouched"


def test_frames_of_another_size_are_skipped_and_counted() -> None:
    pipeline, detector = make_pipeline(approaching)
    pipeline.frame_size = (1280, 720)
    assert run(pipeline, 30) == []
    assert pipeline.stats.frames_wrong_size == 30 and detector.calls == []


def signed_writer(tmp_path: Path) -> tuple[EvidenceWriter, dict]:
    private, public = generate_keypair(tmp_path / "keys", "EB-02")
    writer = EvidenceWriter(
        private, tmp_path / "state", tmp_path / "out", "0.1.0", {}, "EB-02", jpeg_quality=80
    )
    key = load_public_key(public)
    return writer, {key_id(key): key}


@pytest.mark.parametrize(
    ("dropped", "gone", "picture"),
    [
        ("the crossing frame", {50}, 49),
        ("a run of frames around it", set(range(45, 56)), 44),
        ("every other frame, as a loaded stream", set(range(1, 110, 2)), 50),
        ("every other frame, the crossing among them", set(range(0, 110, 2)), 49),
    ],
)  # fmt: skip
def test_a_violation_whose_crossing_frame_never_arrived_is_delivered_from_the_nearest_frame(
    tmp_path: Path, dropped: str, gone: set[int], picture: int
) -> None:
    writer, keys = signed_writer(tmp_path)
    pipeline, _ = make_pipeline(approaching, writer)
    frames = [i for i in range(110) if i not in gone]
    found = [v for i in frames for v in pipeline.process(frame(i))] + pipeline.finish()
    assert len(found) == 1, f"{dropped}: {len(found)} violations"
    bundle = found[0].bundle
    assert bundle is not None, f"{dropped}: no bundle ({pipeline.stats})"
    manifest = open_bundle(bundle.read_bytes(), keys).manifest
    cross = next(b for b in manifest.frame_boxes if b.role == "frame_cross")
    assert manifest.cross_frame == 50, manifest.decision
    assert (cross.frame_index, cross.offset_frames) == (picture, picture - 50), dropped
    assert pipeline.stats.bundles_failed == 0


def test_a_bundle_that_cannot_be_written_is_kept_in_the_dead_letter_folder_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, _ = signed_writer(tmp_path)

    def disk_full(*_: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "write", disk_full)
    pipeline, _ = make_pipeline(approaching, writer)
    (v,) = run(pipeline, 110)
    assert v.bundle is None and v.dead_letter is not None, "the violation was not kept"
    assert pipeline.stats.bundles_failed == 1
    kept = json.loads((v.dead_letter / "violation.json").read_text())
    assert (kept["camera_id"], kept["cross_frame"], kept["track_id"]) == ("MT-07", 50, 1), kept
    assert "No space left on device" in kept["error"]
    assert kept["frames"]["cross"]["frame_index"] == 50
    pictures = sorted(p.name for p in v.dead_letter.glob("*.jpg"))
    assert pictures == ["after.jpg", "before.jpg", "cross.jpg"], pictures
    assert v.dead_letter.is_relative_to(tmp_path / "state" / "dead-letter" / "MT-07")
    assert pipeline.process(frame(110)) == [], "the pipeline goes on after the failure"


def boxed_twice(i: int) -> list[Box]:
    """The approaching car, and a second box of it shifted 8 px (IoU 0.67): what a detector
    gives for one vehicle it scores as two classes, or twice, which NMS per class keeps."""
    return [
        box for box in approaching(i) for box in (box, (box[0] + 8, box[1], box[2] + 8, box[3]))
    ]


def test_one_vehicle_tracked_twice_makes_one_violation() -> None:
    pipeline, _ = make_pipeline(boxed_twice)
    found = run(pipeline, 110)
    assert len(found) == 1, (
        f"{len(found)} violations for one car: {[v.decision.track_id for v in found]}"
    )
    assert pipeline.stats.duplicate_violations == 1, pipeline.stats
