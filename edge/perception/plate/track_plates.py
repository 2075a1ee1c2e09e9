"""A violating vehicle's plate: the best few crops over its track, each read, then a vote.

One frame's plate can be blurred, turned or hidden by a passenger; the track saw the vehicle
many times. Crops are kept by quality (size and sharpness) while the vehicle is tracked, and
read only when the vehicle turns out to be a violation, so reading costs nothing for the
vehicles that stop.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import cv2
import numpy as np

from common import plate_text
from common.config.sections import PlateConfig
from edge.perception.geometry import Box
from edge.perception.plate.finder import PlateFinder, crop_box, crop_origin
from edge.perception.plate.reader import PlateRead, vote

VEHICLE_MARGIN = 0.08  # grow the vehicle box: plates sit at its lower edge


@dataclass(order=True)
class _Crop:
    quality: float
    frame_index: int = field(compare=False)
    image: np.ndarray = field(compare=False, repr=False)
    vehicle: Box = field(compare=False)  # the vehicle's box in the frame


@dataclass(frozen=True)
class PlateSpot:
    """Where a plate crop was cut: the frame, the plate's box there and the vehicle's box
    there (full-frame pixels), so the evidence can show it on the full frame."""

    frame_index: int
    box: Box
    vehicle: Box


@dataclass(frozen=True)
class PlateVote:
    """The plate decided for a track: the reads, the winner, and its crop for the evidence."""

    text: str | None
    norm: str | None
    confidence: float
    lines: int
    reason: str | None
    crop: np.ndarray | None
    reads: tuple[dict[str, object], ...]
    spot: PlateSpot | None = None  # where `crop` was cut

    def to_json(self) -> dict[str, object] | None:
        if self.norm is None:
            return None
        return {
            "text": self.text,
            "norm": self.norm,
            "confidence": round(self.confidence, 4),
            "lines": list(plate_text.parse(self.text or "").lines()),  # the plate's own lines
        }


def crop_quality(crop: np.ndarray) -> float:
    """Bigger and sharper is better: area times the variance of the Laplacian (focus)."""
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    sharp = float(cv2.Laplacian(gray, cv2.CV_32F).var())
    return crop.shape[0] * crop.shape[1] * (1.0 + np.log1p(sharp))


class TrackPlates:
    """Keeps the `keep` best vehicle crops per track; reads and votes on demand."""

    def __init__(self, finder: PlateFinder, config: PlateConfig) -> None:
        """Keeps the `crops_to_read` sharpest crops of each track; a vote below
        `min_confidence` leaves the plate unread."""
        self.finder = finder
        self.keep = config.crops_to_read
        self.min_confidence = config.min_confidence
        self.crops: dict[int, list[_Crop]] = {}

    def offer(self, track_id: int, frame_index: int, frame: np.ndarray, box: Box) -> None:
        crop = crop_box(frame, box, VEHICLE_MARGIN)
        if crop.size == 0 or min(crop.shape[:2]) < 16:
            return
        x1, y1, x2, y2 = (float(v) for v in box)
        item = _Crop(crop_quality(crop), frame_index, crop.copy(), (x1, y1, x2, y2))
        heap = self.crops.setdefault(track_id, [])
        if len(heap) < self.keep:
            heapq.heappush(heap, item)
        elif item.quality > heap[0].quality:
            heapq.heapreplace(heap, item)

    def forget(self, track_id: int) -> None:
        self.crops.pop(track_id, None)

    def decide(self, track_id: int) -> PlateVote:
        """Read every kept crop (best first) and vote on the plates found."""
        crops = sorted(self.crops.get(track_id, []), reverse=True)
        if not crops:
            return PlateVote(None, None, 0.0, 0, "no usable vehicle crop", None, ())
        reads: list[tuple[PlateRead, np.ndarray, PlateSpot]] = []
        for c in crops:
            found = self.finder.find(c.image)
            if not found:
                continue
            best = max(found, key=lambda p: (p.read.norm is not None, p.read.confidence))
            ox, oy = crop_origin(c.vehicle, VEHICLE_MARGIN)
            x1, y1, x2, y2 = best.box
            spot = PlateSpot(c.frame_index, (x1 + ox, y1 + oy, x2 + ox, y2 + oy), c.vehicle)
            reads.append((best.read, crop_box(c.image, best.box), spot))
        summary = tuple({"frame_index": s.frame_index, **r.to_json()} for r, _, s in reads)
        outcome = vote([r for r, _, _ in reads])  # crops without a visible plate do not count
        if outcome is None:
            reason = "no plate found on the vehicle" if not reads else "plate seen but unreadable"
            if not reads:
                return PlateVote(None, None, 0.0, 0, reason, None, summary)
            return PlateVote(None, None, 0.0, 0, reason, reads[0][1], summary, reads[0][2])
        index, confidence, weight = outcome
        winner, image, spot = reads[index]
        if confidence < self.min_confidence:
            votes = {n: round(w, 3) for n, w in weight.items()}
            reason = f"plates disagree across the track: {votes}"
            return PlateVote(None, None, confidence, winner.lines, reason, image, summary, spot)
        return PlateVote(
            winner.text, winner.norm, confidence, winner.lines, None, image, summary, spot
        )
