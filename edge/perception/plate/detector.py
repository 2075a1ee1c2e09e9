"""Licence-plate detection with the YOLOv8n plate model (one class), on a crop or a frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.perception.geometry import as_box
from edge.perception.onnx_session import open_model
from edge.perception.vehicles import Detection, Roi, crop_roi
from edge.perception.yolo import detect_boxes


class PlateDetector:
    """Finds plates; boxes come back in the pixels of the image given (offset by `roi`)."""

    def __init__(
        self,
        model_path: Path,
        conf: float = 0.25,
        iou: float = 0.45,
        threads: int = 1,
        engine: str = "openvino",
        precision: str = "auto",
    ) -> None:
        """`precision` is OpenVINO's: int8 for the quantised model, else auto (bfloat16
        where the CPU has it)."""
        self.session = open_model(model_path, threads, engine, precision)
        self.precision = precision
        self.conf, self.iou = conf, iou

    def detect(self, image_bgr: np.ndarray, roi: Roi | None = None) -> list[Detection]:
        image, ox, oy = crop_roi(image_bgr, roi)
        boxes, scores, _ = detect_boxes(self.session, image, self.conf, self.iou)
        boxes = boxes + np.array([ox, oy, ox, oy])
        return [Detection(as_box(b), float(s), "plate") for b, s in zip(boxes, scores, strict=True)]
