"""PP-OCRv6's own text detector (DB), used only for the raw-OCR baseline the reader must beat.

The baseline reads a plate the generic way: find text regions with the detector, recognise
each over the full dictionary, join them top to bottom. The reader proper skips the detector
(a plate's layout is known) and restricts the alphabet.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edge.perception.onnx_session import open_session
from edge.perception.plate.recognizer import PaddleLineRecognizer

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


class TextRegionDetector:
    """DB text detector: probability map -> boxes of text (x1, y1, x2, y2), top to bottom."""

    def __init__(
        self,
        model_path: Path,
        threads: int = 1,
        threshold: float = 0.3,
        box_threshold: float = 0.6,
        unclip_ratio: float = 1.5,
        max_side: int = 960,
    ) -> None:
        self.session = open_session(model_path, threads)
        self.input_name = self.session.get_inputs()[0].name
        self.threshold, self.box_threshold = threshold, box_threshold
        self.unclip_ratio, self.max_side = unclip_ratio, max_side

    def detect(self, image_bgr: np.ndarray) -> list[tuple[int, int, int, int]]:
        h, w = image_bgr.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        rh, rw = max(32, round(h * scale / 32) * 32), max(32, round(w * scale / 32) * 32)
        resized = cv2.resize(image_bgr, (rw, rh)).astype(np.float32) / 255.0
        blob = ((resized - MEAN) / STD).transpose(2, 0, 1)[None]
        (prob,) = self.session.run(None, {self.input_name: np.ascontiguousarray(blob)})
        prob = prob[0, 0]
        mask = (prob > self.threshold).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        boxes = []
        for c in contours:
            x, y, bw, bh = cv2.boundingRect(c)
            if (
                min(bw, bh) < 3
                or prob[y : y + bh, x : x + bw][mask[y : y + bh, x : x + bw] > 0].mean()
                < self.box_threshold
            ):
                continue
            area, perimeter = cv2.contourArea(c), cv2.arcLength(c, True)
            d = area * self.unclip_ratio / max(perimeter, 1e-6)
            x1, y1 = (x - d) * w / rw, (y - d) * h / rh
            x2, y2 = (x + bw + d) * w / rw, (y + bh + d) * h / rh
            boxes.append((max(0, int(x1)), max(0, int(y1)), min(w, int(x2)), min(h, int(y2))))
        return sorted(boxes, key=lambda b: (b[1] + b[3]) / 2)


def raw_ocr(image_bgr: np.ndarray, det: TextRegionDetector, rec: PaddleLineRecognizer) -> str:
    """The generic reading: every detected region recognised, joined top to bottom."""
    regions = [image_bgr[y1:y2, x1:x2] for x1, y1, x2, y2 in det.detect(image_bgr)]
    regions = [r for r in regions if r.size]
    return " ".join(t.text for t in rec.recognize(regions)) if regions else ""
