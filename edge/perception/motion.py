"""A motion detector behind the same interface as the YOLO model, for rendered scenes.

The COCO detector does not see drawn vehicles, so the synthetic demo camera uses background
subtraction: moving blobs become boxes, labelled by size (wide blobs are cars). It is meant
for the demo scene, a fixed camera and clean frames; real cameras use the YOLO model.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.perception.vehicles import Detection, Roi, crop_roi


class MotionDetector:
    """MOG2 background subtraction; boxes of moving blobs in frame pixels."""

    def __init__(
        self,
        min_area: int = 600,
        car_min_width: int = 110,
        history: int = 200,
        var_threshold: float = 32.0,
        learning_rate: float = 0.0005,
    ) -> None:
        """learning_rate: MOG2's per-call background update (-1: OpenCV's automatic rate).
        The default is small and fixed: the automatic rate is fast in the first calls and a
        uniform vehicle that stops (or moves slowly) soon melts into the background, its blob
        shrinking piecewise so its anchor jumps. A fixed camera with a constant background
        does not need fast adaptation; the very first frame still seeds the background."""
        self.subtractor = cv2.createBackgroundSubtractorMOG2(history, var_threshold, False)
        self.min_area = min_area
        self.car_min_width = car_min_width
        self.learning_rate = learning_rate
        self.kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))

    def detect(self, frame_bgr: np.ndarray, roi: Roi | None = None) -> list[Detection]:
        image, ox, oy = crop_roi(frame_bgr, roi)
        mask = self.subtractor.apply(image, learningRate=self.learning_rate)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self.kernel)
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, self.kernel, iterations=2)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        out = []
        for c in contours:
            x, y, w, h = cv2.boundingRect(c)
            if w * h < self.min_area:
                continue
            label = "car" if w >= self.car_min_width else "motorcycle"
            box = (float(x + ox), float(y + oy), float(x + w + ox), float(y + h + oy))
            out.append(Detection(box, 0.9, label))
        return sorted(out, key=lambda d: (d.box[1], d.box[0]))
