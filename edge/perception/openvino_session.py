"""An ONNX model run by OpenVINO, in bfloat16 where the CPU computes it.

The models are nearly all convolutions. onnxruntime runs them in float32; on a CPU with
AVX-512 BF16 (or AMX) OpenVINO runs the same ONNX file in bfloat16 in about half the time,
and the plate reads on the real crops are the same (README, perception figures). Where the CPU
lacks bfloat16 it runs float32, so the choice is safe on any edge box.

The adapter answers the two calls the pipeline makes of an onnxruntime session, `run` and
`get_inputs`, so the callers do not care which engine they hold.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# Where compiled models are kept between starts (OpenVINO's model cache): a worker that
# restarts loads them instead of compiling again. `dendo-edge run` points it into the box's
# state directory; unset, nothing is cached.
CACHE_ENV = "DENDO_MODEL_CACHE"


@dataclass(frozen=True)
class InputInfo:
    """An input's name and shape (None where a dimension is dynamic), as onnxruntime gives."""

    name: str
    shape: tuple[int | None, ...]


# "no-bf16": never bfloat16, what an ordinary (AVX2) edge box computes; "f32": float32
# everywhere, the int8 detector too (the reference). Unset: each model's own choice.
PRECISION_ENV = "DENDO_PRECISION"
NO_BF16 = ("no-bf16", "f32")


def forced_precision() -> str:
    """DENDO_PRECISION as given ("" when unset), checked: a typo must not pass unnoticed."""
    value = os.environ.get(PRECISION_ENV, "").lower()
    if value not in ("", *NO_BF16):
        raise ValueError(f"{PRECISION_ENV}={value!r}: use no-bf16 or f32, or leave it unset")
    return value


def chosen_precision(bf16: bool) -> str:
    """What "auto" picks for a float model: bfloat16 where the CPU has it, unless
    DENDO_PRECISION says no."""
    return "bf16" if bf16 and forced_precision() not in NO_BF16 else "f32"


def bf16_supported(core: Any = None) -> bool:
    """Whether this CPU computes bfloat16 natively (AVX-512 BF16 or AMX)."""
    return _cpu_capabilities() >= {"BF16"} if core is None else _has_bf16(core)


@functools.cache
def _cpu_capabilities() -> frozenset[str]:
    """The CPU's OpenVINO capabilities, asked once a process (a Core and a query cost about
    20 ms, and every model and the manifest ask)."""
    import openvino as ov

    return frozenset(ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES"))


def _has_bf16(core: Any) -> bool:
    return "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")


def compiled_cache_dir(cache: Path, precision_hint: str) -> str:
    """The folder of compiled models for one inference precision. OpenVINO's cache key
    leaves the precision hint out: a file compiled in float32 and then asked for in bfloat16
    imports the float32 blob, and the text recogniser then gives NaN (no plate read at all).
    One folder per precision keeps a box whose precision changes (its config, DENDO_PRECISION)
    from reading another precision's compiled models."""
    folder = cache / f"openvino-{precision_hint}"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


class OpenVinoSession:
    """An OpenVINO compiled model with a dynamic batch and width, used like an onnxruntime
    session. `precision` "auto" takes bfloat16 when the CPU has it, else float32; "int8" is
    for a quantised (QDQ) model, whose int8 parts run in int8 and the rest in float32, so it
    computes the same on every CPU."""

    def __init__(self, model: Path | bytes, threads: int = 1, precision: str = "auto") -> None:
        import openvino as ov

        core = ov.Core()
        if precision == "auto":
            precision = chosen_precision(bf16_supported())
        if precision not in ("bf16", "f32", "int8"):
            raise ValueError(f"OpenVINO precision: auto, int8, bf16 or f32, not {precision!r}")
        config = {
            "INFERENCE_NUM_THREADS": max(1, threads),
            "NUM_STREAMS": 1,
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_PRECISION_HINT": "f32" if precision == "int8" else precision,
            # OpenVINO pins its threads to cores by default, and each process picks the same
            # first cores: four camera workers on a box would share one core.
            "ENABLE_CPU_PINNING": False,
        }
        cache = os.environ.get(CACHE_ENV)
        if cache:
            config["CACHE_DIR"] = compiled_cache_dir(
                Path(cache), str(config["INFERENCE_PRECISION_HINT"])
            )
        # A file is compiled by its path: with the cache warm, OpenVINO then imports the
        # compiled model without reading the ONNX at all (0.09 CPU-s less a model here).
        source = core.read_model(model) if isinstance(model, bytes) else str(model)
        self.compiled = core.compile_model(source, "CPU", config)
        self._inputs = [
            InputInfo(
                port.get_any_name(),
                tuple(d.get_length() if d.is_static else None for d in port.get_partial_shape()),
            )
            for port in self.compiled.inputs
        ]
        self._request = self.compiled.create_infer_request()
        self.precision = precision

    def get_inputs(self) -> list[InputInfo]:
        return list(self._inputs)

    def run(self, output_names: object, feed: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        """Outputs in model order, as float32 arrays the caller owns."""
        del output_names  # all outputs, as onnxruntime's run(None, ...) gives
        result = self._request.infer(dict(feed))
        return [np.array(result[port], dtype=np.float32) for port in self._request.model_outputs]
