"""The red-light rule: which tracked vehicle crossed the stop line on red and went on.

A crossing is the vehicle's anchor (bottom centre of its box) passing over the stop line in
the camera's direction of travel. It becomes a violation when the signal was red at that
moment and the vehicle then continues: while past the line, its anchor moves far enough from
the point where it crossed (a distance that grows with the vehicle's size, since the camera's
scale does), in any direction. So a vehicle that goes straight on, one that turns left along
the crosswalk right after the line, or right, and one that brakes hard on the crosswalk but
got that far all continued; one that creeps onto the line and stops, or whose box jitters on
it, did not. Where right turn on red is allowed, a vehicle that leaves
through the exit zone is exempt, so the decision waits until the track leaves or commits.
Every decision carries its explanation: the crossing frame, the signal then, time into red.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from shapely.geometry import LineString, Point, Polygon

from common.config.sections import AmberPolicy, RuleConfig
from edge.perception.geometry import Box, anchor
from edge.perception.geometry import Point as XY
from edge.perception.signal_heads import LampState
from edge.pipeline.signal import SignalStatus, across_unseen_lamp

# Past the line, a vehicle must be seen at least RuleConfig.min_distance_px and this many of
# its box heights (the camera's scale shrinks with distance, so pixels alone are not fair).
MIN_BOX_HEIGHTS = 0.35
EXEMPT_DECIDE_S = 4.0  # with an exit zone: decide at the latest this long after the crossing


class DecisionKind(StrEnum):
    VIOLATION = "violation"  # crossed on red (or on amber, by the amber policy) and went on
    EXEMPT = "exempt"  # left through the right-turn-on-red exit zone
    NOT_RED = "not_red"  # the signal was not red at the crossing, or only just turned red
    STOPPED = "stopped"  # crossed the line but did not continue past it
    UNSEEN = "unseen"  # the crossing fell in a gap between detections too long to judge it


@dataclass(frozen=True)
class Observation:
    """A tracked vehicle in one processed frame."""

    track_id: int
    box: Box
    label: str

    @property
    def anchor(self) -> XY:
        return anchor(self.box)


@dataclass(frozen=True)
class Decision:
    """What the rule decided about one crossing, and why."""

    kind: DecisionKind
    track_id: int
    vehicle_class: str
    cross_frame: int
    cross_t: float
    box_at_cross: Box
    signal: SignalStatus
    seconds_into_red: float | None
    explanation: dict[str, object]


@dataclass
class _Pending:
    cross_frame: int
    cross_t: float
    box: Box
    label: str
    signal: SignalStatus
    cross_point: XY = (0.0, 0.0)  # where the anchor's path met the line
    gap_s: float = 0.0  # between the last detection before the line and the first past it
    frames_past: int = 0
    max_past: float = 0.0  # furthest past the line along the travel direction
    max_moved: float = 0.0  # furthest from the crossing point while past the line
    entered_exit: bool = False


@dataclass
class _TrackState:
    last_anchor: XY | None = None
    last_frame: int = -1
    last_t: float = 0.0
    done: bool = False
    pending: _Pending | None = None
    labels: dict[str, int] = field(default_factory=dict)


class StopLine:
    """The stop line (a polyline) and the direction that crosses it into the intersection."""

    def __init__(self, points: Sequence[Sequence[float]], direction: Sequence[float]) -> None:
        if len(points) < 2:
            raise ValueError("a stop line needs at least two points")
        self.line = LineString([tuple(map(float, p)) for p in points])
        dx, dy = float(direction[0]), float(direction[1])
        norm = (dx * dx + dy * dy) ** 0.5
        if norm == 0:
            raise ValueError("direction must not be zero")
        self.direction = (dx / norm, dy / norm)

    def signed_distance(self, p: XY) -> float:
        """Distance of p past the line along the travel direction (negative: before it).

        Measured from the nearest point of the line, so a bowed polyline is followed."""
        near = self.line.interpolate(self.line.project(Point(p)))
        return (p[0] - near.x) * self.direction[0] + (p[1] - near.y) * self.direction[1]

    def crossed_between(self, a: XY, b: XY) -> bool:
        """The anchor's path from a to b passes over the line itself (not beyond its ends)."""
        return a != b and LineString([a, b]).intersects(self.line)


