"""The vehicle detector's arithmetic on this CPU, decided once when the detector is built.

The detector runs on every detection of every camera, so its precision is most of a box's
cost; the plate models run a few times per violation and stay in float (bfloat16 where the
CPU computes it, else float32: `onnx_session.precision_of`). "auto" takes bfloat16 where
OpenVINO and the CPU compute it (AVX-512 BF16 or AMX: as fast as int8 there, closer to
float32, and quicker to start), and elsewhere the committed int8 model
(`scripts/quantise_models.py`), which keeps the float32 detections on the public videos
(README, figures of issue 15) at a little over half the float32 cost on AVX2.
"""

from __future__ import annotations

from common.config.sections import Engine, Precision
from edge.perception.onnx_session import precision_of
from edge.perception.openvino_session import forced_precision

MODEL_FOR = {"int8": "vehicles_int8"}  # precision -> the model manifest's entry; else "vehicles"


def detector_precision(requested: Precision | str, engine: Engine | str) -> str:
    """int8, bf16 or f32: what the detector configured with `requested` runs in here
    (auto: bf16 where it runs, else int8).
    DENDO_PRECISION=f32 turns everything to float32 (the reference figures); bf16 asked for
    where it cannot run is float32, and is reported so."""
    if forced_precision() == "f32":
        return "f32"
    if requested == Precision.AUTO:
        return "bf16" if precision_of(engine) == "bf16" else "int8"
    if requested == Precision.INT8:
        return "int8"
    if requested == Precision.BF16:
        return precision_of(engine)
    return "f32"


def vehicle_model(precision: str) -> str:
    """The model manifest's entry for the detector in `precision`."""
    return MODEL_FOR.get(precision, "vehicles")
