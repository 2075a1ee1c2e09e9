"""The city's camera config file: `defaults:`, the edge-box settings and every camera.

Every camera inherits `defaults:` deep-merged (overriding one rule threshold keeps the
others); errors name the file, the camera, the field and the line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, model_validator

from common.config.box import EdgeConfig
from common.config.camera import ID_PATTERNS, CameraConfig
from common.config.sections import DefaultsConfig
from common.config.signal import SignalControllerConfig
from common.config.yaml_file import ConfigError, fields_error, format_errors, read_yaml
from common.strict import StrictModel


class UnknownCamera(KeyError):
    """KeyError whose text reads well (a plain KeyError prints its message quoted)."""

    def __str__(self) -> str:
        return str(self.args[0])


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        both = isinstance(v, dict) and isinstance(out.get(k), dict)
        out[k] = _deep_merge(out[k], v) if both else v
    return out


class CityConfig(StrictModel):
    defaults: DefaultsConfig = DefaultsConfig()
    edge: EdgeConfig = EdgeConfig()
    signal_controllers: list[SignalControllerConfig] = Field(default_factory=list)
    cameras: Annotated[list[CameraConfig], Field(min_length=1)]

    @model_validator(mode="before")
    @classmethod
    def _inherit_defaults(cls, data: Any) -> Any:
        """Merge defaults under each camera; bad defaults are reported once, not per camera."""
        if not isinstance(data, dict):
            return data
        data = {k: v for k, v in data.items() if not (k == "defaults" and v is None)}
        raw, cams = data.get("defaults", {}), data.get("cameras")
        try:
            DefaultsConfig.model_validate(raw)
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
        known = {c.intersection for c in self.signal_controllers}
        for i, cam in enumerate(self.cameras):
            ctl = cam.signal.controller
            if ctl is not None and ctl.intersection not in known:
                problems.append((
                    f"cameras.{i}.signal.controller.intersection",
                    f"{ctl.intersection} is not in signal_controllers (its public keys)",
                ))  # fmt: skip
        if problems:
            raise fields_error(problems)
        return self

    def signal_controller(self, intersection: str) -> SignalControllerConfig:
        """The registered controller of an intersection (validated to exist for every
        camera on a controller)."""
        return next(c for c in self.signal_controllers if c.intersection == intersection)

    @property
    def boxes(self) -> list[str]:
        return sorted({c.box for c in self.cameras})

    def camera(self, camera_id: str) -> CameraConfig:
        for cam in self.cameras:
            if cam.id == camera_id:
                return cam
        ids = [c.id for c in self.cameras]
        padded = re.sub(r"\d+$", lambda m: m[0].zfill(2), camera_id.strip().upper())
        close = [padded] if padded in ids else []  # "mt-7" means MT-07
        close += [i for i in difflib.get_close_matches(camera_id, ids, n=3) if i not in close]
        known = ", ".join(close + [i for i in ids if i not in close])
        raise UnknownCamera(f"no camera {camera_id!r} in this config; known: {known}")

    def cameras_on_box(self, box: str) -> list[CameraConfig]:
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
