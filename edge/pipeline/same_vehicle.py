"""One vehicle, one violation: a second violation that is a vehicle already reported.

Two tracks can follow one vehicle (a car boxed as a car and as a motorcycle, each box taking
a track); both cross the line on red within a moment of each other. So a violation is the
same vehicle as one reported when their crossings are at most `SAME_CROSSING_S` apart and
their boxes at the crossing overlap by more than `SAME_CROSSING_IOU`: the second makes no
bundle.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from edge.perception.geometry import iou_matrix
from edge.pipeline.rule import Decision

SAME_CROSSING_S = 0.5
SAME_CROSSING_IOU = 0.5


def same_vehicle(d: Decision, reported: Iterable[Decision]) -> Decision | None:
    """The violation already `reported` that `d` is the same vehicle as, if any."""
    for r in reported:
        close = abs(r.cross_t - d.cross_t) <= SAME_CROSSING_S
        overlap = iou_matrix(np.array([r.box_at_cross]), np.array([d.box_at_cross]))[0, 0]
        if close and overlap > SAME_CROSSING_IOU:
            return r
    return None
