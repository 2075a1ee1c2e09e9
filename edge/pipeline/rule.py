"""The red-light rule: which tracked vehicle crossed the stop line on red and went on.

A crossing is the vehicle's anchor (bottom centre of its box) passing over the stop line in
the camera's direction of travel. It becomes a violation when the signal was red at that
moment and the vehicle then continues: it is seen far enough past the line (a distance that
grows with the vehicle's size, since the camera's scale does), so a vehicle that stops just
over the line is not a case. Where right turn on red is allowed, a vehicle that leaves
through the exit zone is exempt, so the decision waits until the track leaves or commits.
Every decision carries its explanation: the crossing frame, the signal then, time into red.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from shapely.geometry import LineString, Point, Polygon

from edge.perception.signal_heads import LampState
from edge.pipeline.signal import SignalStatus

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class RuleSettings:
    min_distance_px: float = 12.0  # past the line, at least this far ...
    min_box_heights: float = 0.35  # ... and this many box heights (perspective-fair)
    min_frames_past_line: int = 2  # processed frames seen past the line
    amber_policy: str = "ignore"  # ignore | violation | grace (amber counts once it has lasted)
    amber_grace_s: float = 1.0
    min_seconds_into_red: float = 0.0
    exempt_decide_s: float = 4.0  # with an exit zone: decide at the latest this long after


@dataclass(frozen=True)
class Observation:
    """A tracked vehicle in one processed frame."""

    track_id: int
    box: Box
    label: str

    @property
    def anchor(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, self.box[3])


@dataclass(frozen=True)
class Decision:
    """What the rule decided about one crossing, and why."""

    kind: str  # violation | exempt | not_red | stopped | wrong_direction
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
    frames_past: int = 0
    max_past: float = 0.0
    entered_exit: bool = False


@dataclass
class _TrackState:
    last_anchor: tuple[float, float] | None = None
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

    def signed_distance(self, p: tuple[float, float]) -> float:
        """Distance of p past the line along the travel direction (negative: before it).

        Measured from the nearest point of the line, so a bowed polyline is followed."""
        near = self.line.interpolate(self.line.project(Point(p)))
        return (p[0] - near.x) * self.direction[0] + (p[1] - near.y) * self.direction[1]

    def crossed_between(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """The anchor's path from a to b passes over the line itself (not beyond its ends)."""
        return a != b and LineString([a, b]).intersects(self.line)


class RedLightRule:
    """Feeds on tracked vehicles and the signal, frame by frame; yields decisions."""

    def __init__(
        self,
        stop_line: StopLine,
        settings: RuleSettings | None = None,
        exit_zone: Sequence[Sequence[float]] | None = None,
        signal_history_s: float = 5.0,
    ) -> None:
        self.stop_line = stop_line
        self.settings = settings or RuleSettings()
        self.exit_zone = Polygon(exit_zone) if exit_zone else None
        self.tracks: dict[int, _TrackState] = {}
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
            state = self.tracks.setdefault(obs.track_id, _TrackState())
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
        return decisions

    def finish(self, track_id: int) -> Decision | None:
        """The track has ended: a pending crossing is decided on what was seen."""
        state = self.tracks.pop(track_id, None)
        if state is None or state.pending is None or state.done:
            return None
        return self._decide(track_id, state, final=True)

    def finish_all(self) -> list[Decision]:
        out = [self.finish(tid) for tid in list(self.tracks)]
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
            return None  # crossed backwards (wrong direction) or along the line
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
        state.pending = _Pending(cross_frame, cross_t, obs.box, label, signal)
        return self._follow(obs, state, t)

    def _follow(self, obs: Observation, state: _TrackState, t: float) -> Decision | None:
        pending = state.pending
        assert pending is not None
        past = self.stop_line.signed_distance(obs.anchor)
        if past > 0:
            pending.frames_past += 1
            pending.max_past = max(pending.max_past, past)
        if self.exit_zone is not None and self.exit_zone.contains(Point(obs.anchor)):
            pending.entered_exit = True
            return self._decide(obs.track_id, state, final=True)
        if not self._continued(pending):
            return None
        if self.exit_zone is not None and t - pending.cross_t < self.settings.exempt_decide_s:
            return None  # it may still turn right through the exit zone
        return self._decide(obs.track_id, state, final=False)

    def _continued(self, p: _Pending) -> bool:
        s = self.settings
        height = p.box[3] - p.box[1]
        need = max(s.min_distance_px, s.min_box_heights * height)
        return p.max_past >= need and p.frames_past >= s.min_frames_past_line

    def _decide(self, track_id: int, state: _TrackState, final: bool) -> Decision | None:
        p = state.pending
        assert p is not None
        s = self.settings
        state.done = True
        into = p.signal.seconds_into_red(p.cross_t)
        amber_for = p.cross_t - p.signal.since
        red = p.signal.state == LampState.RED or (
            p.signal.state == LampState.AMBER
            and (
                s.amber_policy == "violation"
                or (s.amber_policy == "grace" and amber_for >= s.amber_grace_s)
            )
        )
        height = p.box[3] - p.box[1]
        explanation: dict[str, object] = {
            "cross_frame": p.cross_frame,
            "signal_at_cross": p.signal.to_json(p.cross_t),
            "distance_past_line_px": round(p.max_past, 1),
            "needed_past_line_px": round(max(s.min_distance_px, s.min_box_heights * height), 1),
            "frames_past_line": p.frames_past,
            "left_through_exit_zone": p.entered_exit,
        }
        if p.entered_exit:
            kind = "exempt"
            explanation["reason"] = "left through the right-turn-on-red exit zone"
        elif not self._continued(p):
            kind = "stopped"
            explanation["reason"] = "did not continue past the stop line"
        elif not red:
            kind = "not_red"
            explanation["reason"] = f"signal was {p.signal.state} at the crossing"
        elif into is not None and into < s.min_seconds_into_red:
            kind = "not_red"
            explanation["reason"] = f"only {into:.2f} s into red (grace {s.min_seconds_into_red} s)"
        else:
            kind = "violation"
            explanation["reason"] = (
                f"crossed on {p.signal.state}"
                + (f", {into:.2f} s into red" if into is not None else "")
                + ", and continued"
            )
        label = max(state.labels, key=lambda k: (state.labels[k], k))
        return Decision(
            kind, track_id, label, p.cross_frame, p.cross_t, p.box, p.signal, into, explanation
        )
