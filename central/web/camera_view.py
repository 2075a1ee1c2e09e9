"""What the camera page draws: the camera's latest frame with its calibration over it.

The latest frame is the crossing picture of the camera's newest stored bundle (every stored
bundle was verified on ingest), served byte for byte as signed. Over it, in the frame's own
pixels (the SVG's viewBox is the picture's size, as on the evidence pages):
- the stop line and the travel direction the box judged by, from the bundle's manifest
  (`geometry`), drawn by central.web.evidence_view;
- the signal heads from the camera config the centre knows (manifests do not carry them),
  scaled from the config's `frame_size` to the picture's when they differ;
- the config's stop line too, dashed, when it is not where the box judged by (someone
  recalibrated since, or the config and the box disagree), with a note saying so.
Without a bundle the config's calibration is drawn on an empty frame of its size.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.db import Bundle, Case, EvidenceFile
from central.store import EvidenceStore
from central.web.evidence_view import Overlay, overlay_of
from central.web.queries import _image_size
from common.config.camera import CameraConfig
from common.config.city import CityConfig, UnknownCamera, load_config

log = logging.getLogger(__name__)
MOVED_OF_FRAME = 0.01  # a config line farther than this (of the frame's larger side) has moved

Rect = tuple[float, float, float, float]


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> CityConfig | None:
    try:
        return load_config(path)
    except Exception as exc:  # the page shows what it has; the config's own check names the fault
        log.error("camera config %s unreadable: %s", path, exc)
        return None


def city_config(path: Path | None) -> CityConfig | None:
    """The city's camera config (read again when the file changes), or None."""
    if path is None:
        return None
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    return _load(str(path), mtime)


def camera_config(path: Path | None, camera_id: str) -> CameraConfig | None:
    city = city_config(path)
    if city is None:
        return None
    try:
        return city.camera(camera_id)
    except UnknownCamera:
        return None


@dataclass
class Picture:
    """The frame (or an empty canvas) and everything drawn over it."""

    width: int
    height: int
    url: str | None = None  # None: no frame yet, the calibration on an empty canvas
    overlay: Overlay = field(default_factory=Overlay)
    heads: list[Rect] = field(default_factory=list)
    config_line: str | None = None  # the config's stop line, when it moved
    case_id: int | None = None  # the case whose crossing frame this is
    bundle: Bundle | None = None


def _config_line(cfg: CameraConfig, size: tuple[int, int]) -> list[list[float]]:
    """The config's stop line, scaled to a picture of `size`."""
    sx, sy = _scale(cfg, size)
    return [[x * sx, y * sy] for x, y in cfg.stop_line]


def _config_overlay(cfg: CameraConfig, size: tuple[int, int]) -> Overlay:
    line = _config_line(cfg, size)
    return overlay_of({"geometry": {"frame_size": list(size), "stop_line": line,
                                    "direction": list(cfg.direction)}})  # fmt: skip


def _scale(cfg: CameraConfig, size: tuple[int, int]) -> tuple[float, float]:
    if cfg.frame_size is None:
        return 1.0, 1.0
    return size[0] / cfg.frame_size[0], size[1] / cfg.frame_size[1]


def _heads(cfg: CameraConfig, size: tuple[int, int]) -> list[Rect]:
    sx, sy = _scale(cfg, size)
    return [(x * sx, y * sy, w * sx, h * sy) for x, y, w, h in (hd.roi for hd in cfg.signal.heads)]


def _moved(judged: list[list[float]], configured: list[list[float]], size: tuple[int, int]) -> bool:
    if len(judged) != len(configured):
        return True
    limit = MOVED_OF_FRAME * max(size)
    return any(math.dist(a, b) > limit for a, b in zip(judged, configured, strict=True))


def latest_bundle(db: Session, camera_id: str) -> tuple[Bundle, int | None] | None:
    """The camera's newest stored bundle (by crossing time) and its case."""
    found = db.execute(
        select(Bundle, Case.id)
        .outerjoin(Case, Case.violation_id == Bundle.violation_id)
        .where(Bundle.camera_id == camera_id)
        .order_by(Bundle.crossed_at.desc())
        .limit(1)
    ).first()
    return None if found is None else (found[0], found[1])


def picture_of(
    db: Session, camera_id: str, cfg: CameraConfig | None, store: EvidenceStore
) -> Picture | None:
    """The latest frame with the calibration over it; None when there is neither a frame
    nor a config to draw."""
    latest = latest_bundle(db, camera_id)
    frame = None
    if latest is not None:
        frame = db.scalars(
            select(EvidenceFile).where(
                EvidenceFile.violation_id == latest[0].violation_id,
                EvidenceFile.role == "frame_cross",
            )
        ).first()
    if frame is None or latest is None:
        if cfg is None or cfg.frame_size is None:
            return None
        size = (int(cfg.frame_size[0]), int(cfg.frame_size[1]))
        pic = Picture(size[0], size[1], overlay=_config_overlay(cfg, size))
        pic.heads = _heads(cfg, size)
        return pic
    bundle, case_id = latest
    width, height = _image_size(store.absolute(frame.path))
    geometry = (bundle.manifest or {}).get("geometry") or {}
    scene = tuple(geometry.get("frame_size") or ()) or (width, height)
    size = (int(scene[0]), int(scene[1]))
    pic = Picture(width, height, f"/evidence/{frame.id}", case_id=case_id, bundle=bundle)
    if geometry:
        pic.overlay = overlay_of({"geometry": geometry})
    if cfg is not None:
        line = _config_line(cfg, size)
        if not geometry:
            pic.overlay = _config_overlay(cfg, size)
        elif _moved(geometry.get("stop_line") or [], line, size):
            pic.config_line = " ".join(f"{x:.1f},{y:.1f}" for x, y in line)
        pic.heads = _heads(cfg, size)
    return pic
