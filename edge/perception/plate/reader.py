"""Plate crop -> plate text: find the line layout, recognise each line, apply the plate grammar.

Two-line plates (motorbikes, square car plates) are split into their lines at the ink gap and
recognised as separate lines: running a text detector would cost far more than a line. The
grammar (common.plate_text) repairs confusable characters by position and rejects what
no plate can be; a plate that does not parse is returned as unread, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import cv2
import numpy as np

from common import plate_text
from edge.perception.plate.recognizer import LineText

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
    profile = (255.0 - gray.astype(np.float32)).mean(axis=1)  # dark characters = ink
    lo, hi = int(h * 0.35), max(int(h * 0.65), int(h * 0.35) + 1)
    cut = lo + int(np.argmin(profile[lo:hi]))
    pad = max(1, int(h * 0.04))
    return [crop_bgr[: min(h, cut + pad)], crop_bgr[max(0, cut - pad) :]]


def line_count(crop_bgr: np.ndarray) -> int:
    h, w = crop_bgr.shape[:2]
    return 2 if w / max(h, 1) < TWO_LINE_MAX_ASPECT else 1


def trim_border(crop_bgr: np.ndarray) -> np.ndarray:
    """The crop without a thin frame on each side, where plate borders and screws sit."""
    h, w = crop_bgr.shape[:2]
    dy, dx = int(h * 0.04), int(w * 0.03)
    return crop_bgr[dy : h - dy, dx : w - dx]


def pad_line(line_bgr: np.ndarray) -> np.ndarray:
    """A line with a margin of its own edge colour, so characters do not touch the edge."""
    p = max(2, line_bgr.shape[0] // 8)
    return cv2.copyMakeBorder(line_bgr, p, p, p, p, cv2.BORDER_REPLICATE)


@dataclass(frozen=True)
class View:
    """One way of presenting a crop to the recogniser; different views fail differently."""

    name: str
    trim: bool = False
    pad: bool = False

    def lines(self, crop_bgr: np.ndarray, n: int) -> list[np.ndarray]:
        image = trim_border(crop_bgr) if self.trim else crop_bgr
        lines = split_lines(image) if n == 2 else [image]
        return [pad_line(x) for x in lines] if self.pad else lines


VIEWS = (View("plain"), View("trim-pad", trim=True, pad=True), View("trim", trim=True))


def vote(reads: Sequence[PlateRead]) -> tuple[int, float, dict[str, float]] | None:
    """Confidence-weighted vote on plates read several times (views of a crop, crops of a
    track): the index of the surest read of the winning plate, the winner's share (its summed
    confidence over the number of reads), and every plate's weight; None if none was read."""
    weight: dict[str, float] = {}
    for r in reads:
        if r.norm is not None:
            weight[r.norm] = weight.get(r.norm, 0.0) + r.confidence
    if not weight:
        return None
    norm = max(weight, key=lambda n: (weight[n], n))
    index = max(
        (i for i, r in enumerate(reads) if r.norm == norm), key=lambda i: reads[i].confidence
    )
    return index, weight[norm] / len(reads), weight


class PlateReader:
    """Reads plate crops with a line recogniser and the Vietnamese plate grammar.

    The crop is read as it is first; a read that is certain (confidence at least
    `accept_confidence`, no character repaired) is taken. Otherwise the other views are read
    too, until two agree, and the plates they give are voted on, weighted by confidence, so
    one view's slip does not decide the case alone. Views that end in disagreement give a
    low confidence, and below `min_confidence` the plate is unread.
    """

    def __init__(
        self,
        recognizer: LineRecognizer,
        min_confidence: float = 0.5,
        accept_confidence: float = 0.98,
        views: Sequence[View] = VIEWS,
    ) -> None:
        self.recognizer = recognizer
        self.min_confidence = min_confidence
        self.accept_confidence = accept_confidence
        self.views = tuple(views)

    def read(self, crop_bgr: np.ndarray | None) -> PlateRead:
        """Read one plate crop (BGR). Never guesses: an invalid read comes back unread."""
        if crop_bgr is None or crop_bgr.size == 0 or min(crop_bgr.shape[:2]) < 8:
            return PlateRead(None, None, 0.0, 0, reason="plate crop is empty or too small")
        reads: list[PlateRead] = []
        for view in self.views:
            read = self._read_view(crop_bgr, view)
            reads.append(read)
            if read.norm and read.confidence >= self.accept_confidence and not read.repairs:
                break  # certain at first sight
            norms = [r.norm for r in reads if r.norm]
            if norms and max(norms.count(n) for n in norms) >= 2:
                break  # two views agree
        return self._vote(reads)

    def _vote(self, reads: list[PlateRead]) -> PlateRead:
        outcome = vote(reads)
        if outcome is None:
            return reads[0]
        index, agreed, weight = outcome
        best = reads[index]
        views = [r.extra.get("view") for r in reads]
        extra: dict[str, object] = {
            "views": views,
            "votes": {n: round(w, 4) for n, w in weight.items()},
        }
        if agreed < self.min_confidence:
            reason = f"the views disagree or are unsure: {extra['votes']}"
            return replace(
                best, text=None, norm=None, confidence=agreed, reason=reason, extra=extra
            )
        return replace(best, confidence=agreed, extra=extra)

    def _read_view(self, crop_bgr: np.ndarray, view: View) -> PlateRead:
        """The guessed layout first; when no plate parses, the other (a one-line plate with a
        sticker above it looks square)."""
        first = self._read_layout(crop_bgr, view, line_count(crop_bgr))
        if first.norm is not None:
            return first
        second = self._read_layout(crop_bgr, view, 3 - first.lines)
        return second if second.norm is not None else first

    def _read_layout(self, crop_bgr: np.ndarray, view: View, n: int) -> PlateRead:
        texts = self.recognizer.recognize(view.lines(crop_bgr, n))
        raw = tuple(t.text for t in texts)
        fixed = plate_text.repair(list(raw))
        ocr_conf = float(np.prod([t.confidence for t in texts])) if texts else 0.0
        extra: dict[str, object] = {"view": view.name}
        if fixed.plate is None:
            return PlateRead(None, None, ocr_conf, n, raw, reason=fixed.reason, extra=extra)
        confidence = ocr_conf * plate_text.confidence_penalty(fixed.changes)
        plate = fixed.plate
        if confidence < self.min_confidence:
            reason = (
                f"read {plate.display!r} with confidence {confidence:.2f}, "
                f"below {self.min_confidence:.2f}"
            )
            return PlateRead(
                None, None, confidence, n, raw, reason, plate.kind, fixed.changes, extra
            )
        return PlateRead(
            plate.display, plate.norm, confidence, n, raw, None, plate.kind, fixed.changes, extra
        )
