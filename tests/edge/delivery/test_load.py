"""The load monitor: when a camera counts as overloaded, what it says, and when it stops."""

from __future__ import annotations

import logging

import pytest

from edge.delivery.load import LoadMonitor


class Clocks:
    """Wall and CPU time the test moves by hand."""

    def __init__(self) -> None:
        self.wall, self.cpu = 0.0, 0.0

    def tick(self, seconds: float, cores: float) -> None:
        self.wall += seconds
        self.cpu += seconds * cores


def monitor(clocks: Clocks) -> LoadMonitor:
    return LoadMonitor("MT-07", 0.05, clock=lambda: clocks.wall, cpu_clock=lambda: clocks.cpu)


@pytest.mark.parametrize(
    ("case", "dropped_per_s", "shed_per_s", "overloaded"),
    [
        ("keeps up", 0, 0, False),
        ("a little shed, under the threshold", 0, 1, False),
        ("drops a tenth of its frames", 3, 0, True),
        ("sheds a fifth of its idle frames", 0, 6, True),
        ("both, each under the threshold but not together", 1, 1, True),
    ],
)
def test_overloaded_when_dropped_and_shed_frames_pass_the_threshold(
    case: str, dropped_per_s: int, shed_per_s: int, overloaded: bool
) -> None:
    clocks, frames, dropped, shed = Clocks(), 0, 0, 0
    m = monitor(clocks)
    for _ in range(30):  # a minute of 30 fps, reported every 2 s
        m.update(frames, dropped, shed)
        clocks.tick(2.0, 0.9)
        frames, dropped, shed = frames + 60, dropped + 2 * dropped_per_s, shed + 2 * shed_per_s
    load = m.update(frames, dropped, shed)
    assert load.overloaded is overloaded, f"{case}: {load}"
    assert load.drop_ratio == pytest.approx(dropped_per_s / 30, abs=1e-3), case
    assert load.cpu_cores == pytest.approx(0.9), case


def test_the_warning_names_the_camera_and_figures_and_the_recovery_is_said(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clocks, frames, dropped = Clocks(), 0, 0
    m = monitor(clocks)
    caplog.set_level(logging.INFO, "edge.delivery.load")
    for step in range(120):  # one minute overloaded, then three at ease
        m.update(frames, dropped, 0)
        clocks.tick(2.0, 1.0)
        frames += 60
        dropped += 12 if step < 30 else 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "MT-07 cannot keep up" in warnings[0] and "frames dropped" in warnings[0]
    assert "1.00 cores" in warnings[0], warnings[0]
    assert any("keeps up again" in r.getMessage() for r in caplog.records)
    assert not m.current.overloaded


def test_too_few_frames_say_nothing() -> None:
    clocks = Clocks()
    m = monitor(clocks)
    m.update(0, 0, 0)
    clocks.tick(2.0, 1.0)
    assert not m.update(10, 10, 0).overloaded, "ten frames are no measure of a load"


def test_a_camera_hovering_at_the_threshold_is_warned_about_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clocks, frames, dropped = Clocks(), 0, 0
    m = monitor(clocks)
    caplog.set_level(logging.INFO, "edge.delivery.load")
    for step in range(150):  # five minutes of 30 fps dropping 4 % or 6 % of its frames
        m.update(frames, dropped, 0)
        clocks.tick(2.0, 1.0)
        frames += 60
        dropped += 4 if (step // 10) % 2 else 2  # 6.7 % and 3.3 %: above and below 5 %
    said = [r.getMessage() for r in caplog.records]
    assert sum("cannot keep up" in x for x in said) == 1, said
    assert not any("keeps up again" in x for x in said), said
