"""One place that opens model sessions, so engines and thread counts are set the same way
everywhere: onnxruntime (float32) or OpenVINO (bfloat16 where the CPU has it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from common.config.sections import Engine
from edge.perception.openvino_session import OpenVinoSession

if TYPE_CHECKING:  # imported when a session is opened: the command line stays quick to start
    import onnxruntime as ort

ENGINES = tuple(e.value for e in Engine)  # for command-line choices


class ModelInput(Protocol):
    """A model input as a session describes it (onnxruntime's NodeArg, or InputInfo)."""

    @property
    def name(self) -> str: ...

    @property
    def shape(self) -> Sequence[int | str | None]:
        """Each dimension: its size, or a name (onnxruntime) or None where it is dynamic."""
        ...


class ModelSession(Protocol):
    """What the callers use of a session: an onnxruntime InferenceSession or an
    OpenVinoSession."""

    def get_inputs(self) -> Sequence[ModelInput]: ...

    def run(
        self, output_names: Sequence[str] | None, feed: Mapping[str, np.ndarray], /
    ) -> Sequence[np.ndarray]: ...


def precision_of(engine: Engine | str) -> str:
    """The precision a model runs in on this CPU with `engine` (what OpenVINO's "auto" picks;
    onnxruntime runs float32)."""
    if engine == Engine.OPENVINO:
        from edge.perception.openvino_session import bf16_supported, chosen_precision

        return chosen_precision(bf16_supported())
    return "f32"


def open_model(
    model: Path | bytes,
    threads: int = 1,
    engine: Engine | str = Engine.OPENVINO,
    precision: str = "auto",
) -> ort.InferenceSession | OpenVinoSession:
    """A session for the ONNX model on the chosen engine; both answer `run` and `get_inputs`.
    `precision` is OpenVINO's (auto, int8, bf16, f32); onnxruntime runs what the file holds:
    float32, or int8 where a quantised model says so."""
    if engine == Engine.OPENVINO:
        return OpenVinoSession(model, threads, precision)
    if engine == Engine.ONNXRUNTIME:
        return open_session(model, threads)
    raise ValueError(f"unknown inference engine {engine!r} (one of {', '.join(ENGINES)})")


def open_session(path: Path | bytes, threads: int = 1) -> ort.InferenceSession:
    """A CPU session (from a file or model bytes) with `threads` intra-op threads."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # Idle intra-op threads spin for a while after every run by default: CPU taken from the
    # other camera workers of the box for nothing (live, 4 cameras on 2 cores).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    model = path if isinstance(path, bytes) else str(path)
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
