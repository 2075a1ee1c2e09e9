"""YOLOv8 geometry shared by the vehicle and plate detectors: letterbox, decode, NMS.

Both models take an RGB input of a fixed size (640x640 as exported; the vehicle model is
refitted to the frame's aspect by `edge.perception.yolo_shape`) and emit raw anchors (no NMS in the
graph), so the pre- and post-processing live here once, and boxes come back in frame pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge.perception.geometry import iou_matrix
from edge.perception.onnx_session import ModelSession

PAD_VALUE = 114  # grey used by the YOLOv8 training pipeline for letterbox padding


@dataclass(frozen=True)
class Letterbox:
    """How a frame was scaled and padded into the model's square input."""

    scale: float
    pad_x: float
    pad_y: float

    def to_frame(self, boxes: np.ndarray) -> np.ndarray:
        """Map x1,y1,x2,y2 boxes from model input pixels back to frame pixels."""
        out = boxes.astype(np.float32).copy()
        out[:, [0, 2]] = (out[:, [0, 2]] - self.pad_x) / self.scale
        out[:, [1, 3]] = (out[:, [1, 3]] - self.pad_y) / self.scale
        return out


def letterbox(
    image_bgr: np.ndarray, size: int | tuple[int, int] = 640
) -> tuple[np.ndarray, Letterbox]:
    """Resize keeping aspect ratio, pad to `size` (square, or (height, width)); return the
    NCHW float input and the map back to the frame."""
    out_h, out_w = (size, size) if isinstance(size, int) else size
    h, w = image_bgr.shape[:2]
    scale = min(out_h / h, out_w / w)
    new_w, new_h = round(w * scale), round(h * scale)
    pad_x, pad_y = (out_w - new_w) / 2, (out_h - new_h) / 2
    resized = cv2.resize(image_bgr, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    left, top = round(pad_x - 0.1), round(pad_y - 0.1)
    canvas = np.full((out_h, out_w, 3), PAD_VALUE, dtype=np.uint8)
    canvas[top : top + new_h, left : left + new_w] = resized
    return to_input(canvas), Letterbox(scale, float(left), float(top))


def to_input(canvas_bgr: np.ndarray) -> np.ndarray:
    """BGR pixels as the model's 1x3xHxW RGB input in [0, 1], written plane by plane into
    one array: the same values as a cast, a divide and a copy, in a quarter of the time."""
    h, w = canvas_bgr.shape[:2]
    blob = np.empty((1, 3, h, w), np.float32)
    for i, plane in enumerate(reversed(cv2.split(canvas_bgr))):  # R, G, B
        np.divide(plane, np.float32(255.0), out=blob[0, i], dtype=np.float32)
    return blob


def decode(
    output: np.ndarray, conf: float, class_ids: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw 1x(4+C)xN output -> (boxes x1y1x2y2, scores, classes) above `conf`, before NMS."""
    pred = output[0].T  # N x (4+C)
    scores_all = pred[:, 4:]
    if class_ids is not None:
        scores_all = scores_all[:, class_ids]
    cls_idx = scores_all.argmax(axis=1)
    scores = scores_all[np.arange(len(pred)), cls_idx]
    keep = scores >= conf
    pred, scores, cls_idx = pred[keep], scores[keep], cls_idx[keep]
    classes = class_ids[cls_idx] if class_ids is not None else cls_idx
    cx, cy, w, h = pred[:, 0], pred[:, 1], pred[:, 2], pred[:, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    return boxes, scores.astype(np.float32), classes.astype(np.int64)


def nms(
    boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou_threshold: float = 0.45
) -> np.ndarray:
    """Greedy per-class non-maximum suppression; returns kept indices, best score first.

    Each class's IoU matrix is computed once (a dense queue leaves hundreds of candidates
    above the tracker's low threshold; one IoU call per kept box cost a millisecond a frame)."""
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    for c in np.unique(classes):
        mine = order[classes[order] == c]  # this class, best first
        over = iou_matrix(boxes[mine], boxes[mine]) > iou_threshold
        suppressed = np.zeros(len(mine), dtype=bool)
        for k in range(len(mine)):
            if not suppressed[k]:
                keep.append(int(mine[k]))
                suppressed |= over[k]
    kept = np.array(keep, dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return kept[np.argsort(rank[kept])]


def clip_boxes(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    out = boxes.copy()
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, width)
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, height)
    return out


def detect_boxes(
    session: ModelSession,
    image_bgr: np.ndarray,
    conf: float,
    iou_threshold: float,
    class_ids: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One YOLOv8 pass: boxes (x1y1x2y2, image pixels, clipped), scores and classes after NMS."""
    model_input = session.get_inputs()[0]
    _, _, in_h, in_w = model_input.shape
    assert in_h is not None and in_w is not None, model_input.shape  # a fixed-size input
    blob, lb = letterbox(image_bgr, (int(in_h), int(in_w)))
    name = model_input.name
    (output,) = session.run(None, {name: blob})
    boxes, scores, classes = decode(output, conf, class_ids)
    keep = nms(boxes, scores, classes, iou_threshold)
    h, w = image_bgr.shape[:2]
    return clip_boxes(lb.to_frame(boxes[keep]), w, h), scores[keep], classes[keep]
