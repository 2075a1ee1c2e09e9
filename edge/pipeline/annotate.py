"""Pictures of what the pipeline sees: the calibration (stop line, direction, heads, zones)
drawn on a frame for the operator, and annotated replay video for reviewers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from common.config.camera import CameraConfig
from edge.pipeline.camera import Pipeline, Violation
from edge.pipeline.source import Frame

STATE_COLOURS = {"red": (40, 40, 255), "amber": (0, 190, 255), "green": (60, 200, 60)}
GREY = (200, 200, 200)


def _pt(p: Any) -> tuple[int, int]:
    return round(p[0]), round(p[1])


def draw_geometry(image: np.ndarray, camera: CameraConfig, state: str | None = None) -> np.ndarray:
    """The camera's stop line, travel direction, signal heads, ROI and exit zone."""
    out = image.copy()
    colour = STATE_COLOURS.get(state or "", GREY)
    pts = np.array([_pt(p) for p in camera.stop_line], np.int32)
    cv2.polylines(out, [pts], False, colour, 3, cv2.LINE_AA)
    mid = pts.mean(axis=0)
    ux, uy = camera.unit_direction
    length = max(40.0, 0.08 * max(out.shape[:2]))
    tip = (mid[0] + ux * length, mid[1] + uy * length)
    cv2.arrowedLine(out, _pt(mid), _pt(tip), colour, 3, cv2.LINE_AA, tipLength=0.3)
    for i, head in enumerate(camera.signal.heads):
        x, y, w, h = head.roi
        cv2.rectangle(out, (x, y), (x + w, y + h), (255, 255, 0), 1)
        cv2.putText(out, f"H{i + 1}", (x, max(10, y - 3)), 0, 0.4, (255, 255, 0), 1)
    if camera.roi:
        cv2.polylines(out, [np.array([_pt(p) for p in camera.roi], np.int32)], True, GREY, 1)
    zone = camera.exempt.right_turn_on_red if camera.exempt else None
    if zone:
        poly = np.array([_pt(p) for p in zone.exit_zone], np.int32)
        cv2.polylines(out, [poly], True, (255, 0, 255), 2)
        cv2.putText(out, "right turn on red", _pt(zone.exit_zone[0]), 0, 0.5, (255, 0, 255), 1)
    label = f"{camera.id}  signal: {state}" if state else f"{camera.id}  {camera.name}"
    cv2.putText(out, label.encode("ascii", "replace").decode(), (10, 24), 0, 0.7, (0, 0, 0), 4)
    cv2.putText(out, label.encode("ascii", "replace").decode(), (10, 24), 0, 0.7, colour, 2)
    return out


class Annotator:
    """Writes the replay as an MP4 with tracks, the signal and violations drawn."""

    def __init__(self, camera: CameraConfig, path: Path, fps: float) -> None:
        self.camera, self.path, self.fps = camera, path, fps
        self.writer: cv2.VideoWriter | None = None
        self.flash: dict[int, int] = {}  # track id -> frames left to highlight

    def write(self, frame: Frame, pipeline: Pipeline, found: list[Violation]) -> None:
        status = pipeline.last_status
        image = draw_geometry(frame.image, self.camera, str(status.state) if status else None)
        for v in found:
            self.flash[v.decision.track_id] = int(self.fps * 2)
        for tr in pipeline.last_tracks:
            hit = self.flash.get(tr.id, 0) > 0
            colour = (0, 0, 255) if hit else (255, 200, 0)
            x1, y1, x2, y2 = (int(c) for c in tr.extent)  # a two-wheeler with its rider
            cv2.rectangle(image, (x1, y1), (x2, y2), colour, 3 if hit else 1)
            text = f"{tr.id} {tr.label}" + (" RED LIGHT" if hit else "")
            cv2.putText(image, text, (x1, max(12, y1 - 4)), 0, 0.5, colour, 2 if hit else 1)
        self.flash = {k: n - 1 for k, n in self.flash.items() if n > 1}
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            h, w = image.shape[:2]
            fourcc = cv2.VideoWriter.fourcc(*"mp4v")
            self.writer = cv2.VideoWriter(str(self.path), fourcc, self.fps, (w, h))
        self.writer.write(image)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.release()
