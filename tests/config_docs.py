"""Camera config documents for the tests: a valid camera to vary, and reading the problems."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from common.config.city import load_config
from common.config.yaml_file import ConfigError
from tests.paths import SHIPPED_CAMERAS

SHIPPED = SHIPPED_CAMERAS


CAMERA: dict[str, Any] = {
    "id": "MT-07",
    "name": "Ấp Bắc – Nguyễn Trãi, approach from the west",
    "location": {"lat": 10.36, "lon": 106.356},
    "box": "EB-02",
    "source": "rtsp://${CAM_USER}:${CAM_PASS}@10.20.2.17:554/Streaming/Channels/101",
    "frame_size": [1920, 1080],
    "stop_line": [[412, 610], [1290, 598]],
    "direction": [0, -1],
    "signal": {"source": "vision", "heads": [{"roi": [1490, 10, 40, 110], "layout": "vertical"}]},
}


def camera(**changes: Any) -> dict[str, Any]:
    cam = copy.deepcopy(CAMERA)
    cam.update(changes)
    return cam


def write(tmp_path: Path, doc: Any, name: str = "cams.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value.problems


def assert_problem(problems: list[str], *parts: str) -> None:
    hits = [p for p in problems if all(part in p for part in parts)]
    assert hits, f"expected a problem mentioning {parts!r}; got:\n" + "\n".join(problems)
