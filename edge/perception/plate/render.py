"""Draws Vietnamese plates as images, for tests and the demo scene (no real plate needed).

The drawing follows the real layout: black characters on a white plate with a black border,
one line for long car plates, two lines for motorbike and square plates.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX


def render_plate(lines: Sequence[str], height: int = 120) -> np.ndarray:
    """A BGR plate image with `lines` of text; two lines give a squarer plate."""
    if not 1 <= len(lines) <= 2:
        raise ValueError("a plate has one or two lines")
    two = len(lines) == 2
    width = int(height * (1.35 if two else 4.3))
    plate = np.full((height, width, 3), 235, dtype=np.uint8)
    border = max(2, height // 30)
    cv2.rectangle(
        plate, (border, border), (width - border - 1, height - border - 1), (20, 20, 20), border
    )
    band = (height - 4 * border) / len(lines)
    for i, text in enumerate(lines):
        scale, thick = _fit(text, width - 8 * border, band * 0.72)
        (tw, th), _ = cv2.getTextSize(text, FONT, scale, thick)
        x = (width - tw) // 2
        y = int(2 * border + band * i + (band + th) / 2)
        cv2.putText(plate, text, (x, y), FONT, scale, (15, 15, 15), thick, cv2.LINE_AA)
    return plate


def _fit(text: str, max_w: float, max_h: float) -> tuple[float, int]:
    (tw, th), _ = cv2.getTextSize(text, FONT, 1.0, 2)
    scale = min(max_w / tw, max_h / th)
    return scale, max(1, round(scale * 2.2))


def paste(image: np.ndarray, patch: np.ndarray, x: int, y: int) -> None:
    """Paste `patch` into `image` with its top-left at (x, y), clipped to the image."""
    h, w = patch.shape[:2]
    ih, iw = image.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(iw, x + w), min(ih, y + h)
    if x1 > x0 and y1 > y0:
        image[y0:y1, x0:x1] = patch[y0 - y : y1 - y, x0 - x : x1 - x]
