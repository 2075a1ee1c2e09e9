"""The models run by OpenVINO (bfloat16 where the CPU has it, the default) against onnxruntime
(float32): the same ONNX files must give the same plates and the same boxes, on rendered
pictures and on the real crops and frames."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.perception.geometry import iou_matrix
from edge.perception.models import ModelRegistry
from edge.perception.onnx_session import open_model
from edge.perception.openvino_session import (
    CACHE_ENV,
    PRECISION_ENV,
    OpenVinoSession,
    bf16_supported,
)
from edge.perception.plate.detector import PlateDetector
from edge.perception.plate.reader import VIEWS, PlateReader, line_count
from edge.perception.plate.recognizer import PaddleLineRecognizer
from edge.perception.plate.render import paste, render_plate
from edge.perception.vehicles import Detection, VehicleDetector

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


def test_openvino_runs_unpinned_on_the_threads_asked(registry: ModelRegistry) -> None:
    """Camera workers are separate processes: pinned threads would all land on one core."""
    session = OpenVinoSession(registry.path("plates"), threads=2)
    assert session.compiled.get_property("ENABLE_CPU_PINNING") is False
    assert session.compiled.get_property("INFERENCE_NUM_THREADS") == 2


def test_bad_engine_or_precision_is_named(registry: ModelRegistry) -> None:
    with pytest.raises(ValueError, match="unknown inference engine 'tensorrt'"):
        PaddleLineRecognizer(
            registry.path("text_rec"), registry.path("text_dict"), engine="tensorrt"
        )
    with pytest.raises(ValueError, match="OpenVINO precision: auto, int8, bf16 or f32, not 'f16'"):
        OpenVinoSession(registry.path("text_rec"), precision="f16")


@pytest.mark.slow
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


def assert_same_boxes(ort: list[Detection], ov: list[Detection], what: str) -> None:
    """Every confident float32 box has an OpenVINO box of the same label in the same place
    with nearly the same score (bfloat16 moves scores by a few hundredths at most)."""
    for a in (d for d in ort if d.score >= 0.5):
        same = [b for b in ov if b.label == a.label]
        overlap = [float(iou_matrix(np.array([a.box]), np.array([b.box]))[0, 0]) for b in same]
        assert overlap and max(overlap) >= 0.9, f"{what}: {a} has no match in {ov}"
        match = same[int(np.argmax(overlap))]
        assert abs(match.score - a.score) < 0.06, f"{what}: score {a.score} against {match}"


def test_plate_detector_finds_the_same_plates_on_both_engines(registry: ModelRegistry) -> None:
    scene = np.full((480, 720, 3), 95, np.uint8)
    paste(scene, render_plate(["51G-123.45"], 44), 80, 320)
    paste(scene, render_plate(["59-D2", "064.28"], 70), 480, 300)
    found = {
        e: PlateDetector(registry.path("plates"), engine=e).detect(scene)
        for e in ("onnxruntime", "openvino")
    }
    assert len([d for d in found["onnxruntime"] if d.score >= 0.5]) == 2, found
    assert_same_boxes(found["onnxruntime"], found["openvino"], "rendered plates")


@pytest.mark.parametrize(("name", "frame_index"), [("vn_a", 57), ("us_lake_cheyenne", 90)])
def test_vehicle_detector_finds_the_same_vehicles_on_both_engines(
    media_dir: Path, registry: ModelRegistry, name: str, frame_index: int
) -> None:
    cap = cv2.VideoCapture(str(media_dir / f"{name}.mp4"))
    cap.set(cv2.CAP_PROP_POS_FRAMES, frame_index)
    ok, frame = cap.read()
    cap.release()
    assert ok, f"cannot read frame {frame_index} of {name}.mp4"
    found = {
        e: VehicleDetector(registry.path("vehicles"), engine=e).detect(frame)
        for e in ("onnxruntime", "openvino")
    }
    assert any(d.score >= 0.5 for d in found["onnxruntime"]), f"{name}: nothing confident"
    assert_same_boxes(found["onnxruntime"], found["openvino"], f"{name} frame {frame_index}")


def test_open_model_names_an_unknown_engine(registry: ModelRegistry) -> None:
    with pytest.raises(ValueError, match="unknown inference engine 'cuda'"):
        open_model(registry.path("plates"), engine="cuda")


@pytest.mark.skipif(not bf16_supported(), reason="needs a CPU with bfloat16 for two precisions")
def test_a_warm_model_cache_keeps_each_precision_apart(
    registry: ModelRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OpenVINO keys its cache without the precision hint: the recogniser compiled in float32
    and then asked for in bfloat16 (a box whose DENDO_PRECISION or config changed) used to
    import the float32 blob and read nothing (NaN scores)."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    model, vocab = registry.path("text_rec"), registry.path("text_dict")
    line = VIEWS[0].lines(render_plate(["63A-123.45"], 80), 1)
    texts: dict[str, set[str]] = {}
    for forced in ("no-bf16", "", "no-bf16", ""):  # cold, cold, then both warm
        monkeypatch.setenv(PRECISION_ENV, forced)
        rec = PaddleLineRecognizer(model, vocab, threads=1, engine="openvino")
        (read,) = rec.recognize(line)
        texts.setdefault(rec.name, set()).add(read.text)
        assert np.isfinite(read.confidence), f"{rec.name}: score {read.confidence}"
    assert texts == {
        "ppocrv6-small/openvino-f32": {"63A-123.45"},
        "ppocrv6-small/openvino-bf16": {"63A-123.45"},
    }, f"each precision, cold and warm, should read the line: {texts}"
