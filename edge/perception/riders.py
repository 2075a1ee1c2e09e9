"""Road users, not boxes: a person riding a two-wheeler is evidence for the two-wheeler.

Seen from behind in a dense queue, COCO's YOLOv8n scores the motorbike under its rider low
(0.16-0.39 on `vn_giangvo`) and the rider high (0.40-0.65): the rider is what the network
sees. So a person whose box sits on a two-wheeler's box (the rider's feet or seat within the
two-wheeler's height, their centre over it, their head above it) makes that two-wheeler one
road user, scored as the better of the two. The road user's box, and so its anchor, stays the
two-wheeler's: its bottom centre is where the wheels meet the road, the point the stop line
is drawn on; the rider's box ends at the seat.

A person on no two-wheeler is a pedestrian (or a rider whose machine the network missed
entirely) and is not a road user here: pedestrians on the crosswalk never become violations.
"""

from __future__ import annotations

from collections.abc import Sequence

from edge.perception.geometry import Box
from edge.perception.vehicles import Detection

TWO_WHEELERS = ("motorcycle", "bicycle")
PERSON = "person"


def rides(person: Box, machine: Box) -> bool:
    """Whether the person's box sits on the two-wheeler's box."""
    px1, py1, px2, py2 = person
    mx1, my1, mx2, my2 = machine
    height = max(my2 - my1, 1.0)
    centre = (px1 + px2) / 2
    over = min(px2, mx2) - max(px1, mx1)  # horizontal overlap
    return (
        mx1 <= centre <= mx2
        and over >= 0.5 * max(px2 - px1, 1.0)
        and my1 - 0.25 * height <= py2 <= my2 + 0.1 * height  # feet or seat on the machine
        and py1 < my1 + 0.25 * height  # the rider's head is above the machine's top part
    )


def road_users(dets: Sequence[Detection]) -> list[Detection]:
    """The detections without persons, each two-wheeler scored as the better of itself and
    the best person riding it (each person rides at most one machine: the one they sit on
    most centrally)."""
    machines = [d for d in dets if d.label != PERSON]
    best: dict[int, float] = {}
    for person in (d for d in dets if d.label == PERSON):
        mine = [
            (abs((person.box[0] + person.box[2]) - (m.box[0] + m.box[2])), i)
            for i, m in enumerate(machines)
            if m.label in TWO_WHEELERS and rides(person.box, m.box)
        ]
        if mine:
            i = min(mine)[1]
            best[i] = max(best.get(i, 0.0), person.score)
    return [
        Detection(m.box, max(m.score, best.get(i, 0.0)), m.label) for i, m in enumerate(machines)
    ]
