"""Frames of the public videos around each listed violation's crossing, for the tests that
compare a quantised model with its float32 original where the rule judges (none of these
frames is among the quantiser's evenly spaced calibration frames)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

from common.config.city import CityConfig
from edge.perception.vehicles import Roi
from scripts.eval_videos import camera_config


def frames_near_crossings(
    media: Path, offsets: Iterable[int]
) -> Iterator[tuple[str, np.ndarray, Roi | None]]:
    """("video@frame", the frame, its camera's detection band) for each listed violation's
    crossing frame plus each offset."""
    steps = tuple(offsets)
    for truth_path in sorted(media.glob("*.json")):
        video = truth_path.with_suffix(".mp4")
        truth = json.loads(truth_path.read_text())
        camera = CityConfig.model_validate(camera_config(truth, video)).camera("EV-01")
        capture = cv2.VideoCapture(str(video))
        for v in truth["violations"]:
            for index in (v["cross_frame"] + k for k in steps):
                capture.set(cv2.CAP_PROP_POS_FRAMES, max(0, index))
                ok, frame = capture.read()
                assert ok, f"cannot read frame {index} of {video.name}"
                rect = camera.detection_rect(frame.shape[1], frame.shape[0])
                yield f"{video.stem}@{index}", frame, rect
        capture.release()
