"""`dendo-edge check-config FILE`: validate a camera config and summarise it for the operator."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common.config.camera import CameraConfig
from common.config.city import load_config
from common.config.sections import GROUPS
from common.config.yaml_file import ConfigError


def load_camera_or_report(command: str, config: Path, camera_id: str) -> CameraConfig | None:
    """The camera a command was asked for, or None after printing why (bad file or id)."""
    try:
        return load_config(config).camera(camera_id)
    except (ConfigError, KeyError) as exc:
        print(f"dendo-edge {command}: {exc}", file=sys.stderr)
        return None


def check_config_main(path: Path, out: Callable[[str], Any] = print) -> int:
    """`dendo-edge check-config FILE`: a summary with warnings (0), or every problem (1)."""
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        for line in exc.problems:
            out(line)
        out(f"{path}: INVALID, {len(exc.problems)} problem(s)")
        return 1
    out(f"{path}: OK, {len(cfg.cameras)} camera(s) on {len(cfg.boxes)} edge box(es)")
    for box in cfg.boxes:
        ids = [c.id for c in cfg.cameras_on_box(box)]
        out(f"  {box}: {len(ids)} camera(s): {' '.join(ids)}")
    kinds = Counter(c.source_kind for c in cfg.cameras)
    signals = Counter(c.signal.source for c in cfg.cameras)
    for title, count in (("sources", kinds), ("signal", signals)):
        out(f"  {title}: " + ", ".join(f"{k} {n}" for k, n in sorted(count.items())))
    for cam in cfg.cameras:
        if changed := [g for g in GROUPS if getattr(cam, g) != getattr(cfg.defaults, g)]:
            out(f"  {cam.id} overrides {', '.join(changed)}")
    needed: dict[str, list[str]] = {}
    for cam in cfg.cameras:
        for var in cam.missing_env():
            needed.setdefault(var, []).append(cam.id)
    for var, ids in needed.items():
        out(f"warning: environment variable {var} is not set ({len(ids)} camera source(s) need it)")
    return 0


def add_cli(subparsers: Any) -> None:
    """Register `check-config FILE` on an argparse subparsers object (func takes the args)."""
    p = subparsers.add_parser("check-config", help="validate a camera config and summarise it")
    p.add_argument("file", type=Path, help="e.g. configs/cameras.yaml")
    p.set_defaults(func=lambda args: check_config_main(args.file))
