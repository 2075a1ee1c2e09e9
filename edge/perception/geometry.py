"""The one geometry vocabulary of the edge: a box, the point of it the rule follows, overlap.

A box is (x1, y1, x2, y2) in full-frame pixels. The anchor is the bottom centre of the box:
where the vehicle touches the road, the point whose passage over the painted stop line is a
crossing (the top of a box depends on the vehicle's height and the camera's tilt).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

Box = tuple[float, float, float, float]
Point = tuple[float, float]


def as_box(values: Iterable[float]) -> Box:
    """Four numbers (x1, y1, x2, y2: a row of a box array, say) as a box of floats."""
    x1, y1, x2, y2 = (float(v) for v in values)
    return x1, y1, x2, y2


def anchor(box: Box) -> Point:
    """Bottom centre of the box."""
    return ((box[0] + box[2]) / 2, box[3])


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in a (n x 4) with every box in b (m x 4), as an n x m array."""
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


def inside_share(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, 4) x (m, 4) -> (n, m): the share of each box of a's area that lies inside each box
    of b (a rider on a machine, a part of a vehicle boxed beside the whole)."""
    w = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    h = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    area = np.maximum((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]), 1e-9)
    return np.clip(w, 0, None) * np.clip(h, 0, None) / area[:, None]
