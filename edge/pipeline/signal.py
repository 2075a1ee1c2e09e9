"""The governing signal over time: debounced, with the moment red began.

A lamp must read the same for `debounce_frames` frames in a row before the state changes,
so one bad frame (a compression smear, a passing bus) never turns green into red. The new
state is dated from the first of those frames: `red_since` is when red was first seen, and
`seconds_into_red` at a crossing is measured from there. The three sources — the camera
image, a fixed-time plan, or the controller's own phase messages — all end in this one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from common.config.signal import (
    ScheduleConfig,
    SignalConfig,
    SignalControllerConfig,
    SignalSourceKind,
)
from edge.perception.head_gate import GatedHeadReader
from edge.perception.signal_heads import LampState, SignalHead


@dataclass(frozen=True)
class SignalStatus:
    """The debounced state at one moment, and the evidence for it."""

    state: LampState
    since: float  # seconds (stream time) when this state began
    red_since: float | None  # when the current red began; None unless red
    raw: LampState  # this frame's own reading
    source: SignalSourceKind
    # The state was already on when the stream began: `since` is only a lower bound, and
    # the time into red is at least (not exactly) what is recorded.
    began_before_stream: bool = False
    vouched_by: str | None = None  # the controller key that signed the phase message
    # Vision: the lamp unseen (unknown) straight after a red, that red's status, so that a
    # crossing in the spell can be judged once the lamp is seen again (`across_unseen_lamp`).
    red_before: SignalStatus | None = None
    unseen_s: float | None = None  # red held across a spell this long with the lamp unseen

    def seconds_into_red(self, t: float) -> float | None:
        return None if self.red_since is None else max(0.0, t - self.red_since)

    def to_json(self, t: float) -> dict[str, object]:
        into = self.seconds_into_red(t)
        return {
            "state": str(self.state),
            "since_s": round(self.since, 3),
            "red_since_s": None if self.red_since is None else round(self.red_since, 3),
            "seconds_into_red": None if into is None else round(into, 3),
            "raw": str(self.raw),
            "source": self.source,
            "began_before_stream": self.began_before_stream,
            "vouched_by": self.vouched_by,
            "unseen_s": None if self.unseen_s is None else round(self.unseen_s, 3),
        }


def across_unseen_lamp(
    at_cross: SignalStatus, now: SignalStatus, t: float, least_amber_s: float
) -> SignalStatus | None:
    """The signal at a crossing made while the lamp was unseen straight after a red, as the
    stream stands at time `t` (`now`). Leaving red and coming back to it takes a green and then
    a whole amber, so red seen again sooner than `least_amber_s` after the lamp was lost means
    red throughout: the red from before, with how long the lamp was unseen. Anything else seen
    again, or a spell that long, leaves the crossing's unknown as it was; None while the spell
    goes on and may still end in time (the decision waits)."""
    if at_cross.red_before is None or at_cross.state != LampState.UNKNOWN:
        return at_cross
    if now.state == LampState.UNKNOWN and now.since == at_cross.since:  # the same spell
        return None if t - at_cross.since < least_amber_s else at_cross
    unseen = now.since - at_cross.since
    if now.state == LampState.RED and 0 < unseen < least_amber_s:
        return replace(at_cross.red_before, raw=at_cross.raw, unseen_s=unseen)
    return at_cross


class SignalDebouncer:
    """Turns per-frame readings into a debounced state with its start time."""

    def __init__(self, debounce_frames: int) -> None:
        if debounce_frames < 1:
            raise ValueError("debounce_frames must be at least 1")
        self.debounce_frames = debounce_frames
        self.state = LampState.UNKNOWN
        self.since = 0.0
        self._run_state: LampState | None = None
        self._run_start = 0.0
        self._run_len = 0
        self._first_t: float | None = None
        self._from_start = False
        self._red_before: SignalStatus | None = None  # while unknown straight after a red

    def update(self, t: float, reading: LampState) -> SignalStatus:
        if self._first_t is None:
            self._first_t = t
        if reading == self._run_state:
            self._run_len += 1
        else:
            self._run_state, self._run_start, self._run_len = reading, t, 1
        if reading != self.state and self._run_len >= self.debounce_frames:
            lost_red = self.state == LampState.RED and reading == LampState.UNKNOWN
            self._red_before = self._status(self.state) if lost_red else None
            self.state, self.since = reading, self._run_start
            self._from_start = self._run_start == self._first_t
        return self._status(reading)

    def _status(self, reading: LampState) -> SignalStatus:
        red_since = self.since if self.state == LampState.RED else None
        return SignalStatus(
            self.state, self.since, red_since, reading, SignalSourceKind.VISION,
            self._from_start, red_before=self._red_before,
        )  # fmt: skip


@dataclass(frozen=True)
class FixedTimePlan:
    """A fixed-time plan: red for `red_s` from `red_start_s` of each cycle, amber just before.

    `offset_s` is the cycle position at stream time 0. Used where no head is visible and no
    controller feed exists; the evidence names the source as "schedule".
    """

    cycle_s: float
    red_start_s: float
    red_s: float
    amber_s: float
    offset_s: float

    @classmethod
    def from_config(cls, config: ScheduleConfig, live_start: datetime | None) -> FixedTimePlan:
        """The plan placed on stream time. A live stream (`live_start`, the wall-clock time
        of its stream time 0) takes its cycle position from the clock against `epoch`, the
        controller's cycle start, so the plan keeps step with the controller across restarts;
        a replay keeps `offset_s`, the cycle position at the recording's first frame."""
        offset = config.offset_s
        if live_start is not None:
            if config.epoch is None:
                raise ValueError("a live stream on a fixed-time plan needs schedule.epoch")
            offset = (live_start - config.epoch).total_seconds() % config.cycle_s
        return cls(config.cycle_s, config.red_start_s, config.red_s, config.amber_s, offset)

    def __post_init__(self) -> None:
        if self.cycle_s <= 0 or self.red_s <= 0 or self.amber_s < 0:
            raise ValueError("a signal plan needs a positive cycle and red, and amber >= 0")
        if self.red_s + self.amber_s >= self.cycle_s:
            raise ValueError("red and amber must leave part of the cycle green")

    def state_at(self, t: float) -> tuple[LampState, float]:
        """The state at stream time t, and when that phase began."""
        # Cycle position measured from the start of amber: amber, red, then green.
        amber_start = self.red_start_s - self.amber_s
        pos = (t + self.offset_s - amber_start) % self.cycle_s
        start = t - pos
        if pos < self.amber_s:
            return LampState.AMBER, start
        if pos < self.amber_s + self.red_s:
            return LampState.RED, start + self.amber_s
        return LampState.GREEN, start + self.amber_s + self.red_s

    def status(self, t: float) -> SignalStatus:
        state, since = self.state_at(t)
        red_since = since if state == LampState.RED else None
        return SignalStatus(state, since, red_since, state, SignalSourceKind.SCHEDULE)


