"""A camera on a fixed-time plan: a live stream finds its place in the cycle from the wall clock
against `schedule.epoch`; a replay keeps `offset_s`. Through the real assembly of the pipeline
(the motion detector: no model is needed to read the signal)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from common.config.camera import CameraConfig
from edge.perception.models import ModelRegistry
from edge.perception.signal_heads import LampState
from edge.pipeline.assembly import build_pipeline
from edge.pipeline.source import Frame

EPOCH = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)  # a cycle starts here (position 0)
# 90 s cycle: green, then amber from 45 s, red from 48 s to the end of the cycle.
PLAN = {"cycle_s": 90, "red_start_s": 48, "red_s": 42, "amber_s": 3, "offset_s": 0}


def camera(source: str, epoch: datetime | None = EPOCH) -> CameraConfig:
    return CameraConfig.model_validate(
        {
            "id": "MT-46",
            "name": "Lê Văn Phẩm, gantry",
            "location": {"lat": 10.35, "lon": 106.37},
            "box": "EB-12",
            "source": source,
            "stop_line": [[20, 300], [620, 300]],
            "direction": [0, -1],
            "signal": {"source": "schedule", "schedule": {**PLAN, "epoch": epoch}},
            "detector": {"kind": "motion"},
        }
    )


def status_at(cam: CameraConfig, start: datetime, live: bool, t: float) -> tuple[LampState, float]:
    pipeline = build_pipeline(cam, ModelRegistry(), 10.0, start, None, live=live, read_plates=False)
    pipeline.process(Frame(0, t, np.zeros((480, 640, 3), np.uint8)))
    status = pipeline.last_status
    assert status is not None and status.source == "schedule"
    return status.state, status.red_since if status.red_since is not None else float("nan")


# The stream starts 10 cycles and 50 s after the epoch: 2 s into red.
MID_RED = EPOCH + timedelta(seconds=10 * 90 + 50)


@pytest.mark.parametrize(
    ("t", "state", "red_since"),
    [
        (0.0, LampState.RED, -2.0),  # red began 2 s before the stream did
        (30.0, LampState.RED, -2.0),  # still the same red, 32 s in
        (41.0, LampState.GREEN, None),  # the cycle turned over at t=40
        (86.0, LampState.AMBER, None),  # amber from cycle position 45, at t=85
        (88.5, LampState.RED, 88.0),  # the next red, dated from its own start
    ],
)
def test_a_live_stream_that_starts_mid_red_reads_the_plan_from_the_epoch(
    t: float, state: LampState, red_since: float | None
) -> None:
    got, since = status_at(camera("rtsp://10.20.12.46/live"), MID_RED, live=True, t=t)
    assert got == state, f"t={t}: {got}, the plan says {state}"
    if red_since is not None:
        assert since == pytest.approx(red_since), f"t={t}: red since {since}, not {red_since}"


def test_a_replay_keeps_offset_s_whatever_the_clock() -> None:
    # offset_s 0: the recording's first frame is cycle position 0, which is green.
    state, _ = status_at(camera("/data/mt46.mp4"), MID_RED, live=False, t=0.0)
    assert state == LampState.GREEN


def test_a_live_camera_without_an_epoch_is_refused() -> None:
    with pytest.raises(ValueError, match=r"needs schedule\.epoch"):
        status_at(camera("/data/mt46.mp4", epoch=None), MID_RED, live=True, t=0.0)
    with pytest.raises(ValueError, match=r"signal\.schedule\.epoch: a live camera"):
        camera("rtsp://10.20.12.46/live", epoch=None)
