"""The YOLO detectors with the real ONNX models."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.perception.geometry import iou_matrix
from edge.perception.models import ModelRegistry
from edge.perception.plate.detector import PlateDetector
from edge.perception.plate.render import paste, render_plate
from edge.perception.vehicles import VehicleDetector
from tests.media import read_frame


@pytest.mark.parametrize("name", ["vn_a", "us_lake_cheyenne", "th_bangkok"])
def test_vehicle_detector_finds_each_listed_violator_at_its_crossing(
    media_dir: Path, registry: ModelRegistry, name: str
) -> None:
    truth = json.loads((media_dir / f"{name}.json").read_text())
    detector = VehicleDetector(registry.path("vehicles"), threads=2)
    for v in truth["violations"]:
        frame = read_frame(media_dir / f"{name}.mp4", v["cross_frame"])
        dets = detector.detect(frame)
        best = max(
            (
                iou_matrix(np.array([v["bbox_at_cross"]], float), np.array([d.box]))[0, 0]
                for d in dets
            ),
            default=0,
        )
        assert best >= 0.5, (
            f"{name} frame {v['cross_frame']}: no box overlaps {v['bbox_at_cross']} "
            f"(best IoU {best:.2f})"
        )
        assert all(
            d.label in {"car", "motorcycle", "bus", "truck", "bicycle", "traffic light"}
            for d in dets
        )


def test_vehicle_detector_roi_returns_frame_coordinates(
    media_dir: Path, registry: ModelRegistry
) -> None:
    frame = read_frame(media_dir / "vn_a.mp4", 57)
    detector = VehicleDetector(registry.path("vehicles"), labels=["motorcycle"])
    roi = (700, 250, 400, 250)
    dets = detector.detect(frame, roi=roi)
    target = np.array([880, 300, 945, 390], float)
    assert any(iou_matrix(target[None], np.array([d.box]))[0, 0] > 0.5 for d in dets), dets
    for d in dets:
        assert roi[0] <= d.box[0] and d.box[2] <= roi[0] + roi[2], f"{d.box} outside ROI {roi}"


def test_plate_detector_finds_rendered_plates_in_a_scene(registry: ModelRegistry) -> None:
    scene = np.full((480, 640, 3), 90, np.uint8)
    cv2.rectangle(scene, (100, 150), (330, 400), (40, 40, 140), -1)
    paste(scene, render_plate(["51G-123.45"], 40), 130, 300)
    cv2.rectangle(scene, (420, 200), (520, 460), (30, 30, 30), -1)
    paste(scene, render_plate(["59-D2", "064.28"], 60), 430, 330)
    dets = PlateDetector(registry.path("plates")).detect(scene)
    for truth in ([130, 300, 130 + 172, 340], [430, 330, 430 + 81, 390]):
        best = max(
            (iou_matrix(np.array([truth], float), np.array([d.box]))[0, 0] for d in dets), default=0
        )
        assert best > 0.5, f"rendered plate at {truth} not found (best IoU {best:.2f}); got {dets}"
