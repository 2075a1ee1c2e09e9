"""Read the signal heads again only when their pixels changed.

A head's state changes a few times a minute, and a camera sends 25-30 frames a second: most
frames show the heads exactly as the last reading saw them, give or take the encoder's noise.
Comparing the heads' regions with that reading costs a fraction of reading them (block means of
the region, proportional to its pixels), so the full reading runs only when a block moved.

The comparison is with the frame last read, not with the previous frame, so a slow change (a
lamp fading over many frames) adds up until it is seen. A lamp switching on or off changes its
blocks by a hundred levels or more; compression noise moves a block's mean by a few. At most
`max_reused` frames pass between two readings whatever the pixels do.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from edge.perception.signal_heads import LampReading, SignalHead, SignalHeadClassifier

BLOCK = 4  # pixels per block side: the mean of 16 pixels averages the encoder's noise away
CHANGED = 12.0  # levels (0-255) a block's mean must move for the heads to be read again
MAX_REUSED = 15  # frames a reading is kept at most (half a second at 30 frames/s)


class GatedHeadReader:
    """A SignalHeadClassifier behind a change gate; `reads` and `reused` count each path."""

    def __init__(
        self,
        heads: Sequence[SignalHead],
        classifier: SignalHeadClassifier | None = None,
        changed: float = CHANGED,
        max_reused: int = MAX_REUSED,
    ) -> None:
        self.heads = tuple(heads)
        self.classifier = classifier or SignalHeadClassifier(self.heads)
        self.changed, self.max_reused = changed, max_reused
        self.last: LampReading | None = None
        self.seen: list[np.ndarray] = []
        self.since_read = 0
        self.reads = self.reused = 0

    def classify(self, frame_bgr: np.ndarray) -> LampReading:
        blocks = [self._blocks(frame_bgr, h) for h in self.heads]
        if self.last is not None and self.since_read < self.max_reused and self._same(blocks):
            self.since_read += 1
            self.reused += 1
            return self.last
        self.last = self.classifier.classify(frame_bgr)
        self.seen, self.since_read = blocks, 0
        self.reads += 1
        return self.last

    def _same(self, blocks: list[np.ndarray]) -> bool:
        if len(blocks) != len(self.seen):
            return False
        for now, before in zip(blocks, self.seen, strict=True):
            if now.shape != before.shape:
                return False
            if now.size and float(np.max(cv2.absdiff(now, before))) > self.changed:
                return False
        return True

    @staticmethod
    def _blocks(frame_bgr: np.ndarray, head: SignalHead) -> np.ndarray:
        """The head's region as block means (float32), empty when it lies off the frame."""
        x, y, w, h = head.roi
        fh, fw = frame_bgr.shape[:2]
        x0, y0, x1, y1 = max(0, x), max(0, y), min(fw, x + w), min(fh, y + h)
        if x1 <= x0 or y1 <= y0:
            return np.zeros((0, 0, 3), np.float32)
        crop = frame_bgr[y0:y1, x0:x1]
        size = (max(1, (x1 - x0) // BLOCK), max(1, (y1 - y0) // BLOCK))
        return cv2.resize(crop, size, interpolation=cv2.INTER_AREA).astype(np.float32)
