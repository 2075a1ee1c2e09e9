"""The model cache: derived ONNX models (the detector fitted to a frame's shape, the reader cut
to the charset) and OpenVINO's compiled ones are made once and read on the next start; a
changed source model gets a new entry; without the cache nothing is written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edge.perception import vehicles
from edge.perception.derived_models import derived_model
from edge.perception.models import ModelRegistry
from edge.perception.openvino_session import CACHE_ENV
from edge.perception.vehicles import VehicleDetector


def test_a_derived_model_is_made_once_and_keyed_by_its_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "m.onnx"
    source.write_bytes(b"model one")
    made: list[str] = []

    def make(tag: str) -> bytes:
        made.append(tag)
        return f"derived from {source.read_bytes()!r}".encode()

    monkeypatch.delenv(CACHE_ENV, raising=False)
    derived_model(source, "fit", lambda: make("no cache"))
    assert made == ["no cache"] and not list(tmp_path.glob("cache*")), "written without a cache"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    first = derived_model(source, "fit", lambda: make("first"))
    again = derived_model(source, "fit", lambda: make("again"))
    assert again == first and made == ["no cache", "first"], "the cached model was made again"
    source.write_bytes(b"model two")  # a new model: never the old derivative
    assert derived_model(source, "fit", lambda: make("new")) != first
    assert made[-1] == "new" and len(list((tmp_path / "cache").glob("*.onnx"))) == 2


def test_a_restarted_detector_reads_its_fitted_model_and_compiled_blob_from_the_cache(
    registry: ModelRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    picture = np.random.default_rng(3).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    first = VehicleDetector(registry.path("vehicles"), conf=0.05, engine="openvino")
    boxes = [d.box for d in first.detect(picture, (13, 168, 534, 312))]
    assert list(tmp_path.glob("yolov8n-fit-*.onnx")), "the fitted model was not cached"
    assert list(tmp_path.glob("openvino-*/*.blob")), "OpenVINO kept no compiled model"

    def refuse(*_args: object) -> None:
        raise AssertionError("the detector fitted its model again instead of reading the cache")

    monkeypatch.setattr(vehicles, "fit_input", refuse)
    again = VehicleDetector(registry.path("vehicles"), conf=0.05, engine="openvino")
    assert [d.box for d in again.detect(picture, (13, 168, 534, 312))] == boxes
