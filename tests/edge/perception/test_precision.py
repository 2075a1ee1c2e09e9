"""The detector's precision: what each setting runs in on this CPU, and that the int8 model
keeps the float32 detections where the rule judges (the band around the stop line, at the
moments the public violations cross it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from common.config.sections import Precision
from edge.perception.geometry import iou_matrix
from edge.perception.models import ModelRegistry
from edge.perception.onnx_session import precision_of
from edge.perception.precision import detector_precision, vehicle_model
from edge.perception.vehicles import Detection, VehicleDetector
from tests.edge.perception.crossings import frames_near_crossings

BF16_HERE = precision_of("openvino")  # bf16 on a CPU with AVX-512 BF16 or AMX, else f32


@pytest.mark.parametrize(
    ("requested", "engine", "env", "expected"),
    [
        (Precision.AUTO, "openvino", "", "bf16" if BF16_HERE == "bf16" else "int8"),
        (Precision.AUTO, "openvino", "no-bf16", "int8"),
        (Precision.AUTO, "onnxruntime", "", "int8"),
        (Precision.INT8, "openvino", "no-bf16", "int8"),
        (Precision.AUTO, "openvino", "f32", "f32"),
        (Precision.INT8, "onnxruntime", "f32", "f32"),
        (Precision.BF16, "onnxruntime", "", "f32"),
        (Precision.BF16, "openvino", "", BF16_HERE),
        (Precision.BF16, "openvino", "no-bf16", "f32"),
        (Precision.F32, "openvino", "", "f32"),
    ],
)
def test_each_setting_runs_in_the_precision_it_says(
    monkeypatch: pytest.MonkeyPatch, requested: Precision, engine: str, env: str, expected: str
) -> None:
    monkeypatch.setenv("DENDO_PRECISION", env)
    got = detector_precision(requested, engine)
    assert got == expected, f"{requested} on {engine} with DENDO_PRECISION={env!r}: {got}"
    assert vehicle_model(got) == ("vehicles_int8" if expected == "int8" else "vehicles")


def test_a_misspelt_precision_override_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DENDO_PRECISION", "fp32")
    with pytest.raises(ValueError, match="DENDO_PRECISION='fp32': use no-bf16 or f32"):
        detector_precision(Precision.AUTO, "openvino")


def test_the_int8_model_is_the_pinned_one(registry: ModelRegistry) -> None:
    path = registry.path("vehicles_int8")
    assert path.name == "yolov8n_int8.onnx" and path.stat().st_size < 5_000_000, path


def _frames_near_the_line(media: Path) -> list[tuple[str, np.ndarray]]:
    """The detection band of frames just before, at and after each public violation's
    crossing."""
    out = []
    for what, frame, rect in frames_near_crossings(media, (-14, -7, 0, 5, 10)):
        x, y, w, h = rect if rect else (0, 0, frame.shape[1], frame.shape[0])
        out.append((what, frame[y : y + h, x : x + w]))
    return out


def test_int8_keeps_the_float32_detections_near_the_stop_line(
    media_dir: Path, registry: ModelRegistry
) -> None:
    reference = VehicleDetector(registry.path("vehicles"), engine="onnxruntime", conf=0.25)
    int8 = VehicleDetector(
        registry.path("vehicles_int8"), engine="openvino", precision="int8", conf=0.1
    )
    total, missed, deltas = 0, [], []
    for what, image in _frames_near_the_line(media_dir):
        ref, got = reference.detect(image), int8.detect(image)
        for a in ref:
            total += 1
            same = [b for b in got if b.label == a.label]
            best = _best(a, same)
            if best is None:
                missed.append(f"{what}: {a.label} {a.score:.2f} {np.round(a.box)}")
            else:
                deltas.append(abs(best.score - a.score))
    assert total >= 200, f"only {total} float32 boxes near the lines: the sample is too small"
    kept = 1 - len(missed) / total
    assert kept >= 0.97, f"int8 lost {len(missed)} of {total} float32 boxes:\n" + "\n".join(missed)
    assert float(np.mean(deltas)) < 0.05, f"mean score change {np.mean(deltas):.3f}"


def _best(a: Detection, candidates: list[Detection]) -> Detection | None:
    """The candidate overlapping `a` most, if at IoU 0.7 or more."""
    if not candidates:
        return None
    overlap = iou_matrix(np.array([a.box]), np.array([b.box for b in candidates]))[0]
    i = int(np.argmax(overlap))
    return candidates[i] if overlap[i] >= 0.7 else None
