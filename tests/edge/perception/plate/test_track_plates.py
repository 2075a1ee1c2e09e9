"""A violating vehicle's plate with the real detector and reader: the vote, and where the
winning crop was cut in the full frame (the review page draws that box over the frame)."""

from __future__ import annotations

import numpy as np
import pytest

from common.config.sections import PlateConfig
from edge.perception.models import ModelRegistry
from edge.perception.plate.finder import PlateFinder
from edge.perception.plate.render import paste, render_plate
from edge.perception.plate.track_plates import TrackPlates


@pytest.fixture(scope="module")
def finder(registry: ModelRegistry) -> PlateFinder:
    return PlateFinder.from_registry(registry)


def car_with_plate(x: int, y: int) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """A 1280x720 frame with a grey car body at (x, y) and a plate on its lower edge."""
    frame = np.full((720, 1280, 3), 90, np.uint8)
    frame[y : y + 160, x : x + 220] = (60, 60, 160)
    paste(frame, render_plate(["63A-123.45"], 40), x + 25, y + 105)
    return frame, (float(x), float(y), float(x + 220), float(y + 160))


@pytest.mark.parametrize(("x", "y"), [(400, 380), (10, 12), (1050, 550)])
def test_the_plate_read_says_where_it_was_cut_in_the_full_frame(
    finder: PlateFinder, x: int, y: int
) -> None:
    plates = TrackPlates(finder, PlateConfig())
    for i in range(3):  # the car drives up 40 px a frame
        frame, box = car_with_plate(x, y - 40 * i + 80)
        plates.offer(7, 100 + i, frame, box)
    vote = plates.decide(7)
    assert vote.norm == "63A12345", vote
    assert vote.spot is not None and vote.crop is not None
    i = vote.spot.frame_index - 100
    assert 0 <= i < 3, vote.spot
    top = y - 40 * i + 80
    assert vote.spot.vehicle == (x, top, x + 220, top + 160), "the vehicle box of that frame"
    px1, py1, px2, py2 = vote.spot.box
    pw, ph = render_plate(["63A-123.45"], 40).shape[1::-1]
    drawn = (x + 25, top + 105, x + 25 + pw, top + 105 + ph)
    assert max(abs(a - b) for a, b in zip((px1, py1, px2, py2), drawn, strict=True)) < 8, (
        f"plate box {vote.spot.box} is not where the plate is: {drawn}"
    )


def test_no_crop_no_spot(finder: PlateFinder) -> None:
    vote = TrackPlates(finder, PlateConfig()).decide(1)
    assert vote.crop is None and vote.spot is None and vote.reason
