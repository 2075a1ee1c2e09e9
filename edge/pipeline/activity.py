"""When a camera detects at its full rate: something near the stop line may cross it.

Detection is most of a camera's cost and only crossings need the fine sampling, so the
pipeline detects `detect_fps` times a second while this says so and `idle_detect_fps`
otherwise; and, with `detector.idle_on_green`, at the idle rate while the signal is green and
nothing from before the green is left to judge.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from edge.perception.geometry import Box, iou_matrix
from edge.perception.signal_heads import LampState
from edge.perception.vehicles import Detection
from edge.pipeline.rule import RedLightRule
from edge.pipeline.signal import SignalStatus
from edge.pipeline.track import Tracker

# Full detection rate while a vehicle moving toward the line at more than this many box
# heights per second would reach it within the horizon (or has just crossed it).
ACTIVE_SPEED_H = 0.3
ACTIVE_HORIZON_S = 2.0
ACTIVE_NEAR_H = 6.0  # any unexplained detection within this many box heights of the line


def near_line_activity(rule: RedLightRule, tracker: Tracker, dets: Sequence[Detection]) -> bool:
    """Is anything near the stop line that may cross it, or a crossing still undecided?

    Vehicles waiting at the line do not count; a vehicle moving toward it does, and so
    does any detection near the line that is not one of those waiting vehicles (a new
    arrival has no track yet, and must be seen at the full rate to get one in time)."""
    if rule.has_undecided():
        return True
    line = rule.stop_line
    waiting: list[Box] = []
    for tr in tracker.tracks:
        h = max(tr.box[3] - tr.box[1], 1.0)
        vx, vy = tr.velocity
        along = vx * line.direction[0] + vy * line.direction[1]  # px/s toward the line
        ahead = -line.signed_distance(tr.anchor)  # px still to go before the line
        if along > ACTIVE_SPEED_H * h:
            if -h < ahead < along * ACTIVE_HORIZON_S + h:
                return True
        elif tr.state == "confirmed":
            waiting.append(tr.box)
    near = []
    for d in dets:
        h = max(d.box[3] - d.box[1], 1.0)
        if -h < -line.signed_distance(d.anchor) < ACTIVE_NEAR_H * h:
            near.append(d.box)
    if not near or not waiting:
        return bool(near)
    return bool((iou_matrix(np.array(near), np.array(waiting)).max(axis=1) <= 0.5).any())


def nothing_to_judge_on_green(status: SignalStatus, rule: RedLightRule, held: bool) -> bool:
    """Green, no lone person's crossing `held` for judgement, and every undecided crossing made on
    green: no crossing now or pending can be a case."""
    if status.state != LampState.GREEN or held:
        return False
    return all(
        rule.signal_at(cross_frame).state == LampState.GREEN
        for _, cross_frame in rule.undecided_crossings()
    )
