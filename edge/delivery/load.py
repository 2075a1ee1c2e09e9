"""Is a camera worker keeping up, and what it gives up first when it is not.

A worker's stream queues a little video for its pipeline (`edge.stream_buffer_s`). When the
queue fills, work is shed in the order of what matters least to a violation:

1. clip frames (the optional video is a convenience, the three pictures are the evidence);
2. every other frame while nothing is near the stop line and no crossing is undecided (an
   idle scene needs the signal and the idle detection, not every frame);
3. only then, with the queue full, does the reader drop frames, whatever they show. The
   evidence is built from the frames that exist, so even a dropped crossing frame costs a
   violation nothing but the exact picture.

`LoadMonitor` measures, over a sliding minute, the share of frames shed and dropped and the
CPU the worker process uses, and says when the camera is overloaded: a warning in the log
with those figures, when it starts and every five minutes while it lasts, and a line when it
is over. The figures go into the metrics and the heartbeat.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("edge.delivery.load")

SHED_AT = 0.5  # queue this full: shed clip frames and idle frames
WINDOW_S = 60.0
REPEAT_S = 300.0  # the overload warning again while it lasts
MIN_FRAMES = 30  # fewer frames in the window say nothing about the load


@dataclass(frozen=True)
class Load:
    """The last window's figures."""

    drop_ratio: float  # frames dropped by the reader, of the frames that arrived
    shed_ratio: float  # frames the worker chose not to process, of those that arrived
    cpu_cores: float  # CPU seconds of the worker process per wall second
    overloaded: bool


@dataclass(frozen=True)
class _Sample:
    at: float
    cpu: float
    frames_in: int
    dropped: int
    shed: int


class LoadMonitor:
    """Fed the worker's counters; `load()` is the window's figures, `shedding()` the cue."""

    def __init__(
        self,
        camera_id: str,
        threshold: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        cpu_clock: Callable[[], float] = time.process_time,
        window_s: float = WINDOW_S,
    ) -> None:
        self.camera_id, self.threshold, self.window_s = camera_id, threshold, window_s
        self._clock, self._cpu = clock, cpu_clock
        self._samples: deque[_Sample] = deque()
        self._since: float | None = None  # overloaded since (monotonic)
        self._warned = 0.0
        self.current = Load(0.0, 0.0, 0.0, False)

    @staticmethod
    def shedding(backlog: float) -> bool:
        """Shed clip frames and idle frames when the stream's queue is this full (0..1)."""
        return backlog >= SHED_AT

    def update(self, frames_in: int, dropped: int, shed: int) -> Load:
        """Record the counters now; warn on a change of state. Returns the window's figures."""
        now = self._clock()
        self._samples.append(_Sample(now, self._cpu(), frames_in, dropped, shed))
        while len(self._samples) > 2 and now - self._samples[1].at >= self.window_s:
            self._samples.popleft()
        first, last = self._samples[0], self._samples[-1]
        arrived = last.frames_in - first.frames_in
        wall = last.at - first.at
        if arrived < MIN_FRAMES or wall < self.window_s / 3:  # a start's burst is no load
            return self.current
        drop_share = (last.dropped - first.dropped) / arrived
        shed_share = (last.shed - first.shed) / arrived
        cpu = (last.cpu - first.cpu) / wall
        # Hysteresis: overloaded above the threshold, keeping up again only below half of it,
        # so a camera hovering at the threshold is not warned about every few seconds.
        limit = self.threshold / 2 if self.current.overloaded else self.threshold
        over = drop_share + shed_share > limit
        self.current = Load(round(drop_share, 4), round(shed_share, 4), round(cpu, 3), over)
        self._report(now, wall)
        return self.current

    def _report(self, now: float, wall: float) -> None:
        c = self.current
        figures = (
            f"{c.drop_ratio:.1%} of frames dropped and {c.shed_ratio:.1%} shed in the last"
            f" {wall:.0f} s, the worker uses {c.cpu_cores:.2f} cores"
            f" (box: {os.cpu_count()} cores, load {_load_average()})"
        )
        if c.overloaded and (self._since is None or now - self._warned >= REPEAT_S):
            self._since = self._since if self._since is not None else now
            self._warned = now
            log.warning(
                "camera %s cannot keep up: %s. Idle frames and clip frames are shed first; "
                "lower detector.detect_fps, the camera's frame rate or the number of cameras "
                "on this box", self.camera_id, figures,
            )  # fmt: skip
        elif not c.overloaded and self._since is not None:
            log.info(
                "camera %s keeps up again after %.0f s: %s",
                self.camera_id, now - self._since, figures,
            )  # fmt: skip
            self._since = None


def _load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"
