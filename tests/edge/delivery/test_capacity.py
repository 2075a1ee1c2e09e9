"""The start-up capacity estimate: the detector timed on this CPU, summed over the box."""

from __future__ import annotations

import logging

import pytest

from common.config.city import load_config
from edge.delivery.capacity import BoxLoad, CameraCost, Capacity, check_box, measure
from edge.perception.models import ModelRegistry
from tests.paths import SHIPPED_CAMERAS


@pytest.mark.parametrize(
    ("case", "cores", "detect_ms", "frame_ms", "over"),
    [
        ("4 cameras, 60 ms detections, 8 ms frames, 2 cores", 2, 60.0, 8.0, True),  # 4 x 0.5
        ("4 cameras, 20 ms detections, 2 ms frames, 2 cores", 2, 20.0, 2.0, False),  # 4 x 0.15
        ("4 cameras, 60 ms detections, 8 ms frames, 8 cores", 8, 60.0, 8.0, False),
    ],
)
def test_a_box_is_over_when_its_busy_cameras_need_more_than_its_cores(
    case: str, cores: int, detect_ms: float, frame_ms: float, over: bool
) -> None:
    cams = [CameraCost(f"MT-0{i}", detect_ms, 5.0, 2, frame_ms) for i in range(1, 5)]
    capacity = Capacity(cores, cams)
    assert capacity.over() is over, f"{case}: needs {capacity.needed:.2f}"
    start = f"box EB-01: 4 camera(s) need about {capacity.needed:.2f} of {cores} cores"
    assert capacity.summary("EB-01").startswith(start), capacity.summary("EB-01")


def test_the_detector_is_timed_on_this_cpu_and_the_verdict_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    city = load_config(SHIPPED_CAMERAS)
    cameras = city.cameras_on_box("EB-02")
    timed = measure(cameras[:1], ModelRegistry())
    (cost,) = timed.cameras
    assert 1.0 < cost.detect_ms < 2000.0, f"a detection took {cost.detect_ms} ms"
    assert 0.05 < cost.frame_ms < 200.0, f"a frame's own work took {cost.frame_ms} ms"
    caplog.set_level(logging.INFO, "edge.delivery.capacity")
    result = check_box("EB-02", cameras)
    assert len(result.cameras) == len(cameras)
    (said,) = [r for r in caplog.records if r.name == "edge.delivery.capacity"]
    assert "box EB-02: 4 camera(s) need about" in said.getMessage(), said.getMessage()
    assert said.levelno == (logging.WARNING if result.over() else logging.INFO)


@pytest.mark.parametrize(
    ("case", "cores_used", "overloaded", "level"),
    [
        ("keeps up", [0.3, 0.3], [False, False], logging.INFO),
        ("uses the whole box", [0.9, 0.9], [False, False], logging.WARNING),
        ("one camera behind", [0.3, 0.3], [False, True], logging.WARNING),
    ],
)
def test_after_the_first_minutes_the_daemon_says_what_the_workers_really_use(
    caplog: pytest.LogCaptureFixture, case: str, cores_used: list[float],
    overloaded: list[bool], level: int,
) -> None:  # fmt: skip
    now = [0.0]
    load = BoxLoad("EB-01", after_s=90, clock=lambda: now[0])
    caplog.set_level(logging.INFO, "edge.delivery.capacity")
    for step in range(60):
        now[0] = step * 2.0
        for i, (cores, behind) in enumerate(zip(cores_used, overloaded, strict=True)):
            load.update({"camera_id": f"MT-0{i + 1}", "cpu_cores": cores, "overloaded": behind})
    said = [r for r in caplog.records if r.name == "edge.delivery.capacity"]
    assert len(said) == 1, f"{case}: said {len(said)} times"
    assert said[0].levelno == level, f"{case}: {said[0].getMessage()}"
    total = sum(cores_used)
    assert f"use {total:.2f} of" in said[0].getMessage() and "MT-02" in said[0].getMessage()
