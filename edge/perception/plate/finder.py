"""Plates in a vehicle or street image: detect each plate, crop it with a margin, read it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from common.config.sections import Precision
from edge.perception.models import ModelRegistry
from edge.perception.plate.detector import PlateDetector
from edge.perception.plate.reader import LineRecognizer, PlateRead, PlateReader
from edge.perception.plate.recognizer import PaddleLineRecognizer
from edge.perception.precision import detector_precision as resolve_precision
from edge.perception.precision import plate_model
from edge.perception.vehicles import Detection

CROP_MARGIN = 0.06  # of the plate box, each side: the detector's boxes are tight


@dataclass(frozen=True)
class FoundPlate:
    box: tuple[float, float, float, float]
    detector_score: float
    read: PlateRead

    def to_json(self) -> dict[str, object]:
        return {
            "box": [round(v, 1) for v in self.box],
            "detector_score": round(self.detector_score, 4),
            **self.read.to_json(),
        }


def crop_origin(box: tuple[float, ...], margin: float = CROP_MARGIN) -> tuple[int, int]:
    """Where crop_box's crop starts in the image: a box found in the crop plus this is the
    same box in the image's pixels."""
    x1, y1, x2, y2 = box
    return max(0, int(x1 - (x2 - x1) * margin)), max(0, int(y1 - (y2 - y1) * margin))


def crop_box(image: np.ndarray, box: tuple[float, ...], margin: float = CROP_MARGIN) -> np.ndarray:
    """The box grown by `margin` on each side, clipped to the image."""
    x1, y1, x2, y2 = box
    mx, my = (x2 - x1) * margin, (y2 - y1) * margin
    h, w = image.shape[:2]
    xa, ya = crop_origin(box, margin)
    xb, yb = min(w, round(x2 + mx)), min(h, round(y2 + my))
    return image[ya:yb, xa:xb]


def make_reader(
    registry: ModelRegistry, backend: str = "ppocr", threads: int = 1, engine: str = "openvino"
) -> PlateReader:
    """The plate reader with the chosen OCR back end ("ppocr" default, "easyocr" optional);
    `engine` runs the PP-OCR model (openvino in bfloat16 where it can, or onnxruntime)."""
    rec: LineRecognizer
    if backend == "ppocr":
        rec = PaddleLineRecognizer(
            registry.path("text_rec"), registry.path("text_dict"), threads, engine=engine
        )
    elif backend == "easyocr":
        from edge.perception.plate.easyocr_backend import EasyOcrLineRecognizer

        rec = EasyOcrLineRecognizer()
    else:
        raise ValueError(f"unknown OCR back end {backend!r} (ppocr or easyocr)")
    return PlateReader(rec)


class PlateFinder:
    """Plate detector plus reader, for whole images or vehicle crops."""

    def __init__(self, detector: PlateDetector, reader: PlateReader) -> None:
        self.detector = detector
        self.reader = reader

    @classmethod
    def from_registry(
        cls,
        registry: ModelRegistry,
        backend: str = "ppocr",
        threads: int = 1,
        engine: str = "openvino",
        detector_engine: str = "openvino",
        detector_precision: Precision | str = Precision.AUTO,
    ) -> PlateFinder:
        """`engine` runs the text recogniser; `detector_engine` and `detector_precision` (the
        camera's `detector.precision`, as edge.perception.precision resolves it) the plate
        detector."""
        precision = resolve_precision(detector_precision, detector_engine)
        detector = PlateDetector(
            registry.path(plate_model(precision)),
            threads=threads,
            engine=detector_engine,
            precision=precision,
        )
        return cls(detector, make_reader(registry, backend, threads, engine))

    def find(self, image_bgr: np.ndarray) -> list[FoundPlate]:
        """Every plate in the image, read; best detector score first."""
        found = []
        for det in self.detector.detect(image_bgr):
            found.append(self._read(image_bgr, det))
        return found

    def read_crop(self, crop_bgr: np.ndarray) -> PlateRead:
        """Read an image said to be a plate crop; when it does not read, look for the plate
        inside it (a loose crop holds the plate and its surroundings) and read that."""
        first = self.reader.read(crop_bgr)
        if first.norm is not None:
            return first
        h, w = crop_bgr.shape[:2]
        for det in self.detector.detect(crop_bgr)[:2]:
            x1, y1, x2, y2 = det.box
            if (x2 - x1) * (y2 - y1) > 0.8 * w * h:
                continue  # the same crop again: nothing new to read
            inner = self.reader.read(crop_box(crop_bgr, det.box))
            if inner.norm is not None:
                return inner
        return first

    def _read(self, image: np.ndarray, det: Detection) -> FoundPlate:
        return FoundPlate(det.box, det.score, self.reader.read(crop_box(image, det.box)))
