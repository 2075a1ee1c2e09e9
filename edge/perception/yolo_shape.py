"""Fit the YOLOv8 ONNX graph to a rectangular input, as YOLO's own "rect" inference does.

The exported graph is fixed at 640x640, so a 16:9 frame is letterboxed with 44 % grey padding
that costs as much to convolve as the picture. The convolutions work on any size that is a
multiple of the largest stride (32); only the head holds constants tied to the 8400 anchors
of a 640x640 input: the anchor centres, the per-anchor strides, and the reshape sizes of the
box decoder. Rewriting those (and the declared input shape) gives the same network on a
640x384 input with 40 % less work and no change to the weights.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported where a graph is rewritten: half a CPU-second at start-up
    import onnx

STRIDES = (8, 16, 32)
SQUARE = 640


def input_size_for(frame_w: int, frame_h: int, long_side: int = SQUARE) -> tuple[int, int]:
    """(height, width) of the smallest stride-32 input holding the frame scaled to `long_side`."""
    scale = long_side / max(frame_w, frame_h)
    step = STRIDES[-1]
    h = math.ceil(frame_h * scale / step) * step
    w = math.ceil(frame_w * scale / step) * step
    return min(h, long_side), min(w, long_side)


def anchors(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Anchor centres (2, N) in grid units and their strides (N,), in the head's order."""
    points, strides = [], []
    for s in STRIDES:
        gy, gx = np.meshgrid(np.arange(height // s), np.arange(width // s), indexing="ij")
        points.append(np.stack([gx.ravel(), gy.ravel()]) + 0.5)
        strides.append(np.full(gx.size, s))
    return np.concatenate(points, axis=1).astype(np.float32), np.concatenate(strides).astype(
        np.float32
    )


def _tensors(model: onnx.ModelProto) -> list[onnx.TensorProto]:
    out = list(model.graph.initializer)
    for node in model.graph.node:
        if node.op_type == "Constant":
            out.extend(a.t for a in node.attribute if a.name == "value")
    return out


def fit_input(model: onnx.ModelProto, height: int, width: int) -> onnx.ModelProto:
    """A copy of a 640x640 YOLOv8 graph that takes a 1x3xHxW input (multiples of 32)."""
    import onnx
    from onnx import numpy_helper

    if height % STRIDES[-1] or width % STRIDES[-1]:
        raise ValueError(f"YOLO input {width}x{height} must be multiples of {STRIDES[-1]}")
    square_n = anchors(SQUARE, SQUARE)[1].size
    points, strides = anchors(height, width)
    n = strides.size
    fitted = onnx.ModelProto()
    fitted.CopyFrom(model)
    replaced = 0
    for tensor in _tensors(fitted):
        a = numpy_helper.to_array(tensor)
        if a.dtype.kind == "f" and a.shape == (1, 2, square_n):
            new = points[None]
        elif a.dtype.kind == "f" and a.shape == (1, square_n):
            new = strides[None]
        elif a.dtype.kind == "i" and a.ndim == 1 and square_n in a:
            new = np.where(a == square_n, n, a).astype(a.dtype)
        else:
            continue
        tensor.CopyFrom(numpy_helper.from_array(new.astype(a.dtype), tensor.name))
        replaced += 1
    if replaced < 4:
        raise ValueError(f"not a YOLOv8 head this code knows: {replaced} anchor constants found")
    dims = fitted.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_value, dims[3].dim_value = height, width
    for out in fitted.graph.output:
        out.type.tensor_type.shape.dim[2].dim_value = n
    del fitted.graph.value_info[:]
    return fitted
