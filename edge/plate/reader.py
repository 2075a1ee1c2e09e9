"""Plate crop -> plate text: find the line layout, recognise each line, apply the plate grammar.

Two-line plates (motorbikes, square car plates) are split into their lines at the ink gap and
recognised as separate lines: running a text detector would cost far more than a line. The
grammar (edge.common.plate_text) repairs confusable characters by position and rejects what
no plate can be; a plate that does not parse is returned as unread, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np

from edge.common import plate_text
from edge.plate.recognizer import LineText

TWO_LINE_MAX_ASPECT = 2.2  # width/height below this: a two-line plate (a one-line plate is ~4.5)


class LineRecognizer(Protocol):
    """Any back end that turns line images into text (PP-OCR by default, easyocr optional)."""

    name: str

    def recognize(self, lines_bgr: Sequence[np.ndarray]) -> list[LineText]: ...


@dataclass(frozen=True)
class PlateRead:
    """The outcome for one plate crop: a valid plate with a confidence, or None and why."""

    text: str | None
    norm: str | None
    confidence: float
    lines: int
    raw: tuple[str, ...] = ()
    reason: str | None = None
    kind: str | None = None
    repairs: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "norm": self.norm,
            "confidence": round(self.confidence, 4),
            "lines": self.lines,
            "kind": self.kind,
            "raw": list(self.raw),
            "repairs": self.repairs,
            "reason": self.reason,
        }


def split_lines(crop_bgr: np.ndarray) -> list[np.ndarray]:
    """Cut a two-line plate at the row with the least ink in its middle band."""
    gray = cv2.cvtColor(crop_bgr, cv2.COLOR_BGR2GRAY)
    h = gray.shape[0]
    ink = 255.0 - gray.astype(np.float32)
    # Dark-on-light plates: ink is dark. Normalise per image so the gap stands out.
    profile = ink.mean(axis=1)
    lo, hi = int(h * 0.35), max(int(h * 0.65), int(h * 0.35) + 1)
    cut = lo + int(np.argmin(profile[lo:hi]))
    pad = max(1, int(h * 0.04))
    return [crop_bgr[: min(h, cut + pad)], crop_bgr[max(0, cut - pad) :]]


def line_count(crop_bgr: np.ndarray) -> int:
    h, w = crop_bgr.shape[:2]
    return 2 if w / max(h, 1) < TWO_LINE_MAX_ASPECT else 1


class PlateReader:
    """Reads plate crops with a line recogniser and the Vietnamese plate grammar."""

    def __init__(self, recognizer: LineRecognizer, min_confidence: float = 0.5) -> None:
        self.recognizer = recognizer
        self.min_confidence = min_confidence

    def read(self, crop_bgr: np.ndarray) -> PlateRead:
        """Read one plate crop (BGR). Never guesses: an invalid read comes back unread."""
        if crop_bgr is None or crop_bgr.size == 0 or min(crop_bgr.shape[:2]) < 8:
            return PlateRead(None, None, 0.0, 0, reason="plate crop is empty or too small")
        n = line_count(crop_bgr)
        lines = split_lines(crop_bgr) if n == 2 else [crop_bgr]
        texts = self.recognizer.recognize(lines)
        raw = tuple(t.text for t in texts)
        fixed = plate_text.repair(list(raw))
        ocr_conf = float(np.prod([t.confidence for t in texts])) if texts else 0.0
        if fixed.plate is None:
            return PlateRead(None, None, ocr_conf, n, raw, reason=fixed.reason)
        confidence = ocr_conf * plate_text.confidence_penalty(fixed.changes)
        plate = fixed.plate
        if confidence < self.min_confidence:
            return PlateRead(
                None,
                None,
                confidence,
                n,
                raw,
                reason=f"read {plate.display!r} with confidence {confidence:.2f}, "
                f"below {self.min_confidence:.2f}",
                kind=plate.kind,
                repairs=fixed.changes,
            )
        return PlateRead(
            plate.display, plate.norm, confidence, n, raw, None, plate.kind, fixed.changes
        )
