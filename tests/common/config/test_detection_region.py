"""Where the detector looks: the camera's drawn roi; else the band around the stop line, along
the travel direction by `band_along` of the frame and beyond the line's ends by
`band_across`, clipped to the frame; or the whole frame when `detector.region` says so."""

from __future__ import annotations

from typing import Any

import pytest

from common.config.camera import CameraConfig

BASE: dict[str, Any] = {
    "id": "MT-01",
    "name": "test",
    "location": {"lat": 10.36, "lon": 106.36},
    "box": "EB-01",
    "source": "rtsp://cam/1",
    "signal": {"source": "vision", "heads": [{"roi": [600, 10, 20, 50]}]},
}


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        # up the image: ±0.35 x 480 = 168 rows around the line, ±0.05 x 640 = 32 columns
        ({"stop_line": [[45, 336], [515, 366]], "direction": [0, -1]}, (13, 168, 534, 312)),
        # to the right: the band runs across the image instead
        ({"stop_line": [[300, 50], [310, 400]], "direction": [1, 0]}, (76, 26, 458, 398)),
        # a drawn roi wins
        (
            {"stop_line": [[45, 336], [515, 366]], "direction": [0, -1], "roi": [0, 200, 640, 280]},
            (0, 200, 640, 280),
        ),
        # the whole frame when asked
        (
            {"stop_line": [[45, 336], [515, 366]], "direction": [0, -1],
             "detector": {"region": "frame"}},
            None,
        ),
    ],
)  # fmt: skip
def test_the_detector_reads_the_band_around_the_line_unless_told_otherwise(
    settings: dict[str, Any], expected: tuple[int, int, int, int] | None
) -> None:
    camera = CameraConfig.model_validate({**BASE, **settings})
    assert camera.detection_rect(640, 480) == expected
