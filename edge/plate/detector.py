"""Licence-plate detection with the YOLOv8n plate model (one class), on a crop or a frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.detect import Detection, Roi, crop_roi
from edge.onnx_session import open_session
from edge.yolo import clip_boxes, decode, letterbox, nms


class PlateDetector:
    """Finds plates; boxes come back in the pixels of the image given (offset by `roi`)."""

    def __init__(
        self, model_path: Path, conf: float = 0.25, iou: float = 0.45, threads: int = 1
    ) -> None:
        self.session = open_session(model_path, threads)
        self.input_name = self.session.get_inputs()[0].name
        self.conf, self.iou = conf, iou

    def detect(self, image_bgr: np.ndarray, roi: Roi | None = None) -> list[Detection]:
        image, ox, oy = crop_roi(image_bgr, roi)
        blob, lb = letterbox(image)
        (output,) = self.session.run(None, {self.input_name: blob})
        boxes, scores, classes = decode(output, self.conf)
        keep = nms(boxes, scores, classes, self.iou)
        h, w = image.shape[:2]
        boxes = clip_boxes(lb.to_frame(boxes[keep]), w, h) + np.array([ox, oy, ox, oy])
        return [
            Detection(tuple(float(v) for v in b), float(s), "plate")
            for b, s in zip(boxes, scores[keep], strict=True)
        ]
