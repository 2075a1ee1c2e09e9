"""Suppression across the vehicle classes: one box per vehicle, whatever class it was scored."""

from __future__ import annotations

import pytest

from edge.perception.vehicles import Detection, one_box_per_vehicle

CAR = (100.0, 100.0, 200.0, 180.0)


@pytest.mark.parametrize(
    ("case", "dets", "kept"),
    [
        ("a car also scored as a motorcycle", [Detection(CAR, 0.8, "car"),
         Detection((102.0, 101.0, 201.0, 182.0), 0.4, "motorcycle")], ["car"]),
        ("the weaker class first in the list", [Detection((102.0, 101.0, 201.0, 182.0), 0.4,
         "motorcycle"), Detection(CAR, 0.8, "car")], ["car"]),
        ("two bikes side by side", [Detection((100.0, 100.0, 130.0, 160.0), 0.7, "motorcycle"),
         Detection((125.0, 100.0, 155.0, 160.0), 0.6, "motorcycle")], ["motorcycle"] * 2),
        ("a bike in front of a truck", [Detection((0.0, 0.0, 300.0, 300.0), 0.9, "truck"),
         Detection((120.0, 200.0, 160.0, 290.0), 0.5, "motorcycle")], ["truck", "motorcycle"]),
    ],
)  # fmt: skip
def test_overlapping_boxes_of_one_vehicle_become_one(
    case: str, dets: list[Detection], kept: list[str]
) -> None:
    assert [d.label for d in one_box_per_vehicle(dets)] == kept, case
