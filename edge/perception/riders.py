"""Road users, not boxes: a person riding a two-wheeler is evidence for the two-wheeler.

Seen from behind in a dense queue, COCO's YOLOv8n scores the motorbike under its rider low
(0.16-0.39 on `vn_giangvo`) and the rider high (0.40-0.65): the rider is what the network
sees. So a person whose box sits on a two-wheeler's box (the rider's feet or seat inside the
two-wheeler's box, their centre over it, their head above it) makes that two-wheeler one
road user, scored as the better of the two. The box the tracker follows, and so the anchor,
stays the two-wheeler's: its bottom centre is where the wheels meet the road, the point the
stop line is drawn on; the rider's box ends at the seat. The rider's box goes with it
(`Detection.rider`, `Track.extent`): the road user a person sees is both.

Feet or seat *inside* the machine's box, not just near its top: in a queue seen from behind
and above, the rider in front sits just above the machine behind them, whose top edge (the
mirrors) then lies a little below that rider's box. Taking them for its rider moved the
rider's own track onto the wrong machine: 10 of the 135 riders labelled near the line on
`vn_giangvo` (`scripts/eval_detections.py`).

A person on no two-wheeler stays a person: a pedestrian, or a rider whose machine is hidden
(in a queue, by the rider in front). It is tracked, and `edge.pipeline.lone_riders` tells the
two apart by how the track moves: pedestrians on the crosswalk never become violations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from edge.perception.geometry import Box, inside_share
from edge.perception.vehicles import Detection

TWO_WHEELERS = ("motorcycle", "bicycle")
PERSON = "person"
# A rider's feet or seat lie at least this far (in the machine's heights) below the machine
# box's top: the mirrors and handlebars stand above the seat in every view.
SEAT_BELOW_TOP = 0.1


def rides(person: Box, machine: Box) -> bool:
    """Whether the person's box sits on the two-wheeler's box."""
    return bool(_rides(np.array([person], float), np.array([machine], float))[0, 0])


def _rides(persons: np.ndarray, machines: np.ndarray) -> np.ndarray:
    """persons (P, 4) x machines (M, 4) -> (P, M): does each person sit on each machine."""
    px1, py1, px2, py2 = (persons[:, k : k + 1] for k in range(4))
    mx1, my1, mx2, my2 = (machines[None, :, k] for k in range(4))
    height = np.maximum(my2 - my1, 1.0)
    centre = (px1 + px2) / 2
    over = np.minimum(px2, mx2) - np.maximum(px1, mx1)  # horizontal overlap
    return (
        (mx1 <= centre) & (centre <= mx2)
        & (over >= 0.5 * np.maximum(px2 - px1, 1.0))
        & (my1 + SEAT_BELOW_TOP * height <= py2) & (py2 <= my2 + 0.1 * height)  # feet or seat in it
        & (py1 < my1 + 0.25 * height)  # the rider's head is above the machine's top part
    )  # fmt: skip


def road_users(dets: Sequence[Detection]) -> list[Detection]:
    """Each two-wheeler scored as the better of itself and the best person riding it, and
    carrying that rider's box (each person rides at most one machine: the one they sit on
    most centrally); the other vehicles; and the persons who ride no machine seen and overlap
    none (a person partly over a two-wheeler they do not sit on is left out: it is that road
    user, or unclear)."""
    machines = [d for d in dets if d.label != PERSON]
    persons = [d for d in dets if d.label == PERSON]
    wheeled = [i for i, m in enumerate(machines) if m.label in TWO_WHEELERS]
    best: dict[int, Detection] = {}  # machine index -> its best-scored rider
    alone: list[Detection] = []
    if persons and wheeled:
        pb = np.array([p.box for p in persons], float)
        mb = np.array([machines[i].box for i in wheeled], float)
        on, over = _rides(pb, mb), inside_share(pb, mb) > 0.3
        gap = np.abs((pb[:, 0:1] + pb[:, 2:3]) - (mb[None, :, 0] + mb[None, :, 2]))
        gap = np.where(on, gap, np.inf)
        for k, person in enumerate(persons):
            if on[k].any():
                i = wheeled[int(np.argmin(gap[k]))]  # the machine they sit on most centrally
                if i not in best or person.score > best[i].score:
                    best[i] = person
            elif not over[k].any():  # a person partly over a two-wheeler is none of the two
                alone.append(person)
    else:
        alone = persons
    lifted = [_lift(m, best.get(i)) for i, m in enumerate(machines)]
    return lifted + alone


def _lift(machine: Detection, rider: Detection | None) -> Detection:
    if rider is None:
        return machine
    return Detection(machine.box, max(machine.score, rider.score), machine.label, rider.box)
