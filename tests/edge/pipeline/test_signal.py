"""Signal state over time: debouncing, red_since, the schedule and controller sources."""

from __future__ import annotations

import pytest

from edge.perception.signal_heads import LampState
from edge.pipeline.signal import ControllerFeed, FixedTimePlan, SignalDebouncer

R, G, A, U = LampState.RED, LampState.GREEN, LampState.AMBER, LampState.UNKNOWN


def test_debounce_ignores_a_single_bad_frame() -> None:
    deb = SignalDebouncer(3)
    states = [deb.update(i * 0.1, s).state for i, s in enumerate([G, G, G, R, G, G, G])]
    assert states[2:] == [G, G, G, G, G], "one red frame inside green must not change the state"


def test_red_since_dates_from_the_first_red_frame() -> None:
    deb = SignalDebouncer(3)
    for i, s in enumerate([G, G, G, A, A, A, R, R, R, R]):
        st = deb.update(i * 0.1, s)
    assert st.state == R
    assert st.red_since == pytest.approx(0.6), "red began at the first of the three red frames"
    assert st.seconds_into_red(1.0) == pytest.approx(0.4)


def test_dark_lamps_read_unknown_after_the_debounce() -> None:
    deb = SignalDebouncer(2)
    out = [deb.update(i, s).state for i, s in enumerate([G, G, U, U, U, R, R])]
    assert out == [U, G, G, U, U, U, R], "the stream starts unknown; every change needs 2 frames"


def test_fixed_time_plan_cycles() -> None:
    plan = FixedTimePlan(cycle_s=60, red_start_s=33, red_s=27, amber_s=3, offset_s=0)
    assert plan.state_at(10) == (G, 0)
    assert plan.state_at(31) == (A, 30)
    assert plan.state_at(40) == (R, 33)
    assert plan.state_at(70) == (G, 60)
    assert plan.status(95).red_since == 93
    with pytest.raises(ValueError, match="leave part of the cycle green"):
        FixedTimePlan(cycle_s=30, red_start_s=10, red_s=28, amber_s=3, offset_s=0)


def test_controller_feed_answers_from_the_latest_phase_message() -> None:
    feed = ControllerFeed()
    assert feed.status(1.0).state == U
    feed.on_phase(10.0, "red")
    feed.on_phase(5.0, "amber")  # arrived late
    assert feed.status(7.0).state == A
    st = feed.status(12.5)
    assert st.state == R and st.seconds_into_red(12.5) == pytest.approx(2.5)


def test_a_red_already_on_at_stream_start_is_marked_as_a_lower_bound() -> None:
    deb = SignalDebouncer(2)
    for i in range(4):
        st = deb.update(i * 0.1, R)
    assert st.state == R and st.began_before_stream, "red seen from the first frame"
    deb = SignalDebouncer(2)
    for i, s in enumerate([G, G, R, R]):
        st = deb.update(i * 0.1, s)
    assert st.state == R and not st.began_before_stream
