"""What a bundle records beside its pictures so the review page can draw over them: the
offender's box on each picture, its track around the crossing, the camera's stop line and
direction, where the plate crop was cut, and how the clip's time maps to the stream's.

The signed JPEGs stay as captured (an officer or a court must be able to see the untouched
frame); these facts are signed in the manifest instead, and the page draws them. Boxes are
the detector's own at processed frames, never the tracker's predictions while a vehicle was
lost, so what is drawn is what was seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from common.bundle import MAX_TRACK_POINTS
from edge.perception.geometry import Box
from edge.perception.plate.track_plates import PlateSpot
from edge.pipeline.clip import Cut
from edge.pipeline.rule import StopLine
from edge.pipeline.source import Frame
from edge.pipeline.track import Track, Tracker, TrackPoint


def _rounded(values: Iterable[float], digits: int = 1) -> list[float]:
    return [round(float(v), digits) for v in values]


def track_of(trackers: Iterable[Tracker], track_id: int) -> Track | None:
    """The track with this id, live or removed by the last update, on any of the trackers."""
    for tracker in trackers:
        for track in [*tracker.tracks, *tracker.removed]:
            if track.id == track_id:
                return track
    return None


def _seen(track: Track | None) -> list[TrackPoint]:
    return [p for p in track.history if p.matched] if track else []


def _around(points: Sequence[TrackPoint], frame_index: int) -> tuple[TrackPoint, TrackPoint, float]:
    """The detections either side of `frame_index` and how far between them it lies (past an
    end of the track: the end detection twice, at 0)."""
    before = [p for p in points if p.frame_index <= frame_index]
    after = [p for p in points if p.frame_index >= frame_index]
    if not before or not after:
        end = (before or after)[-1 if before else 0]
        return end, end, 0.0
    a, b = before[-1], after[0]
    if a.frame_index == b.frame_index:
        return a, b, 0.0
    return a, b, (frame_index - a.frame_index) / (b.frame_index - a.frame_index)


def _between(u: Sequence[float], v: Sequence[float], f: float) -> list[float]:
    return [p + (q - p) * f for p, q in zip(u, v, strict=True)]


def box_near(track: Track | None, frame_index: int, default: Box) -> list[float]:
    """The track's box on frame `frame_index`: its detection there, or between the two
    detections around it, in proportion (the picture is rarely a detection frame: drawn with
    the nearest detection's box, a moving vehicle would sit off its box); past either end of
    the track, the detection nearest to it. No detection at all: `default`."""
    points = _seen(track)
    if not points:
        return _rounded(default)
    a, b, f = _around(points, frame_index)
    return _rounded(_between(a.box, b.box, f))


def rider_near(track: Track | None, frame_index: int) -> list[float] | None:
    """The rider's box on frame `frame_index`, placed like `box_near`'s: between the riders of
    the two detections around it; when only one of them saw the rider, that rider moved with
    the machine's box (a rider sits still on the machine). None when neither saw one."""
    points = _seen(track)
    if not points:
        return None
    a, b, f = _around(points, frame_index)
    if a.rider is not None and b.rider is not None:
        return _rounded(_between(a.rider, b.rider, f))
    seen = a if a.rider is not None else b
    if seen.rider is None:
        return None
    box = _between(a.box, b.box, f)
    dx = (box[0] + box[2] - seen.box[0] - seen.box[2]) / 2
    dy = (box[1] + box[3] - seen.box[1] - seen.box[3]) / 2
    x1, y1, x2, y2 = seen.rider
    return _rounded((x1 + dx, y1 + dy, x2 + dx, y2 + dy))


def frame_boxes(
    track: Track | None, cross_frame: int, pictures: Sequence[tuple[str, Frame]], default: Box
) -> list[dict[str, Any]]:
    """The manifest's frame_boxes: the offender's box on each picture (`role`, frame), and the
    rider's box on it when the offender is a two-wheeler whose rider was seen."""
    return [
        {
            "role": f"frame_{role}",
            "frame_index": f.index,
            "t": round(f.t, 3),
            "box": box_near(track, f.index, default),
            "offset_frames": f.index - cross_frame,
            "rider": rider_near(track, f.index),
        }
        for role, f in pictures
    ]


def track_boxes(
    track: Track | None, start_t: float, end_t: float, limit: int = MAX_TRACK_POINTS
) -> list[dict[str, Any]] | None:
    """The offender's detected boxes from `start_t` to `end_t` (stream seconds) and the one
    just outside each end (a picture between two detections takes the nearer one's box, so
    the track reaches every picture), at most `limit` of them, spread evenly when there are
    more (a slow vehicle over a long clip)."""
    seen = _seen(track)
    first = next((i for i, p in enumerate(seen) if p.t >= start_t), len(seen))
    last = max((i for i, p in enumerate(seen) if p.t <= end_t), default=-1)
    points = seen[max(0, first - 1) : last + 2]
    if not points:
        return None
    if len(points) > limit:
        last = len(points) - 1
        points = [points[round(i * last / (limit - 1))] for i in range(limit)]
    return [
        {
            "frame_index": p.frame_index,
            "t": round(p.t, 3),
            "box": _rounded(p.box),
            "rider": None if p.rider is None else _rounded(p.rider),
        }
        for p in points
    ]


def geometry(stop_line: StopLine, picture: np.ndarray) -> dict[str, Any]:
    """The stop line and travel direction the rule judged by, in the picture's pixels."""
    h, w = picture.shape[:2]
    return {
        "frame_size": [int(w), int(h)],
        "stop_line": [_rounded(p) for p in stop_line.line.coords],
        "direction": _rounded(stop_line.direction, 4),
    }


def plate_box(spot: PlateSpot | None, cross_box: Sequence[float] | None) -> dict[str, Any] | None:
    """Where the plate crop was cut; `at_cross`: the same place on the vehicle, carried with
    the vehicle's box to the crossing picture (the plate was often read on another frame)."""
    if spot is None:
        return None
    out: dict[str, Any] = {"frame_index": spot.frame_index, "box": _rounded(spot.box)}
    vx1, vy1, vx2, vy2 = spot.vehicle
    if cross_box is not None and vx2 > vx1 and vy2 > vy1:
        cx1, cy1, cx2, cy2 = cross_box
        sx, sy = (cx2 - cx1) / (vx2 - vx1), (cy2 - cy1) / (vy2 - vy1)
        x1, y1, x2, y2 = spot.box
        moved = (cx1 + (x1 - vx1) * sx, cy1 + (y1 - vy1) * sy,
                 cx1 + (x2 - vx1) * sx, cy1 + (y2 - vy1) * sy)  # fmt: skip
        out["at_cross"] = _rounded(moved)
    return out


def clip_info(cut: Cut | None) -> dict[str, Any] | None:
    if cut is None:
        return None
    return {"start_t": round(cut.start_t, 3), "fps": round(cut.fps, 3), "frames": cut.frames}


def track_window(pictures: Sequence[Frame], cut: Cut | None) -> tuple[float, float]:
    """Stream seconds the track covers: from the earliest picture or clip frame to the last."""
    start, end = min(f.t for f in pictures), max(f.t for f in pictures)
    if cut is not None:
        start = min(start, cut.start_t)
        end = max(end, cut.start_t + (cut.frames - 1) / cut.fps)
    return start, end
