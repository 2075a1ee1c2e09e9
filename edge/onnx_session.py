"""One place that opens onnxruntime sessions, so thread counts are set the same way everywhere."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort


def open_session(path: Path | bytes, threads: int = 1) -> ort.InferenceSession:
    """A CPU session (from a file or model bytes) with `threads` intra-op threads."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    model = path if isinstance(path, bytes) else str(path)
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
