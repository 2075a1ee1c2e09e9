"""What the evidence partial draws over the signed frames, worked out from the manifest.

The JPEGs are served byte for byte as signed; everything an officer needs to check a crossing
by eye is drawn by the page on top of them from the manifest's own facts: the stop line and
the direction as the camera was calibrated, the offender's box on each picture (around a
motorbike's rider too, when the edge saw one on it), its path (the bottom centre of its
machine's box, which is what the rule watches) before and after the crossing and
where it met the line, and where the plate was cut. Coordinates stay in the frame's pixels:
each SVG's viewBox is its picture's size, so nothing here depends on how large it is shown.

Older bundles without these facts get what they have (the box alone); nothing is guessed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from central.notice_images import road_user_box

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x, y, w, h

ARROW_OF_FRAME = 0.08  # the direction arrow's length, of the frame's larger side
DOT_OF_FRAME = 0.006  # radius of the anchor dots, of the frame's larger side
MIN_PLATE_SCALE, MAX_PLATE_SCALE, PLATE_WIDTH_PX = 3, 12, 300
SIGNAL_ROLES = ("signal_crop_before", "signal_crop", "signal_crop_after")
_PICTURE_OF_SIGNAL = {
    "signal_crop_before": "frame_before",
    "signal_crop": "frame_cross",
    "signal_crop_after": "frame_after",
}


@dataclass
class PictureMarks:
    """What one picture gets: the offender's box, its anchor there, the plate's box."""

    box: Rect | None = None
    anchor: Point | None = None
    plate: Rect | None = None


@dataclass
class Overlay:
    """Everything drawn over the frames of one case (SVG attribute strings where drawn)."""

    stop_line: str | None = None  # polyline points
    arrow_line: tuple[float, float, float, float] | None = None  # x1, y1, x2, y2
    arrow_head: str | None = None  # polygon points
    track_before: str | None = None
    track_after: str | None = None
    crossing: Point | None = None  # where the anchor's path met the stop line
    dot: float = 4.0  # radius of the dots, frame pixels
    pictures: dict[str, PictureMarks] = field(default_factory=dict)  # by frame role
    scene: tuple[int, int] | None = None  # frame_size: the scene above the data bar
    clip_data: str = "{}"  # JSON for evidence.js: the clip's timing, the line and the track
    signal_offsets: dict[str, float | None] = field(default_factory=dict)  # s from crossing
    lower_bound: bool = False  # red was already on as the recording began

    @staticmethod
    def plate_scale(width: int) -> int:
        """A whole-number enlargement that shows a plate crop about PLATE_WIDTH_PX wide, at
        least 3x (whole numbers keep its pixels square and crisp: nothing is invented)."""
        return max(MIN_PLATE_SCALE, min(MAX_PLATE_SCALE, PLATE_WIDTH_PX // max(1, width)))


def _points(points: list[Point]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _box(value: Any) -> tuple[float, float, float, float] | None:
    if isinstance(value, list | tuple) and len(value) == 4:
        try:
            x1, y1, x2, y2 = (float(v) for v in value)
        except (TypeError, ValueError):
            return None
        if all(math.isfinite(v) for v in (x1, y1, x2, y2)) and x2 >= x1 and y2 >= y1:
            return x1, y1, x2, y2
    return None


def _rect(value: Any) -> Rect | None:
    box = _box(value)
    return None if box is None else (box[0], box[1], box[2] - box[0], box[3] - box[1])


def _anchor(box: tuple[float, float, float, float]) -> Point:
    """Bottom centre: the point the red-light rule follows over the line."""
    return ((box[0] + box[2]) / 2, box[3])


def _along(line: list[Point], fraction: float) -> Point:
    """The point at `fraction` of the way along a polyline."""
    left = sum(math.dist(a, b) for a, b in pairwise(line)) * fraction
    for a, b in pairwise(line):
        n = math.dist(a, b)
        if n > 0 and left <= n:
            return (a[0] + (b[0] - a[0]) * left / n, a[1] + (b[1] - a[1]) * left / n)
        left -= n
    return line[-1]


def _meet(p: Point, q: Point, line: list[Point]) -> Point | None:
    """Where segment p-q crosses the polyline, if it does."""
    for a, b in pairwise(line):
        d = (q[0] - p[0]) * (b[1] - a[1]) - (q[1] - p[1]) * (b[0] - a[0])
        if d == 0:
            continue
        s = ((a[0] - p[0]) * (b[1] - a[1]) - (a[1] - p[1]) * (b[0] - a[0])) / d
        u = ((a[0] - p[0]) * (q[1] - p[1]) - (a[1] - p[1]) * (q[0] - p[0])) / d
        if 0 <= s <= 1 and 0 <= u <= 1:
            return (p[0] + s * (q[0] - p[0]), p[1] + s * (q[1] - p[1]))
    return None


def _cross_t(manifest: dict[str, Any]) -> float | None:
    """Stream seconds of the crossing: the crossing picture's time, less its offset."""
    shots = {b.get("role"): b for b in manifest.get("frame_boxes") or []}
    cross = shots.get("frame_cross")
    if not cross or not isinstance(cross.get("t"), int | float):
        return None
    offset = cross.get("offset_frames") or 0
    first, last = shots.get("frame_before"), shots.get("frame_after")
    if offset and first and last and last["frame_index"] != first["frame_index"]:
        per_frame = (last["t"] - first["t"]) / (last["frame_index"] - first["frame_index"])
        return float(cross["t"]) - offset * per_frame
    return float(cross["t"])


