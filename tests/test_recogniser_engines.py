"""The PP-OCR recogniser run by OpenVINO (bfloat16 where the CPU has it) against onnxruntime
(float32): the same ONNX file must give the same plates, on rendered and on real crops."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.models import ModelRegistry
from edge.openvino_session import OpenVinoSession, bf16_supported
from edge.plate.reader import VIEWS, PlateReader, line_count
from edge.plate.recognizer import PaddleLineRecognizer
from edge.plate.render import render_plate

RENDERED = [
    ["63A-123.45"],
    ["51G-1234"],
    ["59-D2", "064.28"],
    ["29-MD1", "013.53"],
    ["60M", "896.51"],
]


@pytest.fixture(scope="module")
def recognisers(registry: ModelRegistry) -> dict[str, PaddleLineRecognizer]:
    model, vocab = registry.path("text_rec"), registry.path("text_dict")
    return {
        engine: PaddleLineRecognizer(model, vocab, threads=1, engine=engine)
        for engine in ("openvino", "onnxruntime")
    }


def test_the_recogniser_names_its_engine_and_precision(
    recognisers: dict[str, PaddleLineRecognizer],
) -> None:
    assert recognisers["onnxruntime"].name == "ppocrv6-small/onnxruntime-f32"
    expected = "bf16" if bf16_supported() else "f32"
    assert recognisers["openvino"].name == f"ppocrv6-small/openvino-{expected}"


@pytest.mark.parametrize("lines", RENDERED, ids=["+".join(x) for x in RENDERED])
def test_both_engines_give_the_same_characters_on_rendered_lines(
    recognisers: dict[str, PaddleLineRecognizer], lines: list[str]
) -> None:
    crop = render_plate(lines, 80)
    line_images = VIEWS[0].lines(crop, line_count(crop))
    ov = recognisers["openvino"].recognize(line_images)
    ort = recognisers["onnxruntime"].recognize(line_images)
    assert [t.text for t in ov] == [t.text for t in ort], f"{lines}: {ov} against {ort}"
    for a, b in zip(ov, ort, strict=True):
        assert abs(a.confidence - b.confidence) < 0.02, f"{lines}: confidences {a} / {b}"


def test_openvino_accepts_any_width_and_batch(
    recognisers: dict[str, PaddleLineRecognizer],
) -> None:
    """Lines wider than the usual 320 px and two lines at once use one compiled model."""
    session = recognisers["openvino"].session
    for shape in [(1, 3, 48, 320), (2, 3, 48, 320), (1, 3, 48, 512)]:
        (probs,) = session.run(None, {"x": np.zeros(shape, np.float32)})
        assert probs.shape[:2] == (shape[0], shape[3] // 8), f"{shape} gave {probs.shape}"
        assert np.allclose(probs.sum(axis=-1), 1.0, atol=0.02), "not a softmax per step"


def test_bad_engine_or_precision_is_named(registry: ModelRegistry) -> None:
    with pytest.raises(ValueError, match="engine 'tensorrt'"):
        PaddleLineRecognizer(
            registry.path("text_rec"), registry.path("text_dict"), engine="tensorrt"
        )
    with pytest.raises(ValueError, match="precision must be auto, bf16 or f32, not 'f16'"):
        OpenVinoSession(registry.path("text_rec"), precision="f16")


def test_both_engines_read_the_real_crops_alike(
    recognisers: dict[str, PaddleLineRecognizer], plates_csv: Path
) -> None:
    rows = list(csv.DictReader(plates_csv.open(encoding="utf-8")))
    readers = {k: PlateReader(v) for k, v in recognisers.items()}
    differ = []
    for row in rows:
        crop = cv2.imread(str(plates_csv.parent / "images" / row["file"]))
        ov, ort = (readers[k].read(crop) for k in ("openvino", "onnxruntime"))
        if ov.norm != ort.norm:
            differ.append(f"{row['file']}: openvino {ov.norm}, onnxruntime {ort.norm}")
    assert len(differ) <= len(rows) // 100, "the engines read differently:\n" + "\n".join(differ)
