"""Camera configuration (`configs/cameras.yaml`): one file for the city, validated on load.

Operators edit this file by hand for 48 cameras, so a typo must stop the load with the file,
the camera and the field named, never surface later as a wrong decision. Every camera
inherits `defaults:` (deep-merged: overriding one rule threshold keeps the others).
Credentials stay out of the file and out of memory dumps: `${VAR}` placeholders in a source
are expanded only by `Camera.resolved_source()`, when the stream is opened.
Imports no computer vision, so the central service can read the same file.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from common.config.box import EdgeSettings
from common.config.yaml_file import ConfigError, format_errors, read_yaml

ID_PATTERNS = {"id": re.compile(r"[A-Z]{2,4}-\d{2,3}\Z"), "box": re.compile(r"EB-\d{2,3}\Z")}
_VAR = re.compile(r"\$\{([^}]*)\}")
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SECRET_QUERY = re.compile(r"(?i)([?&](?:password|passwd|pass|pwd|token|key|auth)=)[^&#]*")


class UnknownCamera(KeyError):
    """KeyError whose text reads well (a plain KeyError prints its message quoted)."""

    def __str__(self) -> str:
        return str(self.args[0])


def _fields_error(problems: list[tuple[str, str]]) -> PydanticCustomError:
    """Cross-field problems, each with its sub-path, so the report still names the field."""
    text = "; ".join(f"{f}: {m}" for f, m in problems)
    return PydanticCustomError("dendo_fields", "{text}", {"text": text, "problems": problems})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Coord = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Point = tuple[Coord, Coord]
Polygon = Annotated[list[Point], Field(min_length=3)]


# --- defaults: every camera inherits these groups; any key can be overridden per camera ---


Engine = Literal["openvino", "onnxruntime"]  # what runs a model (edge.perception.onnx_session)


class Detector(_Strict):
    kind: Literal["yolo", "motion"] = "yolo"
    conf: float = Field(0.25, gt=0, lt=1)
    iou: float = Field(0.45, gt=0, lt=1)
    threads: int = Field(2, ge=1, le=32)
    engine: Engine = "openvino"  # runs the vehicle and plate detectors
    detect_fps: float = Field(5.0, gt=0, le=60)  # detections/s while a vehicle nears the line
    idle_detect_fps: float = Field(2.0, gt=0, le=60)  # detections/s otherwise
    classes: Annotated[
        list[Literal["car", "motorcycle", "bus", "truck", "bicycle"]], Field(min_length=1)
    ] = ["car", "motorcycle", "bus", "truck"]


class Tracker(_Strict):
    high_thresh: float = Field(0.35, gt=0, le=1)
    low_thresh: float = Field(0.1, gt=0, le=1)
    match_iou: float = Field(0.2, gt=0, lt=1)
    max_lost_s: float = Field(1.5, gt=0)
    min_hits: int = Field(2, ge=1)


class Rule(_Strict):
    min_frames_past_line: int = Field(2, ge=1)
    min_distance_px: float = Field(12.0, ge=0)
    amber_policy: Literal["ignore", "violation", "grace"] = "ignore"
    amber_grace_s: float = Field(1.0, ge=0)
    min_seconds_into_red: float = Field(0.3, ge=0)
    debounce_frames: int = Field(3, ge=1)


class Plate(_Strict):
    crops_to_read: int = Field(4, ge=1, le=16)
    min_confidence: float = Field(0.5, ge=0, le=1)
    engine: Engine = "openvino"  # runs the text recogniser


class Evidence(_Strict):
    frames_before_s: float = Field(1.0, ge=0, le=10)
    frames_after_s: float = Field(1.0, ge=0, le=10)
    jpeg_quality: int = Field(90, ge=1, le=100)
    clip: bool = False
    clip_seconds: float = Field(6.0, gt=0, le=60)


class Defaults(_Strict):
    detector: Detector = Detector()
    tracker: Tracker = Tracker()
    rule: Rule = Rule()
    plate: Plate = Plate()
    evidence: Evidence = Evidence()


GROUPS: tuple[str, ...] = tuple(Defaults.model_fields)


# --- per camera: what the operator draws once ---


class Location(_Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Head(_Strict):
    roi: tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)], PositiveInt, PositiveInt]
    layout: Literal["vertical", "horizontal"] = "vertical"


class Schedule(_Strict):
    """Fixed-time plan: red for red_s from red_start_s in each cycle, amber just before it.

    offset_s: cycle position at stream time 0 (replays); epoch: a wall-clock instant at cycle
    position 0 (live streams)."""

    cycle_s: float = Field(gt=0)
    red_start_s: float = Field(ge=0)
    red_s: float = Field(gt=0)
    amber_s: float = Field(3.0, ge=0)
    offset_s: float = 0.0
    epoch: AwareDatetime | None = None

    @model_validator(mode="after")
    def _fits(self) -> Schedule:
        if self.red_start_s >= self.cycle_s:
            raise _fields_error([("red_start_s", f"must be less than cycle_s {self.cycle_s:g}")])
        if self.red_s + self.amber_s >= self.cycle_s:
            raise _fields_error([("red_s", "red_s + amber_s must leave some of the cycle green")])
        return self


class Controller(_Strict):
    intersection: str = Field(min_length=1)
    phase: int = Field(ge=1)


class Signal(_Strict):
    source: Literal["vision", "controller", "schedule"]
    heads: list[Head] = []
    schedule: Schedule | None = None
    controller: Controller | None = None

    @model_validator(mode="after")
    def _source_has_what_it_needs(self) -> Signal:
        problems = []
        if self.source == "vision" and not self.heads:
            problems.append(("heads", "source is vision: draw at least one head (roi, layout)"))
        for key in ("schedule", "controller"):
            given = getattr(self, key) is not None
            if self.source == key and not given:
                problems.append((key, f"source is {key}: this block is required"))
            elif given and self.source != key:
                problems.append((key, f"given but source is {self.source}; remove one of them"))
        if problems:
            raise _fields_error(problems)
        return self


class RightTurnOnRed(_Strict):
    exit_zone: Polygon


class Exempt(_Strict):
    right_turn_on_red: RightTurnOnRed | None = None


class Camera(_Strict):
    """One camera: where it is, what it streams, what the operator drew, effective settings."""

    id: str
    name: str = Field(min_length=1)
    location: Location
    box: str
    source: str = Field(min_length=1)
    frame_size: tuple[PositiveInt, PositiveInt] | None = None
    stop_line: Annotated[list[Point], Field(min_length=2)]  # a polyline, usually two points
    direction: tuple[float, float]  # travel direction that crosses the line
    signal: Signal
    exempt: Exempt | None = None
    roi: Polygon | None = None  # detection region; [x, y, w, h] is accepted as a rectangle
    detector: Detector = Detector()
    tracker: Tracker = Tracker()
    rule: Rule = Rule()
    plate: Plate = Plate()
    evidence: Evidence = Evidence()

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
    def _geometry(self) -> Camera:
        problems: list[tuple[str, str]] = []
        (x0, y0), (x1, y1) = self.stop_line[0], self.stop_line[-1]
        chord = math.hypot(x1 - x0, y1 - y0)
        ux, uy = self.unit_direction
        if chord == 0:
            problems.append(("stop_line", "its ends coincide; draw it across the lanes"))
        elif abs(ux * (y1 - y0) - uy * (x1 - x0)) / chord < 0.17:  # within ~10 degrees
            problems.append(("direction", "runs along the stop line; it must cross it"))
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
            raise _fields_error(problems)
        return self

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


def config_hash(camera: Camera) -> str:
    """sha256 of the camera's effective settings as canonical JSON, for evidence manifests.

    The source is hashed unexpanded, so no secret enters the hash."""
    doc = camera.model_dump(mode="json")
    blob = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        both = isinstance(v, dict) and isinstance(out.get(k), dict)
        out[k] = _deep_merge(out[k], v) if both else v
    return out


class CityConfig(_Strict):
    defaults: Defaults = Defaults()
    edge: EdgeSettings = EdgeSettings()
    cameras: Annotated[list[Camera], Field(min_length=1)]

    @model_validator(mode="before")
    @classmethod
    def _inherit_defaults(cls, data: Any) -> Any:
        """Merge defaults under each camera; bad defaults are reported once, not per camera."""
        if not isinstance(data, dict):
            return data
        data = {k: v for k, v in data.items() if not (k == "defaults" and v is None)}
        raw, cams = data.get("defaults", {}), data.get("cameras")
        try:
            Defaults.model_validate(raw)
        except ValidationError:
            return data
        if isinstance(cams, list):
            data["cameras"] = [_deep_merge(raw, c) if isinstance(c, dict) else c for c in cams]
        return data

    @model_validator(mode="after")
    def _unique_ids(self) -> CityConfig:
        first: dict[str, int] = {}
        problems = []
        for i, cam in enumerate(self.cameras):
            if cam.id in first:
                problems.append((f"cameras.{i}.id", f"duplicate {cam.id} (index {first[cam.id]})"))
            first.setdefault(cam.id, i)
        if problems:
            raise _fields_error(problems)
        return self

    @property
    def boxes(self) -> list[str]:
        return sorted({c.box for c in self.cameras})

    def camera(self, camera_id: str) -> Camera:
        for cam in self.cameras:
            if cam.id == camera_id:
                return cam
        ids = [c.id for c in self.cameras]
        padded = re.sub(r"\d+$", lambda m: m[0].zfill(2), camera_id.strip().upper())
        close = [padded] if padded in ids else []  # "mt-7" means MT-07
        close += [i for i in difflib.get_close_matches(camera_id, ids, n=3) if i not in close]
        known = ", ".join(close + [i for i in ids if i not in close])
        raise UnknownCamera(f"no camera {camera_id!r} in this config; known: {known}")

    def cameras_on_box(self, box: str) -> list[Camera]:
        return [c for c in self.cameras if c.box == box]


# --- loading ---


def load_config(path: str | Path) -> CityConfig:
    """Read and validate a camera config: the city file, or a one-camera file for replay."""
    path = Path(path)
    data, root = read_yaml(path)
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ConfigError([f"{path}: expected a mapping with `cameras:`, got {got}"])
    try:
        return CityConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, data, path, root, ID_PATTERNS["id"])) from None
