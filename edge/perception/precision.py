"""The YOLO detectors' arithmetic on this CPU, decided once when each detector is built.

The vehicle detector runs on every detection of every camera, so its precision is most of a
box's cost; the plate detector runs 4 times per violation at 640x640, which on a CPU without
bfloat16 was a quarter of a busy camera's cost. Both follow the camera's `detector.precision`:
"auto" takes bfloat16 where OpenVINO and the CPU compute it (AVX-512 BF16 or AMX: as fast as
int8 there, closer to float32, and quicker to start), and elsewhere the committed int8 models
(`scripts/quantise_models.py`), which keep the float32 boxes (tests/edge/perception/
test_precision.py) at about half the float32 cost. The text recogniser stays in float
(bfloat16 where the CPU computes it, else float32: `onnx_session.precision_of`).
"""

from __future__ import annotations

from common.config.sections import Engine, Precision
from edge.perception.onnx_session import precision_of
from edge.perception.openvino_session import forced_precision

INT8_MODEL = {"vehicles": "vehicles_int8", "plates": "plates_int8"}  # the manifest's entries


def detector_precision(requested: Precision | str, engine: Engine | str) -> str:
    """int8, bf16 or f32: what a YOLO detector configured with `requested` runs in here
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
    """The model manifest's entry for the vehicle detector in `precision`."""
    return INT8_MODEL["vehicles"] if precision == "int8" else "vehicles"


def plate_model(precision: str) -> str:
    """The model manifest's entry for the plate detector in `precision`."""
    return INT8_MODEL["plates"] if precision == "int8" else "plates"
