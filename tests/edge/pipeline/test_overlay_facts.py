"""What the bundle records for the page's overlays: the offender's detected boxes around the
crossing (bounded, never the tracker's guesses), the stop line and direction as judged, where
the plate was cut and carried to the crossing picture, and the clip's timing; and the
pipeline writing them, with the three signal crops, into a signed bundle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from common.bundle import open_bundle
from common.config.sections import TrackerConfig
from edge.perception.geometry import Box
from edge.perception.plate.track_plates import PlateSpot
from edge.perception.vehicles import Detection
from edge.pipeline.clip import Cut
from edge.pipeline.overlay_facts import (
    box_near,
    clip_info,
    frame_boxes,
    geometry,
    plate_box,
    rider_near,
    track_boxes,
    track_window,
)
from edge.pipeline.rule import StopLine
from edge.pipeline.source import Frame
from edge.pipeline.track import Track, Tracker
from tests.edge.pipeline.test_camera_pipeline import (
    LINE_Y,
    approaching,
    make_pipeline,
    run,
    signed_writer,
)


def car(y: float) -> Box:
    return (300.0, y - 60.0, 340.0, y)


def tracked(frames: list[int], seen: set[int], fps: float = 10.0) -> Track:
    """One car driving up 10 px a frame, detected on the frames in `seen` only."""
    tracker = Tracker(TrackerConfig(min_hits=1))
    for i in frames:
        dets = [Detection(car(700.0 - 10.0 * i), 0.9, "car")] if i in seen else []
        tracker.update(i, i / fps, dets)
    (track,) = [*tracker.tracks, *tracker.removed]
    return track


def test_no_track_no_boxes() -> None:
    assert track_boxes(None, 0.0, 10.0) is None


@pytest.mark.parametrize(
    ("case", "frames", "seen", "window", "limit", "expected"),
    [
        ("every detection in the window and one each side", range(20), set(range(20)),
         (0.5, 1.2), 200, list(range(4, 14))),
        ("a lost stretch is left out, not guessed", range(20), set(range(20)) - {8, 9, 10},
         (0.5, 1.2), 200, [4, 5, 6, 7, 11, 12, 13]),
        ("between detections: the nearest ones outside", range(20), set(range(0, 20, 5)),
         (0.6, 0.9), 200, [5, 10]),
        ("more than the limit: spread evenly, ends kept", range(40), set(range(40)),
         (0.0, 3.9), 5, [0, 10, 20, 29, 39]),
        ("seen only before the window: its last sighting", range(20), set(range(5)),
         (1.0, 1.9), 200, [4]),
        ("the window at the track's start", range(20), set(range(20)), (0.0, 0.3), 200,
         [0, 1, 2, 3, 4]),
    ],
)  # fmt: skip
def test_track_boxes_are_the_detections_around_the_crossing(
    case: str,
    frames: range,
    seen: set[int],
    window: tuple[float, float],
    limit: int,
    expected: list[int] | None,
) -> None:
    track = tracked(list(frames), seen)
    got = track_boxes(track, *window, limit=limit)
    assert (got and [p["frame_index"] for p in got]) == expected, case
    for p in got or []:
        assert p["box"] == list(car(700.0 - 10.0 * p["frame_index"])), f"{case}: not as detected"


@pytest.mark.parametrize(
    ("case", "frame", "expected"),
    [
        ("a detection frame: its box", 6, car(700.0 - 60.0)),
        ("between detections 6 and 9: a third of the way", 7, car(700.0 - 70.0)),
        ("before the first detection: the first", 0, car(700.0 - 30.0)),
        ("after the last detection: the last", 25, car(700.0 - 180.0)),
    ],
)
def test_a_picture_gets_the_box_of_its_own_frame(case: str, frame: int, expected: Box) -> None:
    track = tracked(list(range(20)), set(range(3, 19, 3)))  # detected on frames 3, 6 .. 18
    assert box_near(track, frame, car(0.0)) == list(expected), case
    assert box_near(None, frame, car(0.0)) == list(car(0.0)), "no track: the crossing box"


def bike(y: float) -> Box:
    return (300.0, y - 30.0, 320.0, y)


def rider_on(y: float) -> Box:
    """A rider sitting on `bike(y)`: taller than the machine, feet below its top."""
    return (298.0, y - 70.0, 322.0, y - 20.0)


def ridden(seen: set[int], rider_seen: set[int]) -> Track:
    """A motorbike driving up 10 px a frame (frames 0-19), detected on `seen`, its rider
    seen on it on `rider_seen`."""
    tracker = Tracker(TrackerConfig(min_hits=1))
    for i in range(20):
        y = 700.0 - 10.0 * i
        rider = rider_on(y) if i in rider_seen else None
        dets = [Detection(bike(y), 0.9, "motorcycle", rider)] if i in seen else []
        tracker.update(i, i / 10.0, dets)
    (track,) = [*tracker.tracks, *tracker.removed]
    return track


def moved(box: Box, dy: float) -> list[float]:
    return [box[0], box[1] + dy, box[2], box[3] + dy]


@pytest.mark.parametrize(
    ("case", "rider_seen", "frame", "expected"),
    [
        ("a detection frame with its rider", {3, 6}, 6, list(rider_on(640.0))),
        ("between two detections that saw the rider: a third of the way", {3, 6}, 4,
         list(rider_on(660.0))),
        ("only the detection before saw the rider: it moves with the machine", {3}, 4,
         moved(rider_on(670.0), -10.0)),
        ("only the detection after saw the rider: it moves with the machine", {6}, 5,
         moved(rider_on(640.0), 10.0)),
        ("past the track's end: the last detection's rider", {18}, 25, list(rider_on(520.0))),
        ("neither detection around saw a rider", {12}, 4, None),
    ],
)  # fmt: skip
def test_a_picture_gets_the_rider_of_its_own_frame(
    case: str, rider_seen: set[int], frame: int, expected: list[float] | None
) -> None:
    track = ridden(set(range(3, 19, 3)), rider_seen)  # detected on frames 3, 6 .. 18
    assert rider_near(track, frame) == expected, case
    assert rider_near(None, frame) is None, "no track: no rider"


def test_frame_boxes_carry_the_machine_and_its_rider_apart() -> None:
    track = ridden(set(range(3, 19, 3)), {3, 6})
    blank = np.zeros((720, 640, 3), np.uint8)
    pictures = [(role, Frame(i, i / 10.0, blank)) for role, i in (("before", 3), ("cross", 9))]
    before, cross = frame_boxes(track, 9, pictures, bike(0.0))
    assert before["box"] == list(bike(670.0)), "the box stays the machine's (the anchor)"
    assert before["rider"] == list(rider_on(670.0)), "the rider seen there"
    assert cross["rider"] is None, "frame 9 is between detections that saw no rider"
    assert cross["offset_frames"] == 0


@pytest.mark.parametrize(
    ("case", "vehicle_then", "vehicle_at_cross", "plate_then", "plate_at_cross"),
    [
        ("moved up 100 px", (300, 500, 340, 560), (300, 400, 340, 460),
         (310, 545, 330, 555), [310.0, 445.0, 330.0, 455.0]),
        ("twice as large and moved", (300, 500, 340, 560), (200, 300, 280, 420),
         (310, 545, 330, 555), [220.0, 390.0, 260.0, 410.0]),
    ],
)  # fmt: skip
def test_the_plate_box_moves_with_the_vehicle_to_the_crossing_picture(
    case: str,
    vehicle_then: Box,
    vehicle_at_cross: Box,
    plate_then: Box,
    plate_at_cross: list[float],
) -> None:
    spot = PlateSpot(42, plate_then, vehicle_then)
    got = plate_box(spot, vehicle_at_cross)
    assert got == {"frame_index": 42, "box": list(plate_then), "at_cross": plate_at_cross}, case
    assert plate_box(None, vehicle_at_cross) is None, "no crop, no box"


def test_geometry_is_the_line_and_direction_as_judged_in_the_pictures_pixels() -> None:
    line = StopLine([(40, 400), (320, 396), (600, 400)], (0, -2))
    got = geometry(line, np.zeros((720, 640, 3), np.uint8))
    assert got == {
        "frame_size": [640, 720],
        "stop_line": [[40.0, 400.0], [320.0, 396.0], [600.0, 400.0]],
        "direction": [0.0, -1.0],
    }


def test_the_track_covers_the_pictures_and_the_clip() -> None:
    image = np.zeros((2, 2, 3), np.uint8)
    pictures = [Frame(30, 1.0, image), Frame(90, 3.0, image)]
    assert track_window(pictures, None) == (1.0, 3.0)
    cut = Cut(b"webm", start_t=0.5, fps=10.0, frames=41)  # 0.5 .. 4.5 s
    assert track_window(pictures, cut) == (0.5, 4.5)
    assert clip_info(cut) == {"start_t": 0.5, "fps": 10.0, "frames": 41}
    assert clip_info(None) is None


def test_a_bundle_carries_the_overlay_facts_signed(tmp_path: Path) -> None:
    writer, keys = signed_writer(tmp_path)
    pipeline, _ = make_pipeline(approaching, writer)
    (v,) = run(pipeline, 110)
    assert v.bundle is not None
    m = open_bundle(v.bundle.read_bytes(), keys).manifest
    assert m.geometry is not None
    assert m.geometry.frame_size == (640, 720)
    assert m.geometry.stop_line == [(40.0, LINE_Y), (600.0, LINE_Y)]
    assert m.geometry.direction == (0.0, -1.0)
    assert m.track is not None
    indices = [p.frame_index for p in m.track]
    assert indices[0] <= 20 and indices[-1] >= 60, f"the track misses the pictures: {indices}"
    assert min(indices) < m.cross_frame < max(indices), "before and after the crossing"
    for p in m.track:
        assert [p.box] == approaching(p.frame_index), f"frame {p.frame_index}: not as detected"
    assert m.plate_box is None and m.clip is None, "plates and clips are off here"
    riders = [b.rider for b in m.frame_boxes] + [p.rider for p in m.track]
    assert riders == [None] * len(riders), "a car was given a rider"
