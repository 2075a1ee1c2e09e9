"""The YOLOv8 graph refitted to a rectangular input: same anchors, same detections, less work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from edge.perception.geometry import iou_matrix
from edge.perception.models import ModelRegistry
from edge.perception.onnx_session import open_session
from edge.perception.vehicles import VehicleDetector
from edge.perception.yolo_shape import anchors, fit_input, input_size_for
from tests.media import read_frame


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ((1920, 1080), (384, 640)),  # 16:9 landscape
        ((1620, 720), (288, 640)),  # the wide vn_a frame
        ((720, 1280), (640, 384)),  # portrait
        ((640, 640), (640, 640)),
        ((300, 200), (448, 640)),  # small frames are scaled up like the square letterbox
    ],
)
def test_input_size_follows_the_frame_aspect(
    frame: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert input_size_for(*frame) == expected


def test_square_anchors_equal_the_exported_constants(registry: ModelRegistry) -> None:
    model = onnx.load(str(registry.path("vehicles")))
    points, strides = anchors(640, 640)
    seen = 0
    for init in model.graph.initializer:
        a = numpy_helper.to_array(init)
        if a.shape == (1, 2, 8400):
            np.testing.assert_array_equal(a[0], points, err_msg=f"{init.name} anchor centres")
            seen += 1
        elif a.shape == (1, 8400):
            np.testing.assert_array_equal(a[0], strides, err_msg=f"{init.name} strides")
            seen += 1
    assert seen == 3, f"expected 2 anchor tensors and 1 stride tensor in the head, saw {seen}"


def test_fitted_graph_runs_with_the_new_anchor_count(registry: ModelRegistry) -> None:
    fitted = fit_input(onnx.load(str(registry.path("vehicles"))), 384, 640)
    onnx.checker.check_model(fitted)
    session = open_session(fitted.SerializeToString())
    (out,) = session.run(None, {"images": np.zeros((1, 3, 384, 640), np.float32)})
    assert out.shape == (1, 84, 80 * 48 + 40 * 24 + 20 * 12)


def test_fit_input_refuses_sizes_off_the_stride(registry: ModelRegistry) -> None:
    with pytest.raises(ValueError, match="multiples of 32"):
        fit_input(onnx.load(str(registry.path("vehicles"))), 300, 640)


@pytest.mark.parametrize(("name", "index"), [("vn_a", 57), ("us_kx017", 150), ("vn_giangvo", 44)])
def test_fitted_input_finds_what_the_square_input_finds(
    media_dir: Path, registry: ModelRegistry, name: str, index: int
) -> None:
    frame = read_frame(media_dir / f"{name}.mp4", index)
    square = VehicleDetector(registry.path("vehicles"), square=True).detect(frame)
    fitted = VehicleDetector(registry.path("vehicles")).detect(frame)
    confident = [d for d in square if d.score >= 0.5]
    assert confident, f"{name}: the square model found nothing confident to compare"
    boxes = np.array([d.box for d in fitted])
    for d in confident:
        best = float(iou_matrix(np.array([d.box]), boxes).max()) if len(boxes) else 0.0
        assert best >= 0.75, f"{name}: {d.label} {d.box} ({d.score:.2f}) missed (IoU {best:.2f})"