class RedLightRule:
    """Feeds on tracked vehicles and the signal, frame by frame; yields decisions."""

    def __init__(
        self,
        stop_line: StopLine,
        config: RuleConfig = RuleConfig(),
        exit_zone: Sequence[Sequence[float]] | None = None,
        signal_history_s: float = 5.0,
    ) -> None:
        """`signal_history_s`: how far back the signal is remembered, which bounds how late
        a crossing may be found and still be judged by the signal at its own frame."""
        self.stop_line = stop_line
        self.settings = config
        self.exit_zone = Polygon(exit_zone) if exit_zone else None
        self._tracks: dict[int, _TrackState] = {}
        # Ended tracks whose crossing waits for the lamp to be seen again (across_unseen_lamp).
        self._held: dict[int, _TrackState] = {}
        self.signal_log: deque[tuple[int, float, SignalStatus]] = deque()
        self.signal_history_s = signal_history_s

    def on_signal(self, frame_index: int, t: float, status: SignalStatus) -> None:
        """Record the signal for every frame, so a crossing between two processed frames
        is judged by the signal at the frame where it happened."""
        self.signal_log.append((frame_index, t, status))
        while self.signal_log and self.signal_log[0][1] < t - self.signal_history_s:
            self.signal_log.popleft()

    def signal_at(self, frame_index: int) -> SignalStatus:
        best = None
        for idx, _, status in self.signal_log:
            if idx <= frame_index:
                best = status
            else:
                break
        if best is None:
            if not self.signal_log:
                raise RuntimeError("no signal state recorded before the crossing")
            best = self.signal_log[0][2]
        return best

    def update(
        self, frame_index: int, t: float, observations: Sequence[Observation]
    ) -> list[Decision]:
        decisions: list[Decision] = []
        for obs in observations:
            state = self._tracks.setdefault(obs.track_id, _TrackState())
            state.labels[obs.label] = state.labels.get(obs.label, 0) + 1
            if state.done:
                continue
            anchor = obs.anchor
            if state.pending is not None:
                decision = self._follow(obs, state, t)
            elif state.last_anchor is not None:
                decision = self._check_crossing(obs, state, frame_index, t)
            else:
                decision = None
            state.last_anchor, state.last_frame, state.last_t = anchor, frame_index, t
            if decision is not None:
                decisions.append(decision)
        for track_id, state in list(self._held.items()):
            if (decision := self._decide(track_id, state)) is not None:
                del self._held[track_id]
                decisions.append(decision)
        return decisions

    def undecided_crossings(self) -> Iterator[tuple[int, int]]:
        """(track id, crossing frame) of every crossing still waiting for its decision."""
        for track_id, state in [*self._tracks.items(), *self._held.items()]:
            if state.pending is not None and not state.done:
                yield track_id, state.pending.cross_frame

    def has_undecided(self) -> bool:
        return next(self.undecided_crossings(), None) is not None

    def finish(self, track_id: int) -> Decision | None:
        """The track has ended: a pending crossing is decided on what was seen (or held, if
        the lamp is unseen for now: `holds`, and a later `update` gives the decision)."""
        state = self._tracks.pop(track_id, None)
        if state is None or state.pending is None or state.done:
            return None
        decision = self._decide(track_id, state)
        if decision is None:
            self._held[track_id] = state
        return decision

    def holds(self, track_id: int) -> bool:
        """An ended track's crossing waits for the lamp to be seen again."""
        return track_id in self._held

    def finish_all(self) -> list[Decision]:
        """End of stream: every crossing decided, an unseen lamp as it stands."""
        out = [self.finish(tid) for tid in list(self._tracks)]
        out += [self._decide(tid, st, settle=True) for tid, st in self._held.items()]
        self._held.clear()
        return [d for d in out if d is not None]

    # -- internals -------------------------------------------------------------------------

    def _check_crossing(
        self, obs: Observation, state: _TrackState, frame_index: int, t: float
    ) -> Decision | None:
        a, b = state.last_anchor, obs.anchor
        assert a is not None
        if not self.stop_line.crossed_between(a, b):
            return None
        da, db = self.stop_line.signed_distance(a), self.stop_line.signed_distance(b)
        if not (da < 0 <= db):
            return None  # crossed backwards (against the travel direction): not a crossing
        # The frame where the anchor reached the line, between the two processed frames.
        frac = da / (da - db)
        span = frame_index - state.last_frame
        cross_frame = (
            state.last_frame + max(1, round(frac * span + 0.4999)) if span else frame_index
        )
        cross_frame = min(cross_frame, frame_index)
        cross_t = state.last_t + (t - state.last_t) * (cross_frame - state.last_frame) / max(
            span, 1
        )
        signal = self.signal_at(cross_frame)
        label = max(state.labels, key=lambda k: (state.labels[k], k))
        point = (a[0] + frac * (b[0] - a[0]), a[1] + frac * (b[1] - a[1]))
        state.pending = _Pending(
            cross_frame, cross_t, obs.box, label, signal, point, gap_s=t - state.last_t
        )
        return self._follow(obs, state, t)

    def _follow(self, obs: Observation, state: _TrackState, t: float) -> Decision | None:
        pending = state.pending
        assert pending is not None
        past = self.stop_line.signed_distance(obs.anchor)
        if past > 0:
            pending.frames_past += 1
            pending.max_past = max(pending.max_past, past)
            (x, y), (cx, cy) = obs.anchor, pending.cross_point
            pending.max_moved = max(pending.max_moved, ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5)
        if self.exit_zone is not None and self.exit_zone.contains(Point(obs.anchor)):
            pending.entered_exit = True
            return self._decide(obs.track_id, state)
        if not self._continued(pending):
            return None
        if self.exit_zone is not None and t - pending.cross_t < EXEMPT_DECIDE_S:
            return None  # it may still turn right through the exit zone
        return self._decide(obs.track_id, state)

    def _continued(self, p: _Pending) -> bool:
        s = self.settings
        height = p.box[3] - p.box[1]
        need = max(s.min_distance_px, MIN_BOX_HEIGHTS * height)
        return p.max_moved >= need and p.frames_past >= s.min_frames_past_line

    def _decide(self, track_id: int, state: _TrackState, settle: bool = False) -> Decision | None:
        """The crossing's decision; None while the lamp at it is unseen and may still be seen
        again in time (unless `settle`)."""
        p = state.pending
        assert p is not None
        s = self.settings
        if p.signal.red_before is not None and self.signal_log:
            _, t, now = self.signal_log[-1]
            signal = across_unseen_lamp(p.signal, now, t, s.least_amber_s)
            if signal is None and not settle:
                return None
            p.signal = signal or p.signal
        state.done = True
        into = p.signal.seconds_into_red(p.cross_t)
        amber_for = p.cross_t - p.signal.since
        red = p.signal.state == LampState.RED or (
            p.signal.state == LampState.AMBER
            and (
                s.amber_policy == AmberPolicy.VIOLATION
                or (s.amber_policy == AmberPolicy.GRACE and amber_for >= s.amber_grace_s)
            )
        )
        height = p.box[3] - p.box[1]
        explanation: dict[str, object] = {
            "cross_frame": p.cross_frame,
            "signal_at_cross": p.signal.to_json(p.cross_t),
            "distance_past_line_px": round(p.max_past, 1),
            "moved_past_line_px": round(p.max_moved, 1),
            "needed_past_line_px": round(max(s.min_distance_px, MIN_BOX_HEIGHTS * height), 1),
            "frames_past_line": p.frames_past,
            "left_through_exit_zone": p.entered_exit,
            "crossing_gap_s": round(p.gap_s, 3),
        }
        if p.gap_s > s.max_crossing_gap_s:
            # A track lost for a while and found past the line may have taken another road
            # user's box (one passing in front of a vehicle stopped at the line): without a
            # detection close before and after, nobody can check the crossing on the frames.
            kind = DecisionKind.UNSEEN
            explanation["reason"] = (
                f"crossing not seen: {p.gap_s:.2f} s between the detections before and past "
                f"the line (at most {s.max_crossing_gap_s:g} s)"
            )
        elif p.entered_exit:
            kind = DecisionKind.EXEMPT
            explanation["reason"] = "left through the right-turn-on-red exit zone"
        elif not self._continued(p):
            kind = DecisionKind.STOPPED
            explanation["reason"] = "did not continue past the stop line"
        elif not red:
            kind = DecisionKind.NOT_RED
            lost = " (unseen after a red, not red again in time)" if p.signal.red_before else ""
            explanation["reason"] = f"signal was {p.signal.state} at the crossing{lost}"
        elif into is not None and into < s.min_seconds_into_red:
            kind = DecisionKind.NOT_RED
            explanation["reason"] = f"only {into:.2f} s into red (grace {s.min_seconds_into_red} s)"
        else:
            kind = DecisionKind.VIOLATION
            bridged = ""
            if (unseen := p.signal.unseen_s) is not None:
                explanation["least_amber_s"] = s.least_amber_s
                bridged = (
                    f"; the lamp was unseen for {unseen:.2f} s between two reds, less than the"
                    f" shortest amber ({s.least_amber_s:g} s): red throughout"
                )
            explanation["reason"] = (
                f"crossed on {p.signal.state}"
                + (f", {into:.2f} s into red" if into is not None else "")
                + ", and continued"
                + bridged
            )
        label = max(state.labels, key=lambda k: (state.labels[k], k))
        return Decision(
            kind, track_id, label, p.cross_frame, p.cross_t, p.box, p.signal, into, explanation
        )
