"""The detection evaluation: which tracks count as following a labelled road user, which
labels are near enough the line to be scored, and the committed labels themselves."""

from __future__ import annotations

import argparse
import json

import pytest

from edge.pipeline.rule import StopLine
from scripts.eval_detections import evaluate, in_band, match, tally
from tests.paths import MEDIA, REPO

LABELS = REPO / "scripts" / "labels" / "road_users.json"
RIDER = [100.0, 100.0, 140.0, 200.0]  # a motorbike with its rider, seen from behind


@pytest.mark.parametrize(
    ("case", "track", "tracked"),
    [
        ("the machine's box, the lower part of the label", [102.0, 140.0, 138.0, 200.0], True),
        ("the rider's box, the upper part", [100.0, 100.0, 140.0, 160.0], True),
        ("the whole road user", RIDER, True),
        ("a box twice as wide (two bikes side by side)", [80.0, 100.0, 180.0, 200.0], False),
        ("a sliver of it (a neighbour's box edge)", [135.0, 100.0, 155.0, 200.0], False),
        ("somewhere else", [300.0, 100.0, 340.0, 200.0], False),
    ],
)  # fmt: skip
def test_a_track_follows_a_label_when_it_lies_inside_and_covers_a_fair_part(
    case: str, track: list[float], tracked: bool
) -> None:
    assert (match([track], [RIDER]) == {0: 0}) is tracked, case


def test_matching_is_one_to_one_best_pairs_first() -> None:
    front, behind = [100.0, 100.0, 140.0, 200.0], [100.0, 150.0, 140.0, 250.0]
    tracks = [[100.0, 152.0, 140.0, 250.0], [100.0, 110.0, 140.0, 200.0]]
    assert match(tracks, [front, behind]) == {0: 1, 1: 0}


@pytest.mark.parametrize(
    ("case", "line_y", "box", "near"),
    [
        ("at the line", 400, [300.0, 330.0, 340.0, 400.0], True),
        ("0.25 frame heights before it", 400, [300.0, 480.0, 340.0, 580.0], True),
        ("0.4 frame heights before it", 400, [300.0, 620.0, 340.0, 688.0], False),
        ("0.08 past it", 400, [300.0, 280.0, 340.0, 342.0], True),
        ("0.2 past it", 400, [300.0, 180.0, 340.0, 256.0], False),
        ("beside the line's end, on the pavement", 400, [620.0, 330.0, 660.0, 400.0], False),
        ("near the line but its wheels below the picture", 650, [300.0, 640.0, 340.0, 719.0],
         False),
    ],
)  # fmt: skip
def test_labels_are_scored_near_the_line_between_its_ends(
    case: str, line_y: float, box: list[float], near: bool
) -> None:
    line = StopLine([(40, line_y), (600, line_y)], (0, -1))
    band = {"before_line_h": 0.3, "past_line_h": 0.1, "beyond_line_ends_w": 0.05}
    assert in_band(box, line, band, (640, 720)) is near, case


def test_the_committed_labels_are_boxes_inside_their_frames() -> None:
    if not MEDIA.is_dir():
        pytest.skip(f"the shared videos are not at {MEDIA}")
    doc = json.loads(LABELS.read_text())
    assert doc["about"] and doc["band"]
    total = 0
    for video, frames in doc["videos"].items():
        truth = json.loads((MEDIA / f"{video}.json").read_text())
        w, h = truth["width"], truth["height"]
        for index, labels in frames.items():
            assert 0 <= int(index) < truth["frames"], f"{video} has no frame {index}"
            for lb in labels:
                x1, y1, x2, y2 = lb["box"]
                assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h, f"{video} {index}: {lb}"
                assert lb["class"] in {"car", "motorcycle", "bicycle", "bus", "truck"}
                total += 1
    assert total >= 150, f"only {total} labels"


def test_riders_seen_from_behind_are_tracked_at_the_line_on_the_committed_labels() -> None:
    """The pipeline on the real videos: a floor under the rider figure the README reports
    (136-141 of 159 on 2026-12-07 across engines and precisions; 127 before a rider had
    to sit inside the machine's box). It leaves room for other CPUs, whose kernels differ."""
    if not MEDIA.is_dir():
        pytest.skip(f"the shared videos are not at {MEDIA}")
    doc = json.loads(LABELS.read_text())
    args = argparse.Namespace(media=MEDIA, set=None, detect_fps=None, engine=None)
    rows = [
        row
        for name, frames in doc["videos"].items()
        for row in evaluate(name, frames, doc["band"], args)["rows"]
    ]
    riders = tally(rows)["riders_from_behind"]
    assert riders["labelled"] == 159, riders
    assert riders["tracked"] >= 133, f"riders from behind tracked near the line: {riders}"
