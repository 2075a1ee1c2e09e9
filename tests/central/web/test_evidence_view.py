"""What the evidence partial draws over the frames, from the manifest alone: the stop line and
direction, the offender's path split at the crossing and where it met the line, the plate's
box, the signal crops' times, the lower bound on the time into red; and nothing invented for
an older bundle that carries none of it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from central.web.evidence_view import Overlay, overlay_of


def box_at(y_bottom: float, x: float = 500.0) -> list[float]:
    return [x - 20.0, y_bottom - 60.0, x + 20.0, y_bottom]


def manifest(**override: Any) -> dict[str, Any]:
    """A car driving up 30 px a frame over a horizontal line at y=400, crossing at frame 10."""
    base: dict[str, Any] = {
        "cross_frame": 10,
        "frame_boxes": [
            {"role": "frame_before", "frame_index": 4, "t": 1.0, "box": box_at(610)},
            {
                "role": "frame_cross",
                "frame_index": 10,
                "t": 2.0,
                "box": box_at(430),
                "offset_frames": 0,
            },
            {"role": "frame_after", "frame_index": 16, "t": 3.0, "box": box_at(250)},
        ],
        "geometry": {
            "frame_size": [1000, 720],
            "stop_line": [[100, 400], [900, 400]],
            "direction": [0, -1],
        },
        "track": [
            {"frame_index": i, "t": i / 6, "box": box_at(730 - 30 * i)} for i in range(2, 18, 2)
        ],
        "plate_box": {
            "frame_index": 8,
            "box": [490, 475, 510, 485],
            "at_cross": [490, 415, 510, 425],
        },
        "decision": {"signal_at_cross": {"began_before_stream": False}},
        "clip": {"start_t": 0.5, "fps": 6.0, "frames": 20},
    }
    base.update(override)
    return base


def points(text: str | None) -> list[tuple[float, float]]:
    assert text is not None
    return [(float(x), float(y)) for x, y in (p.split(",") for p in text.split())]


def test_the_line_the_path_and_where_it_crossed() -> None:
    ov = overlay_of(manifest())
    assert points(ov.stop_line) == [(100, 400), (900, 400)]
    before, after = points(ov.track_before), points(ov.track_after)
    assert before[0] == (500, 670) and before[-1] == (500, 430), "to the last point at the crossing"
    assert after[0] == before[-1], "the path after the crossing starts where the one before ends"
    assert after[-1] == (500, 250)
    assert ov.crossing == pytest.approx((500, 400)), "on the line, between frames 10 and 12"
    assert ov.scene == (1000, 720) and ov.dot == pytest.approx(6.0)


def test_the_direction_arrow_points_across_the_line_away_from_the_offender() -> None:
    ov = overlay_of(manifest())
    assert ov.arrow_line is not None and ov.arrow_head is not None
    x1, y1, x2, y2 = ov.arrow_line
    assert y2 < 400 < y1 and x1 == x2, "up the picture, across the line"
    assert (x1, y2 + (y1 - y2) / 2) == pytest.approx((260, 400), abs=30), "a fifth in, away"
    tip = points(ov.arrow_head)[0]
    assert tip[1] < y2, "the head is at the far end"


@pytest.mark.parametrize(
    ("case", "override", "cross_plate"),
    [
        ("read on another frame: carried to the crossing", {}, (490.0, 415.0, 20.0, 10.0)),
        ("read on the crossing frame itself: its own box",
         {"plate_box": {"frame_index": 10, "box": [491, 416, 509, 424], "at_cross": None}},
         (491.0, 416.0, 18.0, 8.0)),
        ("no plate crop: no box", {"plate_box": None}, None),
    ],
)  # fmt: skip
def test_the_plate_box_on_the_crossing_frame(
    case: str, override: dict[str, Any], cross_plate: tuple[float, ...] | None
) -> None:
    ov = overlay_of(manifest(**override))
    assert ov.pictures["frame_cross"].plate == cross_plate, case
    assert ov.pictures["frame_before"].plate is None


def test_signal_crops_are_timed_from_the_crossing_and_red_from_before_the_recording() -> None:
    ov = overlay_of(manifest())
    assert ov.signal_offsets == {
        "signal_crop_before": -1.0, "signal_crop": 0.0, "signal_crop_after": 1.0
    }  # fmt: skip
    assert not ov.lower_bound
    bound = {"signal_at_cross": {"began_before_stream": True}}
    assert overlay_of(manifest(decision=bound)).lower_bound


def test_the_clip_data_for_the_stepper() -> None:
    data = json.loads(overlay_of(manifest()).clip_data)
    assert data["clip"] == {"start_t": 0.5, "fps": 6.0, "frames": 20}
    assert data["cross_t"] == 2.0 and data["scene"] == [1000, 720]
    assert data["track"][0] == {"t": pytest.approx(2 / 6), "box": box_at(670)}


def test_a_crossing_picture_off_the_crossing_frame_is_timed_back_to_the_crossing() -> None:
    boxes = manifest()["frame_boxes"]
    boxes[1] = {**boxes[1], "frame_index": 11, "t": 2 + 1 / 6, "offset_frames": 1}
    data = json.loads(overlay_of(manifest(frame_boxes=boxes)).clip_data)
    assert data["cross_t"] == pytest.approx(2.0)


def test_an_older_bundle_gets_its_boxes_and_nothing_invented() -> None:
    old = manifest()
    for key in ("geometry", "track", "plate_box", "clip"):
        del old[key]
    ov = overlay_of(old)
    assert ov.stop_line is None and ov.arrow_line is None and ov.track_before is None
    assert ov.crossing is None and ov.scene is None
    assert ov.pictures["frame_cross"].box == (480.0, 370.0, 40.0, 60.0)
    assert json.loads(ov.clip_data)["clip"] is None


def test_a_rider_seen_on_the_machine_is_inside_the_box_and_the_anchor_stays_the_wheels() -> None:
    boxes = manifest()["frame_boxes"]
    boxes[1] = {**boxes[1], "box": [480, 370, 520, 430], "rider": [476, 330, 524, 400]}
    marks = overlay_of(manifest(frame_boxes=boxes)).pictures["frame_cross"]
    assert marks.box == (476.0, 330.0, 48.0, 100.0), "the rider is outside the drawn box"
    assert marks.anchor == (500.0, 430.0), "the anchor moved off the machine's wheels"


def test_the_clip_box_holds_the_rider_and_the_path_follows_the_wheels() -> None:
    plain = overlay_of(manifest())
    track = manifest()["track"]
    x1, y1, x2, y2 = track[0]["box"]
    track[0] = {**track[0], "rider": [x1 - 4, y1 - 30, x2 + 4, y1 + 10]}
    ov = overlay_of(manifest(track=track))
    assert json.loads(ov.clip_data)["track"][0]["box"] == [x1 - 4, y1 - 30, x2 + 4, y2]
    assert ov.track_before == plain.track_before, "the rider moved the path off the wheels"


@pytest.mark.parametrize(
    ("manifest_part", "why"),
    [
        ({"geometry": {"frame_size": [1000, 720], "stop_line": [[1, 2]]}}, "a one-point line"),
        ({"geometry": {"stop_line": [[1, 2], [3, 4]]}}, "no frame size"),
        ({"track": [{"frame_index": 3, "t": 1.0, "box": [1, 2, 3]}]}, "a box of three numbers"),
        ({"track": [{"frame_index": 3, "t": 1.0, "box": [5, 5, 1, 1]}]}, "an inside-out box"),
        ({"frame_boxes": [{"role": "frame_cross", "box": ["a", 1, 2, 3]}]}, "not numbers"),
    ],
)
def test_what_cannot_be_drawn_is_left_out(manifest_part: dict[str, Any], why: str) -> None:
    ov = overlay_of({"cross_frame": 10, **manifest_part})
    assert ov.stop_line is None and ov.track_before is None and ov.track_after is None, why
    assert all(p.box is None for p in ov.pictures.values()), why


@pytest.mark.parametrize(
    ("width", "scale"), [(20, 12), (40, 7), (60, 5), (100, 3), (157, 3), (900, 3)]
)
def test_the_plate_is_enlarged_by_a_whole_number_at_least_three_times(
    width: int, scale: int
) -> None:
    assert Overlay.plate_scale(width) == scale
