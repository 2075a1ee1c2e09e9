"""Road users from boxes: a rider makes the weak two-wheeler under them a road user; a person
on no two-wheeler stays a person (a pedestrian, or a rider whose machine is hidden: told apart
by how they move, in edge.pipeline.lone_riders)."""

from __future__ import annotations

import pytest

from edge.perception.geometry import Box
from edge.perception.riders import rides, road_users
from edge.perception.vehicles import Detection

BIKE: Box = (100.0, 150.0, 140.0, 230.0)  # a motorbike seen from behind, 40x80
RIDER: Box = (98.0, 100.0, 142.0, 200.0)  # its rider: head above it, seat within it


@pytest.mark.parametrize(
    ("case", "person", "machine", "on"),
    [
        ("a rider seen from behind", RIDER, BIKE, True),
        ("a rider whose legs reach the footrest", (100.0, 90.0, 140.0, 225.0), BIKE, True),
        ("a pedestrian beside the bike", (150.0, 120.0, 180.0, 230.0), BIKE, False),
        ("a pedestrian behind it, feet below the bike", (100.0, 170.0, 140.0, 300.0), BIKE, False),
        ("a person far above (on the far pavement)", (100.0, 0.0, 140.0, 60.0), BIKE, False),
        # in a queue seen from behind, the rider in front sits just above the bike behind:
        ("the rider in front, seat at the bike's top", (100.0, 60.0, 140.0, 150.0), BIKE, False),
        ("the rider in front, seat just over its top", (100.0, 60.0, 140.0, 156.0), BIKE, False),
        ("a rider whose seat is a tenth into the bike", (100.0, 60.0, 140.0, 158.0), BIKE, True),
    ],
)  # fmt: skip
def test_a_person_rides_a_two_wheeler_when_sitting_on_its_box(
    case: str, person: Box, machine: Box, on: bool
) -> None:
    assert rides(person, machine) is on, case


def test_the_weak_bike_under_a_rider_is_scored_as_the_rider_and_lone_persons_kept() -> None:
    dets = [
        Detection(BIKE, 0.18, "motorcycle"),  # below the tracker's 0.35: would start no track
        Detection(RIDER, 0.6, "person"),
        Detection((300.0, 120.0, 330.0, 230.0), 0.8, "person"),  # a pedestrian
        Detection((400.0, 100.0, 600.0, 250.0), 0.9, "car"),
    ]
    users = road_users(dets)
    assert [(d.label, d.score, d.box, d.rider) for d in users] == [
        ("motorcycle", 0.6, BIKE, RIDER),  # the bike's box (wheels: the anchor), its rider's
        ("car", 0.9, (400.0, 100.0, 600.0, 250.0), None),
        ("person", 0.8, (300.0, 120.0, 330.0, 230.0), None),  # on no machine: a person still
    ]


def test_a_bike_with_a_pillion_carries_its_best_scored_rider() -> None:
    pillion = Detection((102.0, 110.0, 140.0, 215.0), 0.7, "person")
    dets = [Detection(BIKE, 0.3, "motorcycle"), Detection(RIDER, 0.5, "person"), pillion]
    (bike,) = road_users(dets)
    assert (bike.score, bike.rider) == (0.7, pillion.box), bike


def test_a_person_on_a_car_box_does_not_lift_the_car() -> None:
    car = Detection((90.0, 150.0, 200.0, 230.0), 0.3, "car")
    person = Detection(RIDER, 0.7, "person")
    assert road_users([car, person]) == [car, person]


def test_a_person_partly_over_a_bike_they_do_not_sit_on_is_left_out() -> None:
    """Feet below the bike (standing behind it, or a box that slipped): not its rider, and
    not a lone person either, whose track would double the bike's."""
    bike = Detection(BIKE, 0.5, "motorcycle")
    behind = Detection((100.0, 170.0, 140.0, 300.0), 0.6, "person")
    assert road_users([bike, behind]) == [bike]
