"""Frame times from the stream's stamps: steady under a stalling reader, re-anchored when the
stamps misbehave, arrival times when there are none."""

from __future__ import annotations

import itertools

import pytest

from edge.delivery.stream_clock import MAX_LAG_S, StreamClock

FRAME = 1 / 30


def times(stamps: list[float], arrivals: list[float]) -> tuple[list[float], StreamClock]:
    clock = StreamClock()
    return [clock.time_of(s, a) for s, a in zip(stamps, arrivals, strict=True)], clock


def steps(ts: list[float]) -> list[float]:
    return [round(b - a, 4) for a, b in itertools.pairwise(ts)]


def test_a_stalled_reader_does_not_bunch_the_times() -> None:
    """Frames 10-14 waited 0.3 s behind other work and came in a burst: their times keep
    the camera's spacing."""
    stamps = [i * FRAME for i in range(30)]
    arrivals = [
        s + 0.05 + (0.3 - (i - 10) * FRAME if 10 <= i < 15 else 0) for i, s in enumerate(stamps)
    ]
    ts, clock = times(stamps, arrivals)
    assert all(abs(dt - FRAME) < 2e-3 for dt in steps(ts)), f"times bunched: {steps(ts)}"
    assert all(t <= a for t, a in zip(ts, arrivals, strict=True)), "a time after its arrival"
    assert clock.resets == 0


def test_a_late_first_frame_does_not_shift_the_times_that_follow() -> None:
    """The first frame came 0.5 s late (the connection) and the next ones in a burst behind
    it: once frames come on time, they are timed at their arrival, not half a second after."""
    stamps = [i * FRAME for i in range(40)]
    arrivals = [0.55]
    for stamp in stamps[1:]:
        arrivals.append(max(arrivals[-1] + 0.001, stamp + 0.05))
    ts, _ = times(stamps, arrivals)
    assert ts[20:] == pytest.approx(arrivals[20:], abs=1e-6), f"times {ts} against {arrivals}"


@pytest.mark.parametrize(
    ("what", "stamps", "arrivals", "resets", "expected_steps"),
    [
        (
            "stamps go backwards (stream restarted): re-anchored on arrival",
            [0.0, FRAME, 2 * FRAME, 0.0, FRAME],
            [10.0, 10.0 + FRAME, 10.0 + 2 * FRAME, 10.5, 10.5 + FRAME],
            1,
            [FRAME, FRAME, 0.5 - 2 * FRAME, FRAME],
        ),
        (
            "stamps jump 10 s (camera rebooted): re-anchored on arrival",
            [0.0, FRAME, 10.0, 10.0 + FRAME],
            [5.0, 5.0 + FRAME, 5.2, 5.2 + FRAME],
            1,
            [FRAME, 0.2 - FRAME, FRAME],
        ),
        (
            "stamps drift past the lag allowed: re-anchored on arrival",
            [0.0, FRAME, 2 * FRAME],
            [1.0, 1.0 + FRAME, 1.0 + 2 * FRAME + MAX_LAG_S + 0.1],
            1,
            [FRAME, FRAME + MAX_LAG_S + 0.1],
        ),
        (
            "no stamps (always 0): arrival times",
            [0.0, 0.0, 0.0, 0.0],
            [1.0, 1.04, 1.05, 1.11],
            3,
            [0.04, 0.01, 0.06],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_misbehaving_stamps_fall_back_to_arrival(
    what: str, stamps: list[float], arrivals: list[float], resets: int, expected_steps: list[float]
) -> None:
    ts, clock = times(stamps, arrivals)
    got = steps(ts)
    assert got == pytest.approx(expected_steps, abs=2e-3), f"{what}: steps {got}"
    assert clock.resets == resets, f"{what}: {clock.resets} resets"


def test_times_never_run_backwards_nor_repeat() -> None:
    stamps = [0.0, 0.1, 0.1, 0.05, 0.2]
    ts, _ = times(stamps, [1.0, 1.1, 1.1, 1.05, 1.2])
    assert all(b > a for a, b in itertools.pairwise(ts)), f"times not increasing: {ts}"


@pytest.mark.parametrize("rate", [1.001, 0.999], ids=["fast", "slow"])
def test_a_camera_clock_running_off_is_followed(rate: float) -> None:
    """0.1 % fast or slow for ten minutes: the times stay within 50 ms of arrival, unbroken."""
    n = 18_000
    ts, clock = times([i * FRAME * rate for i in range(n)], [i * FRAME for i in range(n)])
    assert clock.resets == 0
    assert abs(ts[-1] - (n - 1) * FRAME) < 0.05, f"{ts[-1] - (n - 1) * FRAME:.3f} s off"
