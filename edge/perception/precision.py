"""The vehicle detector's arithmetic on this CPU, decided once when the detector is built.

The detector runs on every detection of every camera, so its precision is most of a box's
cost; the plate models run a few times per violation and stay in float (bfloat16 where the
CPU computes it, else float32: `onnx_session.precision_of`). "auto" takes the committed int8
model (`scripts/quantise_models.py`) on every CPU: it keeps the float32 detections on the
public videos (README, figures of issue 15) at a little over half the float32 cost on AVX2,
and, being integer arithmetic, computes the same on an AVX2 box as on one with AVX-512.
"""

from __future__ import annotations

from common.config.sections import Engine, Precision
from edge.perception.onnx_session import precision_of
from edge.perception.openvino_session import forced_precision

MODEL_FOR = {"int8": "vehicles_int8"}  # precision -> the model manifest's entry; else "vehicles"


def detector_precision(requested: Precision | str, engine: Engine | str) -> str:
    """int8, bf16 or f32: what the detector configured with `requested` runs in here.
    DENDO_PRECISION=f32 turns everything to float32 (the reference figures); bf16 asked for
    where it cannot run is float32, and is reported so."""
    if forced_precision() == "f32":
        return "f32"
    if requested in (Precision.AUTO, Precision.INT8):
        return "int8"
    if requested == Precision.BF16:
        return precision_of(engine)
    return "f32"


def vehicle_model(precision: str) -> str:
    """The model manifest's entry for the detector in `precision`."""
    return MODEL_FOR.get(precision, "vehicles")
