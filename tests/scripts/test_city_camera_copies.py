"""A public video seen as a city camera sends it (6 fps, JPEG-smeared) keeps its violation: on
us_lake_cheyenne the small red lamps smear to unknown for most of a second around the
crossing, and red on both sides of that spell is red throughout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.city_camera_copies import city_copy
from scripts.eval_videos import evaluate

pytestmark = pytest.mark.slow  # replays real material; see pyproject's markers


@pytest.fixture(scope="module")
def cheyenne_copy(media_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("city")
    done = city_copy(media_dir / "us_lake_cheyenne.json", out, 6.0, 640, 40)
    assert done["to"] == [640, 352, pytest.approx(6.007, abs=0.01)], done
    return out / "us_lake_cheyenne.json"


def test_the_copy_maps_the_listed_crossing_onto_the_kept_frames(cheyenne_copy: Path) -> None:
    truth = json.loads(cheyenne_copy.read_text())
    assert truth["frames"] == 46 and truth["violations"][0]["cross_frame"] == 15, truth["frames"]
    assert truth["signal_timeline"] == [{"from_frame": 0, "to_frame": 45, "state": "red"}]


@pytest.mark.parametrize(
    ("least_amber_s", "found", "crossing"),
    [
        (3.0, 1, "violation"),  # the shipped setting: the spell is bridged
        (0.0, 0, "not_red"),  # bridging off: the lamp unknown at the crossing, no case
    ],
)
def test_the_smeared_lamp_between_two_reds_still_finds_the_violation(
    cheyenne_copy: Path, tmp_path: Path, least_amber_s: float, found: int, crossing: str
) -> None:
    overrides = {"rule.least_amber_s": least_amber_s}
    result = evaluate(cheyenne_copy, tmp_path, 0.5, None, overrides=overrides)
    assert len(result["found"]) == found and not result["false"], result
    assert result["crossings"] == {crossing: 1}, result["crossings"]
