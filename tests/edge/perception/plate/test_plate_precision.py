"""The int8 plate detector against the float32 one: the same plates on the vehicle crops the
plate search reads at the public violations, and on the plate photos (none of which the
quantiser's ranges saw)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.perception.geometry import iou_matrix
from edge.perception.models import ModelRegistry
from edge.perception.plate.detector import PlateDetector
from edge.perception.plate.finder import crop_box
from edge.perception.plate.track_plates import VEHICLE_MARGIN
from edge.perception.precision import plate_model
from edge.perception.vehicles import VehicleDetector
from tests.edge.perception.crossings import frames_near_crossings


@pytest.mark.parametrize(
    ("precision", "entry"), [("int8", "plates_int8"), ("bf16", "plates"), ("f32", "plates")]
)
def test_each_precision_loads_its_plate_model(precision: str, entry: str) -> None:
    assert plate_model(precision) == entry, f"{precision}: {plate_model(precision)}"


def test_the_int8_plate_model_is_the_pinned_one(registry: ModelRegistry) -> None:
    path = registry.path("plates_int8")
    assert path.name == "plate_yolov8n_int8.onnx" and path.stat().st_size < 5_000_000, path


def _vehicle_crops(media: Path, registry: ModelRegistry) -> Iterator[tuple[str, np.ndarray]]:
    """Every vehicle crop, cut as the plate search cuts it, of frames from 10 frames before to
    10 after each public violation's crossing (the quantiser sampled evenly spaced frames)."""
    vehicles = VehicleDetector(registry.path("vehicles"), conf=0.3, precision="f32")
    for what, frame, rect in frames_near_crossings(media, (-10, -5, 0, 5, 10)):
        for n, found in enumerate(vehicles.detect(frame, rect)):
            crop = crop_box(frame, found.box, VEHICLE_MARGIN)
            if found.label != "person" and min(crop.shape[:2]) >= 16:
                yield f"{what}#{n}", crop


def _photos(plates_csv: Path) -> Iterator[tuple[str, np.ndarray]]:
    """Every other plate photo (half the time, and still over a hundred plates)."""
    for photo in sorted((plates_csv.parent / "images").glob("*.jpg"))[::2]:
        image = cv2.imread(str(photo))
        assert image is not None, f"cannot read {photo}"
        yield photo.name, image


@pytest.mark.parametrize("pictures", ["vehicle crops", "plate photos"])
def test_int8_finds_the_float32_plates(
    media_dir: Path, plates_csv: Path, registry: ModelRegistry, pictures: str
) -> None:
    """Each float32 plate (score 0.25 or more) is found by int8 at IoU 0.7, scored down to
    0.15 so that a plate at the cut is not lost to a rounding of its score (the score change
    is checked on its own)."""
    reference = PlateDetector(registry.path("plates"), engine="onnxruntime")
    int8 = PlateDetector(
        registry.path("plates_int8"), conf=0.15, engine="openvino", precision="int8"
    )
    sample = (
        _vehicle_crops(media_dir, registry) if pictures == "vehicle crops" else _photos(plates_csv)
    )
    total, missed, deltas = 0, [], []
    for what, image in sample:
        got = int8.detect(image)
        for a in reference.detect(image):
            total += 1
            boxes = np.array([b.box for b in got]).reshape(-1, 4)
            overlap = iou_matrix(np.array([a.box]), boxes)[0]
            i = int(np.argmax(overlap)) if len(got) else -1
            if i < 0 or overlap[i] < 0.7:
                missed.append(f"{what}: plate {a.score:.2f} at {np.round(a.box)}")
            else:
                deltas.append(abs(got[i].score - a.score))
    least = 30 if pictures == "vehicle crops" else 100
    assert total >= least, f"only {total} float32 plates in the {pictures}: too few to compare"
    kept = 1 - len(missed) / total
    assert kept >= 0.95, f"int8 lost {len(missed)} of {total} float32 plates:\n" + "\n".join(missed)
    assert float(np.mean(deltas)) < 0.06, f"mean score change {np.mean(deltas):.3f}"
