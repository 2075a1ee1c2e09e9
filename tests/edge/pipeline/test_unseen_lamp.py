"""A lamp unseen for a moment between two reds (a compression smear, a bus in front of the head):
red throughout when red comes back sooner than the shortest amber, and the crossing made in
the spell waits for it; anything else keeps the unknown, never a case."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from common.config.sections import RuleConfig
from edge.perception.signal_heads import LampState
from edge.pipeline.rule import Decision, DecisionKind, Observation, RedLightRule, StopLine
from edge.pipeline.signal import SignalDebouncer, SignalStatus, across_unseen_lamp

R, U, G, A = LampState.RED, LampState.UNKNOWN, LampState.GREEN, LampState.AMBER
FPS = 6.0  # a city camera's rate: three frames are half a second


def readings(*spells: tuple[LampState, int]) -> list[LampState]:
    return [state for state, n in spells for _ in range(n)]


def statuses(lamps: Sequence[LampState]) -> list[SignalStatus]:
    debouncer = SignalDebouncer(3)
    return [debouncer.update(i / FPS, lamp) for i, lamp in enumerate(lamps)]


def test_the_debouncer_remembers_the_red_a_spell_of_unknown_followed() -> None:
    seen = statuses(readings((R, 6), (U, 4), (G, 4)))
    assert seen[5].state == R and seen[5].red_before is None
    unseen = seen[8]  # the third unknown reading: the state is unknown now
    assert unseen.state == U and unseen.since == pytest.approx(6 / FPS)
    assert unseen.red_before is not None and unseen.red_before.red_since == 0.0, (
        "an unknown straight after a red carries that red, dated from its first frame"
    )
    assert seen[-1].state == G and seen[-1].red_before is None, "green forgets the red"


def test_an_unknown_that_follows_no_red_carries_none() -> None:
    seen = statuses(readings((G, 5), (U, 5)))
    assert seen[-1].state == U and seen[-1].red_before is None


@pytest.mark.parametrize(
    ("case", "lamps", "least_amber_s", "expected"),
    [
        ("red again after 1 s unseen", readings((R, 6), (U, 6), (R, 3)), 3.0, "red"),
        ("still unseen, 1 s into the spell", readings((R, 6), (U, 6)), 3.0, "wait"),
        ("unseen for over 3 s: an amber fits", readings((R, 6), (U, 20)), 3.0, "unknown"),
        ("red again only after 3.5 s", readings((R, 6), (U, 21), (R, 3)), 3.0, "unknown"),
        ("green seen again", readings((R, 6), (U, 6), (G, 3)), 3.0, "unknown"),
        ("amber seen again", readings((R, 6), (U, 6), (A, 3)), 3.0, "unknown"),
        ("bridging turned off", readings((R, 6), (U, 6), (R, 3)), 0.0, "unknown"),
    ],
)  # fmt: skip
def test_a_crossing_in_the_spell_is_red_only_when_red_comes_back_sooner_than_an_amber(
    case: str, lamps: list[LampState], least_amber_s: float, expected: str
) -> None:
    seen = statuses(lamps)
    at_cross = seen[8]  # in the spell, once the state is unknown
    assert at_cross.state == U and at_cross.red_before is not None, case
    settled = across_unseen_lamp(at_cross, seen[-1], (len(lamps) - 1) / FPS, least_amber_s)
    got = "wait" if settled is None else str(settled.state)
    assert got == expected, f"{case}: {got}, expected {expected}"
    if settled is not None and settled.state == R:
        assert settled.red_since == 0.0, f"{case}: red is dated from before the spell"
        assert settled.unseen_s == pytest.approx(1.0), f"{case}: how long the lamp was unseen"
        assert settled.raw == U, f"{case}: the frame's own reading stays what it was"


LINE = [(100, 400), (700, 400)]  # traffic moves up the image


def drive(lamps: Sequence[LampState], ys: Sequence[float | None]) -> list[tuple[int, Decision]]:
    """One car (anchor at y, None: no longer tracked) and the lamp, frame by frame; the rule
    is asked every frame, as at a camera that detects on every picture."""
    rule = RedLightRule(StopLine(LINE, (0, -1)), RuleConfig())
    debouncer = SignalDebouncer(3)
    out: list[tuple[int, Decision]] = []
    tracked = False
    for i, lamp in enumerate(lamps):
        t = i / FPS
        rule.on_signal(i, t, debouncer.update(t, lamp))
        y = ys[i] if i < len(ys) else None
        seen = [] if y is None else [Observation(7, (370.0, y - 80, 430.0, y), "car")]
        out += [(i, d) for d in rule.update(i, t, seen)]
        if y is None and tracked:  # the track has just ended
            tracked = False
            out += [(i, d) for d in [rule.finish(7)] if d is not None]
        tracked = tracked or y is not None
    return out + [(len(lamps), d) for d in rule.finish_all()]


CROSSING = [460.0, 440.0, 420.0, 395.0, 370.0, 345.0, 320.0]  # over the line at frame 3
SPELL = readings((R, 6), (U, 6), (R, 6))  # frames 6-11 unseen; the car crosses on frame 9


def test_a_car_crossing_while_the_lamp_is_unseen_is_judged_when_red_is_seen_again() -> None:
    ys = [None] * 6 + CROSSING + [300.0] * 5
    ((frame, d),) = drive(SPELL, ys)
    assert d.kind == DecisionKind.VIOLATION, d.explanation
    assert frame == 14, "decided on the third red reading after the spell, not before"
    assert d.seconds_into_red == pytest.approx(9 / FPS), "red dated from before the spell"
    reason = str(d.explanation["reason"])
    assert "unseen for 1.00 s between two reds" in reason, reason


def test_a_track_that_ends_in_the_spell_is_held_and_decided_when_red_is_back() -> None:
    ys = [None] * 6 + CROSSING  # the track ends at frame 13, the lamp still unknown
    ((frame, d),) = drive(readings((R, 6), (U, 8), (R, 6)), ys)
    assert d.kind == DecisionKind.VIOLATION, d.explanation
    assert frame == 16, "the held crossing comes out of the update after red is back"


@pytest.mark.parametrize(
    ("case", "lamps"),
    [
        ("green after the spell", readings((R, 6), (U, 6), (G, 8))),
        ("unseen for longer than an amber", readings((R, 6), (U, 24))),
        ("the stream ends in the spell", readings((R, 6), (U, 8))),
    ],
)  # fmt: skip
def test_a_crossing_in_a_spell_not_bridged_is_never_a_case(
    case: str, lamps: list[LampState]
) -> None:
    ((_, d),) = drive(lamps, [None] * 6 + CROSSING + [300.0] * 20)
    assert d.kind == DecisionKind.NOT_RED, f"{case}: {d.explanation}"
    assert "unseen after a red" in str(d.explanation["reason"]), case