class ControllerFeed:
    """Phase messages from the signal controller (fed over MQTT on the edge box, each one
    checked by edge.delivery.phases before it gets here).

    Each message says the phase state, when it began, and when it was sent; the feed answers
    for any time at or after a message. Messages may arrive late or out of order; they are
    kept sorted. The controller repeats its phase at least every `max_age_s`: at a time more
    than that after the last message sent, the feed reads `unknown` (a silent controller or a
    blocked feed never leaves an old red standing).
    """

    def __init__(self, max_age_s: float | None = None) -> None:
        self.max_age_s = max_age_s
        self._phases: list[tuple[float, LampState, str | None]] = []
        self._sent: list[float] = []

    def on_phase(
        self,
        since: float,
        state: LampState | str,
        sent: float | None = None,
        vouched_by: str | None = None,
    ) -> None:
        """`since` and `sent` in stream time; `vouched_by`: the key that signed it."""
        self._phases.append((since, LampState(state), vouched_by))
        self._phases.sort(key=lambda p: p[0])
        self._sent.append(since if sent is None else sent)
        self._sent.sort()

    def _fresh(self, t: float) -> bool:
        if self.max_age_s is None:
            return True
        heard = [s for s in self._sent if s <= t]
        return bool(heard) and t - heard[-1] <= self.max_age_s

    def status(self, t: float) -> SignalStatus:
        current: tuple[float, LampState, str | None] | None = None
        for entry in self._phases:
            if entry[0] > t:
                break
            current = entry
        if current is None or not self._fresh(t):
            unknown = LampState.UNKNOWN
            return SignalStatus(unknown, t, None, unknown, SignalSourceKind.CONTROLLER)
        since, state, key = current
        red_since = since if state == LampState.RED else None
        kind = SignalSourceKind.CONTROLLER
        return SignalStatus(state, since, red_since, state, kind, vouched_by=key)


