"""Camera configuration (`configs/cameras.yaml`): one file for the city, validated on load.

Operators edit this file by hand for 48 cameras, so a typo must stop the load with the file,
the camera and the field named, never surface later as a wrong decision. Every camera
inherits `defaults:` (deep-merged: overriding one rule threshold keeps the others).
Credentials stay out of the file and out of memory dumps: `${VAR}` placeholders in a source
are expanded only by `CameraConfig.resolved_source()`, when the stream is opened.
Imports no computer vision, so the central service can read the same file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import Field, PositiveInt, field_validator, model_validator

from common.config.sections import (
    DetectorConfig,
    EvidenceConfig,
    PlateConfig,
    RuleConfig,
    TrackerConfig,
)
from common.config.signal import SignalConfig
from common.config.yaml_file import ConfigError, fields_error
from common.strict import StrictModel

ID_PATTERNS = {"id": re.compile(r"[A-Z]{2,4}-\d{2,3}\Z"), "box": re.compile(r"EB-\d{2,3}\Z")}
_VAR = re.compile(r"\$\{([^}]*)\}")
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SECRET_QUERY = re.compile(r"(?i)([?&](?:password|passwd|pass|pwd|token|key|auth)=)[^&#]*")

LIVE_SCHEDULE_NEEDS_EPOCH = (
    "a live camera on a fixed-time plan needs epoch, a wall-clock instant at cycle position 0 "
    "(e.g. 2026-01-05T06:00:00+07:00), to know where in the cycle its stream starts"
)

Coord = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Point = tuple[Coord, Coord]
Polygon = Annotated[list[Point], Field(min_length=3)]


class LocationConfig(StrictModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class RightTurnOnRedConfig(StrictModel):
    exit_zone: Polygon


class ExemptConfig(StrictModel):
    right_turn_on_red: RightTurnOnRedConfig | None = None


class CameraConfig(StrictModel):
    """One camera: where it is, what it streams, what the operator drew, effective settings."""

    id: str
    name: str = Field(min_length=1)
    location: LocationConfig
    box: str
    source: str = Field(min_length=1)
    frame_size: tuple[PositiveInt, PositiveInt] | None = None
    stop_line: Annotated[list[Point], Field(min_length=2)]  # a polyline, usually two points
    direction: tuple[float, float]  # travel direction that crosses the line
    signal: SignalConfig
    exempt: ExemptConfig | None = None
    roi: Polygon | None = None  # detection region; [x, y, w, h] is accepted as a rectangle
    detector: DetectorConfig = DetectorConfig()
    tracker: TrackerConfig = TrackerConfig()
    rule: RuleConfig = RuleConfig()
    plate: PlateConfig = PlateConfig()
    evidence: EvidenceConfig = EvidenceConfig()

    @field_validator("id", "box")
    @classmethod
    def _ids(cls, v: str, info: Any) -> str:
        if not ID_PATTERNS[info.field_name].match(v):
            example = (
                "MT-07 (2-4 capitals, dash, 2-3 digits)" if info.field_name == "id" else "EB-01"
            )
            raise ValueError(f"must look like {example}, got {v!r}")
        return v

    @field_validator("source")
    @classmethod
    def _source(cls, v: str) -> str:
        bad = [n for n in _VAR.findall(v) if not _VAR_NAME.match(n)]
        if bad or "${" in _VAR.sub("", v):
            raise ValueError("placeholders must read ${NAME} with NAME an environment variable")
        scheme = v.split("://", 1)[0].lower() if "://" in v else "file"
        if scheme not in ("rtsp", "rtsps", "http", "https", "file"):
            raise ValueError(f"unsupported scheme {scheme!r} (rtsp, http(s), file or a path)")
        return v

    @field_validator("direction")
    @classmethod
    def _direction(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not all(math.isfinite(c) for c in v) or v[0] == 0 == v[1]:
            raise ValueError(f"{list(v)} has no length; give the travel vector, e.g. [0, -1]")
        return v

    @field_validator("roi", mode="before")
    @classmethod
    def _rect_to_polygon(cls, v: Any) -> Any:
        if isinstance(v, list) and len(v) == 4 and all(isinstance(c, int | float) for c in v):
            x, y, w, h = v
            if w <= 0 or h <= 0:
                raise ValueError(f"rectangle [x, y, w, h] needs w, h > 0, got {v}")
            return [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
        return v

    @model_validator(mode="after")
    def _geometry(self) -> CameraConfig:
        problems: list[tuple[str, str]] = []
        (x0, y0), (x1, y1) = self.stop_line[0], self.stop_line[-1]
        chord = math.hypot(x1 - x0, y1 - y0)
        ux, uy = self.unit_direction
        if chord == 0:
            problems.append(("stop_line", "its ends coincide; draw it across the lanes"))
        elif abs(ux * (y1 - y0) - uy * (x1 - x0)) / chord < 0.17:  # within ~10 degrees
            problems.append(("direction", "runs along the stop line; it must cross it"))
        schedule = self.signal.schedule
        if schedule is not None and schedule.epoch is None and self.source_kind != "file":
            problems.append(("signal.schedule.epoch", LIVE_SCHEDULE_NEEDS_EPOCH))
        if self.frame_size is not None:
            w, h = self.frame_size
            zone = self.exempt.right_turn_on_red if self.exempt else None
            polylines = {"stop_line": self.stop_line, "roi": self.roi}
            polylines["exempt.right_turn_on_red.exit_zone"] = zone.exit_zone if zone else None
            for key, points in polylines.items():
                for i, (x, y) in enumerate(points or []):
                    if x > w or y > h:
                        problems.append((f"{key}.{i}", f"[{x:g}, {y:g}] is outside {w}x{h}"))
            for i, head in enumerate(self.signal.heads):
                hx, hy, hw, hh = head.roi
                if hx + hw > w or hy + hh > h:
                    problems.append((f"signal.heads.{i}.roi", f"reaches past frame {w}x{h}"))
        if problems:
            raise fields_error(problems)
        return self

    @property
    def roi_rect(self) -> tuple[int, int, int, int] | None:
        """The detection region's bounding rectangle (x, y, w, h): what the detector reads."""
        if not self.roi:
            return None
        xs, ys = [p[0] for p in self.roi], [p[1] for p in self.roi]
        return (int(min(xs)), int(min(ys)), int(max(xs) - min(xs)), int(max(ys) - min(ys)))

    def detection_rect(self, width: int, height: int) -> tuple[int, int, int, int] | None:
        """What the detector reads of a `width`x`height` frame (x, y, w, h; None: all of it):
        the drawn `roi`, else the band around the stop line (detector.region)."""
        if self.roi:
            return self.roi_rect
        if self.detector.region == "frame":
            return None
        ux, uy = self.unit_direction
        along, across = self.detector.band_along, self.detector.band_across
        mx = width * (along * abs(ux) + across * abs(uy))
        my = height * (along * abs(uy) + across * abs(ux))
        xs, ys = [p[0] for p in self.stop_line], [p[1] for p in self.stop_line]
        x0, x1 = max(0, int(min(xs) - mx)), min(width, math.ceil(max(xs) + mx))
        y0, y1 = max(0, int(min(ys) - my)), min(height, math.ceil(max(ys) + my))
        return (x0, y0, x1 - x0, y1 - y0)

    @property
    def unit_direction(self) -> tuple[float, float]:
        """The travel direction as a unit vector."""
        n = math.hypot(*self.direction)
        return (self.direction[0] / n, self.direction[1] / n)

    @property
    def source_kind(self) -> Literal["rtsp", "http", "file"]:
        scheme = self.source.split("://", 1)[0].lower() if "://" in self.source else "file"
        return "rtsp" if "rtsp" in scheme else "http" if "http" in scheme else "file"

    @property
    def env_vars(self) -> tuple[str, ...]:
        """Environment variables the source needs, in order of first use."""
        return tuple(dict.fromkeys(_VAR.findall(self.source)))

    def missing_env(self, env: Mapping[str, str] | None = None) -> list[str]:
        env = os.environ if env is None else env
        return [v for v in self.env_vars if v not in env]

    def _userinfo_end(self) -> int:
        start = self.source.find("://")
        return self.source.rfind("@", start + 3) if start >= 0 else -1

    def resolved_source(self, env: Mapping[str, str] | None = None) -> str:
        """The source with ${VAR} expanded: only to open the stream, never to log.

        Values inside the URL's user:password part are percent-encoded, so a password with
        '@', ':' or '#' still makes a valid URL."""
        env = os.environ if env is None else env
        if missing := self.missing_env(env):
            names = ", ".join(missing)
            raise ConfigError([f"camera {self.id}: source needs environment variable {names}"])
        at = self._userinfo_end()

        def expand(m: re.Match[str]) -> str:
            return quote(env[m[1]], safe="") if m.start() < at else env[m[1]]

        return _VAR.sub(expand, self.source)

    def redacted_source(self) -> str:
        """The source with user:password and secret-looking query values masked, for logs."""
        s, at = self.source, self._userinfo_end()
        if at >= 0:
            s = s[: s.find("://") + 3] + "***:***" + s[at:]
        return _SECRET_QUERY.sub(r"\1***", s)


def config_hash(camera: CameraConfig) -> str:
    """sha256 of the camera's effective settings as canonical JSON, for evidence manifests.

    The source is hashed unexpanded, so no secret enters the hash."""
    doc = camera.model_dump(mode="json")
    blob = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
