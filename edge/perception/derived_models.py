"""ONNX models derived from a shipped one (the detector fitted to a frame's shape, the reader cut
to the plate charset), kept in the model cache between starts.

Deriving needs the `onnx` package (about half a CPU-second to import) and a parse of the
model; with the cache (`DENDO_MODEL_CACHE`, which `dendo-edge run` points into the box's
state directory) a worker that restarts reads the derived bytes instead, and OpenVINO its
compiled model. The name carries the source's sha256, so a new model never meets an old
derivative. The cache is the box's own disk, as trusted as the models beside it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from edge.perception.openvino_session import CACHE_ENV


def derived_model(source: Path, tag: str, make: Callable[[], bytes]) -> Path | bytes:
    """`make()`'s model for `source` and `tag` (e.g. "fit-384x640"): with the cache, the file
    that holds it (made now if absent; a file lets OpenVINO import its compiled model without
    reading the ONNX); without, the bytes."""
    cache = os.environ.get(CACHE_ENV)
    if not cache:
        return make()
    digest = hashlib.sha256(Path(source).read_bytes()).hexdigest()[:20]
    path = Path(cache) / f"{Path(source).stem}-{tag}-{digest}.onnx"
    if path.is_file():
        return path
    data = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # whole or absent: a crash mid-write leaves no half model
    return path