def _geometry(ov: Overlay, geometry: dict[str, Any]) -> list[Point]:
    line = [(float(x), float(y)) for x, y in geometry.get("stop_line") or []]
    size = geometry.get("frame_size") or []
    if len(line) < 2 or len(size) != 2:
        return []
    w, h = int(size[0]), int(size[1])
    ov.scene = (w, h)
    ov.stop_line = _points(line)
    ov.dot = DOT_OF_FRAME * max(w, h)
    return line


def _arrow(ov: Overlay, line: list[Point], direction: Any, avoid: Point | None) -> None:
    """The direction across the line, drawn on it where it covers least of the offender:
    a fifth of the way in from the end farther from where the offender crossed."""
    dx, dy = (float(v) for v in (direction or (0.0, 0.0)))
    norm = math.hypot(dx, dy)
    if not line or norm == 0 or ov.scene is None:
        return
    spots = [_along(line, f) for f in (0.2, 0.8)] if avoid else [_along(line, 0.5)]
    mx, my = max(spots, key=lambda p: math.dist(p, avoid or p))
    ux, uy, length = dx / norm, dy / norm, ARROW_OF_FRAME * max(ov.scene)
    x1, y1 = mx - ux * length / 2, my - uy * length / 2
    x2, y2 = mx + ux * length / 2, my + uy * length / 2
    head, half = 0.3 * length, 0.14 * length
    bx, by = x2 - ux * head, y2 - uy * head
    ov.arrow_line = (x1, y1, bx, by)
    ov.arrow_head = _points([(x2, y2), (bx - uy * half, by + ux * half),
                             (bx + uy * half, by - ux * half)])  # fmt: skip


def _track(ov: Overlay, manifest: dict[str, Any], line: list[Point]) -> list[dict[str, Any]]:
    cross = manifest.get("cross_frame")
    points = []
    for p in manifest.get("track") or []:
        box = _box(p.get("box"))
        if box is not None and isinstance(p.get("frame_index"), int):
            drawn = road_user_box(p) or box  # the clip's box: the machine with its rider
            points.append(
                {"i": p["frame_index"], "t": float(p.get("t") or 0.0), "box": box, "drawn": drawn}
            )
    if not points or not isinstance(cross, int):
        return points
    before = [_anchor(p["box"]) for p in points if p["i"] <= cross]
    after = [_anchor(p["box"]) for p in points if p["i"] > cross]
    if before and after:
        after.insert(0, before[-1])
        if line:
            ov.crossing = _meet(after[0], after[1], line)
    ov.track_before = _points(before) if len(before) > 1 else None
    ov.track_after = _points(after) if len(after) > 1 else None
    return points


def overlay_of(manifest: dict[str, Any]) -> Overlay:
    """The overlay of one case from its stored manifest (any version of it)."""
    ov = Overlay()
    geometry = manifest.get("geometry") or {}
    line = _geometry(ov, geometry)
    track = _track(ov, manifest, line)
    for b in manifest.get("frame_boxes") or []:
        box = _box(b.get("box"))
        if box is not None:  # drawn around machine and rider; the anchor is the machine's
            drawn = road_user_box(b) or box
            ov.pictures[str(b.get("role"))] = PictureMarks(_rect(drawn), _anchor(box))
    plate = manifest.get("plate_box") or {}
    cross_marks = ov.pictures.get("frame_cross")
    for b in manifest.get("frame_boxes") or []:
        marks = ov.pictures.get(str(b.get("role")))
        if marks is not None and plate and b.get("frame_index") == plate.get("frame_index"):
            marks.plate = _rect(plate.get("box"))
    if cross_marks is not None and cross_marks.plate is None and plate:
        cross_marks.plate = _rect(plate.get("at_cross"))
    cross_anchor = cross_marks.anchor if cross_marks else None
    _arrow(ov, line, geometry.get("direction"), ov.crossing or cross_anchor)
    cross_t = _cross_t(manifest)
    shots = {b.get("role"): b for b in manifest.get("frame_boxes") or []}
    for role, picture in _PICTURE_OF_SIGNAL.items():
        t = (shots.get(picture) or {}).get("t")
        ov.signal_offsets[role] = None if cross_t is None or t is None else float(t) - cross_t
    signal = (manifest.get("decision") or {}).get("signal_at_cross") or {}
    ov.lower_bound = bool(signal.get("began_before_stream"))
    ov.clip_data = json.dumps(
        {
            "clip": manifest.get("clip"),
            "cross_t": cross_t,
            "scene": ov.scene,
            "stop_line": [list(p) for p in line],
            "track": [{"t": p["t"], "box": list(p["drawn"])} for p in track],
        },
        separators=(",", ":"),
    )
    return ov