class SignalSource:
    """The governing signal from the configured source: vision, schedule or controller."""

    def __init__(
        self,
        kind: SignalSourceKind,
        heads: Sequence[SignalHead] = (),
        debounce_frames: int | None = None,
        plan: FixedTimePlan | None = None,
        feed_max_age_s: float | None = None,
    ) -> None:
        self.kind = kind
        self.heads = list(heads)
        self.plan = plan
        self.feed = ControllerFeed(feed_max_age_s)
        self.debounce_frames = debounce_frames if kind == SignalSourceKind.VISION else None
        if kind == SignalSourceKind.VISION:
            if not self.heads or debounce_frames is None:
                raise ValueError("a vision signal source needs signal heads and debounce_frames")
            self.classifier = GatedHeadReader(self.heads)  # read again when the heads change
            self.debouncer = SignalDebouncer(debounce_frames)
        elif kind == SignalSourceKind.SCHEDULE and plan is None:
            raise ValueError("a schedule signal source needs a plan")

    @classmethod
    def from_config(
        cls,
        config: SignalConfig,
        debounce_frames: int,
        live_start: datetime | None,
        controller: SignalControllerConfig | None = None,
    ) -> SignalSource:
        """`live_start`: the wall-clock time of stream time 0 on a live stream, None on a
        replay (see FixedTimePlan.from_config); `controller`: the intersection's registered
        controller, whose `max_age_s` bounds how long a phase message is believed."""
        heads = [SignalHead(h.roi, h.layout) for h in config.heads]
        plan = None
        if config.schedule is not None:
            plan = FixedTimePlan.from_config(config.schedule, live_start)
        max_age = controller.max_age_s if controller is not None else None
        return cls(config.source, heads, debounce_frames, plan, max_age)

    def on_phase(
        self,
        since: float,
        state: LampState | str,
        sent: float | None = None,
        vouched_by: str | None = None,
    ) -> None:
        """A controller phase message, its times in stream time."""
        self.feed.on_phase(since, state, sent, vouched_by)

    def status(self, t: float, image: np.ndarray) -> SignalStatus:
        if self.kind == SignalSourceKind.VISION:
            return self.debouncer.update(t, self.classifier.classify(image).state)
        if self.kind == SignalSourceKind.SCHEDULE:
            assert self.plan is not None
            return self.plan.status(t)
        return self.feed.status(t)

    def crop(self, image: np.ndarray) -> np.ndarray | None:
        """The signal heads as seen in `image` (the union of their ROIs, with a margin)."""
        if not self.heads:
            return None
        xs = [h.roi[0] for h in self.heads] + [h.roi[0] + h.roi[2] for h in self.heads]
        ys = [h.roi[1] for h in self.heads] + [h.roi[1] + h.roi[3] for h in self.heads]
        m = max(4, (max(ys) - min(ys)) // 3)
        y0, y1 = max(0, min(ys) - m), min(image.shape[0], max(ys) + m)
        x0, x1 = max(0, min(xs) - m), min(image.shape[1], max(xs) + m)
        return image[y0:y1, x0:x1].copy()
