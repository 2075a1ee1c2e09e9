"""Letterbox and NMS geometry shared by the vehicle and plate detectors."""

from __future__ import annotations

import numpy as np
import pytest

from edge.perception.yolo import decode, letterbox, nms, to_input


@pytest.mark.parametrize("shape", [(720, 1620), (480, 640), (352, 640), (640, 360), (100, 100)])
def test_letterbox_maps_boxes_back_to_frame_pixels(shape: tuple[int, int]) -> None:
    h, w = shape
    frame = np.zeros((h, w, 3), np.uint8)
    frame[h // 4 : h // 2, w // 3 : w // 2] = 255  # a white block at a known place
    blob, lb = letterbox(frame)
    assert blob.shape == (1, 3, 640, 640)
    ys, xs = np.nonzero(blob[0, 0] > 0.9)
    model_box = np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], np.float32)
    back = lb.to_frame(model_box)[0]
    expected = np.array([w // 3, h // 4, w // 2, h // 2], np.float32)
    assert np.abs(back - expected).max() <= 2.0, f"{shape}: block mapped to {back}, not {expected}"


def test_letterbox_pads_with_grey_and_keeps_aspect() -> None:
    blob, lb = letterbox(np.zeros((320, 640, 3), np.uint8))
    assert lb.scale == pytest.approx(1.0)
    assert lb.pad_y == pytest.approx(160) and lb.pad_x == 0
    assert blob[0, 0, 0, 0] == pytest.approx(114 / 255), "padding must be YOLO's grey 114"
    assert blob[0, 0, 320, 320] == 0.0, "image area must keep the image"


def test_the_model_input_is_rgb_in_nchw_scaled_to_one() -> None:
    """The plane-by-plane input equals the plain cast, channel swap and divide, bit for bit."""
    canvas = np.random.default_rng(5).integers(0, 256, (288, 640, 3), dtype=np.uint8)
    plain = canvas[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255.0
    got = to_input(canvas)
    assert got.flags.c_contiguous and got.dtype == np.float32 and got.shape == (1, 3, 288, 640)
    assert np.array_equal(got, plain), "the fast input differs from the plain computation"


def test_nms_keeps_best_of_overlapping_same_class_only() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10], [50, 50, 60, 60]], np.float32)
    scores = np.array([0.9, 0.8, 0.7, 0.6], np.float32)
    classes = np.array([2, 2, 3, 2])
    keep = nms(boxes, scores, classes, 0.45)
    assert keep.tolist() == [0, 2, 3], "the overlapping car box must go; the motorbike stays"


def test_decode_converts_centre_boxes_and_filters_classes() -> None:
    out = np.zeros((1, 84, 3), np.float32)
    out[0, :4, 0] = [100, 50, 20, 10]  # cx, cy, w, h
    out[0, 4 + 2, 0] = 0.8  # car
    out[0, :4, 1] = [10, 10, 4, 4]
    out[0, 4 + 0, 1] = 0.95  # person: filtered out
    out[0, 4 + 3, 2] = 0.1  # below threshold
    boxes, scores, classes = decode(out, 0.25, np.array([1, 2, 3, 5, 7, 9]))
    assert boxes.tolist() == [[90, 45, 110, 55]]
    assert classes.tolist() == [2] and scores.tolist() == pytest.approx([0.8])
