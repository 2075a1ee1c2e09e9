"""Frame times on the camera's clock: its presentation timestamps, mapped onto the box's clock.

The tracker's speeds and the rule's "how long into red" are differences of frame times. Taken
when the reader got round to each frame, they carry every stall of a busy box: frames that
waited behind other work arrive in a burst, and a rider seems to cover a metre in no time.
vn_a three times over, replayed with such times (a fifth of the frames held up by as much as
0.6 s), lost 4 of its 6 violations in one run, and in another judged 2 of them "stopped" and
one twice; with the video's own times it finds all 6.

The camera stamps each frame when it takes it (RTP time, which FFmpeg gives as the position
in milliseconds), so the times come from there, shifted onto the box's clock by the smallest
lag between stamp and arrival (the frame that waited least; a stall only adds lag). The
shift follows a growing lag very slowly (a thousandth of the difference a frame), so a
camera clock running a little slow does not pull the two apart, and drops at once to a
smaller one: a frame's time is never later than its arrival, so the evidence's UTC times
(the stream's start plus the frame time) are never later than the box saw the frame.
While a stream connects, a camera sends what it had buffered in a burst; those first frames
are timed as they come.

The stamps are trusted only while they behave: a stamp that goes backwards, jumps by more
than `max_gap_s` (a stream that restarted, a camera that rebooted) or is more than
`max_lag_s` off the box's clock re-anchors the mapping on the frame's arrival. A stream
without stamps (always 0) is re-anchored on every frame, so its times are arrival times, as
before. Times never run backwards.
"""

from __future__ import annotations

import math

MAX_GAP_S = 2.0  # a jump forward in stamps larger than this is a discontinuity, not time
MAX_LAG_S = 1.0  # stamps this far off the box's clock (either way) re-anchor the mapping
SLEW = 0.001  # share of a growing lag the mapping follows each frame
MIN_STEP_S = 1e-3  # two frames are never given the same time


class StreamClock:
    """Maps a stream's presentation stamps (seconds) to the box's monotonic clock."""

    def __init__(self, max_gap_s: float = MAX_GAP_S, max_lag_s: float = MAX_LAG_S) -> None:
        self.max_gap_s, self.max_lag_s = max_gap_s, max_lag_s
        self.offset: float | None = None  # box time minus stamp, for the quickest frames
        self.last_stamp = -math.inf
        self.last_t = -math.inf
        self.resets = 0  # times the stamps misbehaved and the map was re-anchored

    def time_of(self, stamp_s: float, arrival_s: float) -> float:
        """The frame's time: its stamp on the box's clock (`arrival_s` is when it came)."""
        if not math.isfinite(stamp_s):
            self.offset = None
            self.last_t = max(arrival_s, self.last_t + MIN_STEP_S)
            return self.last_t
        lag = arrival_s - stamp_s
        step = stamp_s - self.last_stamp
        usable = 0 < step <= self.max_gap_s
        if self.offset is None or not usable or abs(lag - self.offset) > self.max_lag_s:
            if self.offset is not None:
                self.resets += 1
            self.offset = lag
        elif lag < self.offset:
            self.offset = lag  # a quicker frame: the lag was never more than this
        else:
            self.offset += SLEW * (lag - self.offset)
        self.last_stamp = stamp_s
        self.last_t = max(stamp_s + self.offset, self.last_t + MIN_STEP_S)
        return self.last_t
