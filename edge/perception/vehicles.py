"""Vehicle (and traffic-light) detection with the COCO YOLOv8n ONNX model.

The detector returns boxes in original-frame pixels; an optional region of interest limits
detection to the approach the camera enforces (and spends the model input on it). The model
input follows the picture's aspect (640x384 for a 16:9 frame, see `edge.perception.yolo_shape`): no
pixels are spent on letterbox padding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from common.config.sections import DetectorConfig, Engine
from edge.perception.derived_models import derived_model
from edge.perception.geometry import Box, Point, anchor, as_box, iou_matrix
from edge.perception.models import ModelRegistry
from edge.perception.onnx_session import ModelSession, open_model
from edge.perception.precision import detector_precision, vehicle_model
from edge.perception.yolo import detect_boxes
from edge.perception.yolo_shape import fit_input, input_size_for

# COCO class index -> the label the pipeline uses.
COCO_LABELS: dict[int, str] = {
    0: "person",  # evidence for the two-wheeler a person rides (edge.perception.riders)
    1: "bicycle",
    2: "car",
    3: "motorcycle",
    5: "bus",
    7: "truck",
    9: "traffic light",
}
VEHICLE_LABELS: tuple[str, ...] = ("car", "motorcycle", "bus", "truck", "bicycle")

Roi = tuple[int, int, int, int]  # x, y, w, h in frame pixels


@dataclass(frozen=True)
class Detection:
    """One detected object: x1,y1,x2,y2 in frame pixels, a score in [0,1] and a label; a
    two-wheeler seen with its rider carries the rider's box too (edge.perception.riders)."""

    box: Box
    score: float
    label: str
    rider: Box | None = None

    @property
    def anchor(self) -> Point:
        return anchor(self.box)


class Detector(Protocol):
    """What the pipeline needs of any detector (the YOLO model, or a motion detector)."""

    def detect(self, frame_bgr: np.ndarray, roi: Roi | None = None) -> list[Detection]: ...


def crop_roi(frame: np.ndarray, roi: Roi | None) -> tuple[np.ndarray, int, int]:
    """The part of `frame` inside `roi` (clipped to the frame) and its top-left offset."""
    if roi is None:
        return frame, 0, 0
    x, y, w, h = roi
    fh, fw = frame.shape[:2]
    x0, y0 = max(0, int(x)), max(0, int(y))
    x1, y1 = min(fw, int(x + w)), min(fh, int(y + h))
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"region of interest {roi} lies outside the {fw}x{fh} frame")
    return frame[y0:y1, x0:x1], x0, y0


class VehicleDetector:
    """YOLOv8n COCO detector filtered to road users and traffic lights."""

    def __init__(
        self,
        model_path: Path,
        conf: float = 0.25,
        iou: float = 0.45,
        threads: int = 1,
        labels: Sequence[str] = (*VEHICLE_LABELS, "traffic light"),
        square: bool = False,
        engine: Engine | str = Engine.OPENVINO,
        precision: str = "auto",
    ) -> None:
        """`square=True` keeps the exported 640x640 input (the reference the fitted input is
        checked against); otherwise the input follows each picture's aspect ratio. `engine`
        runs the model: onnxruntime or openvino; `precision` is OpenVINO's (int8 for the
        quantised model, else auto: bfloat16 where the CPU has it)."""
        unknown = set(labels) - set(COCO_LABELS.values())
        if unknown:
            raise ValueError(f"unknown detector labels: {sorted(unknown)}")
        self.model_path, self.threads, self.engine = Path(model_path), threads, engine
        self.square, self.precision = square, precision
        self.sessions: dict[tuple[int, int], ModelSession] = {}
        self.conf, self.iou = conf, iou
        self.class_ids = np.array(
            [i for i, name in COCO_LABELS.items() if name in labels], dtype=np.int64
        )

    @classmethod
    def from_config(
        cls, config: DetectorConfig, registry: ModelRegistry, min_score: float
    ) -> VehicleDetector:
        """The configured detector on the configured classes, in the model and precision
        this CPU runs (edge.perception.precision). `min_score` (the tracker's low threshold)
        lowers the confidence cut so the tracker's second stage sees the weak boxes of
        occluded vehicles."""
        riders = ["person"] if {"motorcycle", "bicycle"} & set(config.classes) else []
        precision = detector_precision(config.precision, config.engine)
        return cls(
            registry.path(vehicle_model(precision)),
            conf=min(config.conf, min_score),
            iou=config.iou,
            threads=config.threads,
            labels=[*config.classes, *riders],
            engine=config.engine,
            precision=precision,
        )

    def session_for(self, width: int, height: int) -> ModelSession:
        """The session whose input fits a `width`x`height` picture (cached)."""
        size = (640, 640) if self.square else input_size_for(width, height)
        if size not in self.sessions:
            if size == (640, 640):
                model: Path | bytes = self.model_path
            else:
                model = derived_model(self.model_path, f"fit-{size[0]}x{size[1]}", self._fit(*size))
            self.sessions[size] = open_model(model, self.threads, self.engine, self.precision)
        return self.sessions[size]

    def _fit(self, height: int, width: int) -> Callable[[], bytes]:
        def make() -> bytes:
            import onnx

            return fit_input(onnx.load(str(self.model_path)), height, width).SerializeToString()

        return make

    def detect(self, frame_bgr: np.ndarray, roi: Roi | None = None) -> list[Detection]:
        image, ox, oy = crop_roi(frame_bgr, roi)
        session = self.session_for(image.shape[1], image.shape[0])
        boxes, scores, classes = detect_boxes(session, image, self.conf, self.iou, self.class_ids)
        boxes = boxes + np.array([ox, oy, ox, oy])
        return [
            Detection(as_box(b), float(s), COCO_LABELS[int(c)])
            for b, s, c in zip(boxes, scores, classes, strict=True)
        ]


# One vehicle, one track: boxes of different vehicle classes overlapping this much are one
# vehicle boxed twice (a car also scored as a motorcycle); the best-scored box stays.
SAME_VEHICLE_IOU = 0.7


def one_box_per_vehicle(dets: Sequence[Detection]) -> list[Detection]:
    """Suppression across the vehicle classes (the detector's own NMS is per class)."""
    ranked = sorted(dets, key=lambda d: d.score, reverse=True)
    if len(ranked) < 2:
        return ranked
    boxes = np.array([d.box for d in ranked])
    iou = iou_matrix(boxes, boxes)  # once: a queue has dozens of boxes a frame
    kept: list[int] = []
    for k in range(len(ranked)):
        if not kept or iou[k, kept].max() <= SAME_VEHICLE_IOU:
            kept.append(k)
    return [ranked[k] for k in kept]
