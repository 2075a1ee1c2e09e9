"""A person on no two-wheeler seen: a rider when they move at vehicle speed along the road,
a pedestrian otherwise. Scripted tracks (functions of the frame index, 30 fps, detections
5 times a second) through the camera pipeline, and the two measures on tables of points."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pytest

from common.config.sections import DetectorConfig, EvidenceConfig, RuleConfig, TrackerConfig
from common.config.signal import SignalSourceKind
from edge.perception.geometry import Box
from edge.perception.signal_heads import LampState
from edge.perception.vehicles import Detection, Roi
from edge.pipeline.camera import CameraSite, Pipeline, Violation
from edge.pipeline.lone_riders import (
    PERSON_IDS,
    RIDER_SPEED_H,
    RIDER_TRAVEL_H,
    LoneRiders,
    head_travel,
    rider_speed,
)
from edge.pipeline.rule import RedLightRule, StopLine
from edge.pipeline.signal import SignalSource
from edge.pipeline.source import Frame
from edge.pipeline.track import Tracker, TrackPoint

FPS = 30.0
LINE_Y = 400.0  # traffic moves up the picture
UP = (0.0, -1.0)
H = 80.0  # the person's box height


def person_at(bottom: float, x: float = 320.0) -> Box:
    return (x - 20.0, bottom - H, x + 20.0, bottom)


def riding(i: int) -> Box | None:
    """A rider, machine hidden, driving up at 6 px a frame: 180 px/s, 2.25 box heights/s."""
    return person_at(600.0 - 6.0 * i)


def waits_then_rides(i: int) -> Box | None:
    """Waits 1.5 s with the seat 10 px before the line, then rides on at 2.25 heights/s."""
    return person_at(LINE_Y + 10.0 - 6.0 * max(0, i - 45))


def walking(i: int) -> Box | None:
    """A pedestrian walking up the road across the line at 1.4 m/s (a 1.7 m person of
    80 px: 66 px/s, 0.82 box heights/s), far enough past the line to count as going on."""
    return person_at(480.0 - 2.2 * i)


def queue_hop(i: int) -> Box | None:
    """A waiting rider's box that jumps 0.6 box heights forward once, onto the one in front
    (a track hopping along a queue), and stays there."""
    return person_at(LINE_Y + 10.0 if i < 30 else LINE_Y - 38.0)


def queue_hops(i: int) -> Box | None:
    """The same, hopping twice by 0.8 box heights (the second hop 0.5 s after the first):
    1.6 box heights in all, but only 0.8 of them past the line."""
    return person_at(LINE_Y + 10.0 - 64.0 * (i >= 30) - 64.0 * (i >= 45))


Script = Callable[[int], Box | None]


class PersonDetector:
    def __init__(self, script: Script) -> None:
        self.script = script

    def detect(self, frame_bgr: np.ndarray, roi: Roi | None = None) -> list[Detection]:
        index = int(frame_bgr[0, 0, 0]) + 256 * int(frame_bgr[0, 1, 0])
        box = self.script(index)
        return [Detection(box, 0.6, "person")] if box else []


def run(script: Script, frames: int = 120) -> tuple[list[Violation], Pipeline]:
    signal = SignalSource(SignalSourceKind.CONTROLLER)
    pipeline = Pipeline(
        CameraSite("MT-07", "Ấp Bắc – Nguyễn Trãi", 10.36, 106.36, "c" * 64),
        FPS,
        datetime(2026, 11, 30, 7, 15, tzinfo=UTC),
        PersonDetector(script),
        Tracker(TrackerConfig()),
        RedLightRule(StopLine([(40, LINE_Y), (600, LINE_Y)], UP), RuleConfig()),
        signal,
        None,
        None,
        rates=DetectorConfig(detect_fps=5.0, idle_detect_fps=2.0),
        evidence=EvidenceConfig(frames_before_s=1.0, frames_after_s=1.0),
    )
    pipeline.signal.on_phase(-60.0, LampState.RED, sent=0.0, vouched_by="0123456789abcdef")
    found: list[Violation] = []
    for i in range(frames):
        image = np.zeros((720, 640, 3), np.uint8)
        image[0, 0, 0], image[0, 1, 0] = i % 256, i // 256
        found += pipeline.process(Frame(i, i / FPS, image))
    return found + pipeline.finish(), pipeline


@pytest.mark.parametrize(
    ("scene", "script", "cross_frame"),
    [
        ("a rider whose machine is hidden, driving across", riding, 34),
        ("a rider waiting at the line who then rides on", waits_then_rides, 47),
    ],
)  # fmt: skip
def test_a_person_moving_at_vehicle_speed_across_on_red_is_a_riders_violation(
    scene: str, script: Script, cross_frame: int
) -> None:
    found, pipeline = run(script)
    crossings = pipeline.stats.crossings
    assert len(found) == 1, f"{scene}: {len(found)} violations, crossings {crossings}"
    d = found[0].decision
    assert d.vehicle_class == "motorcycle", scene
    assert d.track_id >= PERSON_IDS, "the person's own tracker"
    assert abs(d.cross_frame - cross_frame) <= 6, f"{scene}: crossed at {d.cross_frame}"
    assert "no two-wheeler seen" in str(d.explanation["road_user"])
    assert pipeline.stats.crossings == {"violation": 1}


@pytest.mark.parametrize(
    ("scene", "script"),
    [
        ("a pedestrian walking up the road across the line", walking),
        ("a waiting rider's track hopping onto the one in front", queue_hop),
        ("... and onto the next one", queue_hops),
    ],
)  # fmt: skip
def test_a_person_not_moving_like_a_rider_is_never_a_violation(scene: str, script: Script) -> None:
    found, pipeline = run(script, 150)
    assert found == [], f"{scene}: reported {[v.decision.explanation for v in found]}"
    crossings = pipeline.stats.crossings
    assert crossings.get("lone_person", 0) + crossings.get("stopped", 0) == 1, crossings


def points(tops: list[tuple[float, float]], height: float = H) -> list[TrackPoint]:
    """Matched points from (t, top y) pairs."""
    return [TrackPoint(0, t, (300.0, y, 340.0, y + height), 0.6, True) for t, y in tops]


@pytest.mark.parametrize(
    ("case", "tops", "speed", "travel"),
    [
        ("riding up at 2.25 heights/s for a second",
         [(k / 5, 500.0 - 36.0 * k) for k in range(6)], 2.25, 2.25),
        ("walking up at 0.8 heights/s for two seconds",
         [(k / 5, 500.0 - 12.8 * k) for k in range(11)], 0.8, 1.6),
        ("one hop of 0.6 heights, then still",
         [(0.0, 400.0), (0.2, 400.0), (0.4, 352.0), (0.6, 352.0), (0.8, 352.0)], 1.5, 0.6),
        ("a hop and back (jitter)",
         [(0.0, 400.0), (0.25, 352.0), (0.5, 400.0), (0.75, 352.0)], 0.0, 0.6),
        ("too short a stretch to measure", [(0.0, 400.0), (0.2, 300.0)], 0.0, 1.25),
    ],
)  # fmt: skip
def test_speed_and_travel_of_the_head_along_the_road(
    case: str, tops: list[tuple[float, float]], speed: float, travel: float
) -> None:
    pts = points(tops)
    assert rider_speed(pts, UP) == pytest.approx(speed, abs=0.01), case
    assert head_travel(pts, UP) == pytest.approx(travel, abs=0.01), case
    rider = rider_speed(pts, UP) >= RIDER_SPEED_H and head_travel(pts, UP) >= RIDER_TRAVEL_H
    assert rider is case.startswith("riding"), case


@pytest.mark.parametrize(
    ("case", "bottom", "tracked"),
    [
        ("approaching, 5 box heights before the line", LINE_Y + 5 * H, True),
        ("far down the road, 9 box heights before it", LINE_Y + 9 * H, False),
        ("just past the line", LINE_Y - 0.5 * H, True),
        ("deep in the intersection, 4 box heights past it", LINE_Y - 4 * H, False),
    ],
)  # fmt: skip
def test_persons_are_tracked_only_where_a_crossing_may_have_to_be_judged(
    case: str, bottom: float, tracked: bool
) -> None:
    riders = LoneRiders.like(Tracker(TrackerConfig()), UP)
    line = StopLine([(40, LINE_Y), (600, LINE_Y)], UP)
    person = Detection(person_at(bottom), 0.6, "person")
    assert (riders.near_the_line([person], line) == [person]) is tracked, case
