"""`dendo-edge check-config FILE`: validate a camera config and summarise it for the operator.

Besides the file itself it checks what the box needs at start and the file cannot hold: the
secrets (the variables the camera URLs and the broker password come from), the signing key
and the centre's receipt keys; with `--online`, that the broker accepts each camera worker's
user and password. Run `--online` before the workers start: with client ids bound to users,
its short clean login as a camera's user replaces that worker's session (the worker
reconnects, and receipts it had not yet received come again when it resends).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common.config.box import EdgeConfig
from common.config.camera import CameraConfig
from common.config.city import load_config
from common.config.sections import GROUPS
from common.config.yaml_file import ConfigError
from common.mqtt import new_client, refusal_hint


def load_camera_or_report(command: str, config: Path, camera_id: str) -> CameraConfig | None:
    """The camera a command was asked for, or None after printing why (bad file or id)."""
    try:
        return load_config(config).camera(camera_id)
    except (ConfigError, KeyError) as exc:
        print(f"dendo-edge {command}: {exc}", file=sys.stderr)
        return None


def check_config_main(
    path: Path,
    out: Callable[[str], Any] = print,
    *,
    box: str | None = None,
    online: bool = False,
    timeout_s: float = 10.0,
) -> int:
    """`dendo-edge check-config FILE`: a summary with warnings (0), or every problem (1);
    `box`: check the secrets of that box's cameras only; `online`: log in to the broker."""
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        for line in exc.problems:
            out(line)
        out(f"{path}: INVALID, {len(exc.problems)} problem(s)")
        return 1
    out(f"{path}: OK, {len(cfg.cameras)} camera(s) on {len(cfg.boxes)} edge box(es)")
    for each in cfg.boxes:
        ids = [c.id for c in cfg.cameras_on_box(each)]
        out(f"  {each}: {len(ids)} camera(s): {' '.join(ids)}")
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
    cameras = cfg.cameras_on_box(box) if box else list(cfg.cameras)
    if box and not cameras:
        out(f"{path}: no camera is on box {box} (boxes: {', '.join(cfg.boxes)})")
        return 1
    for line in box_warnings(cfg.edge) + [w for cam in cameras for w in camera_warnings(cam)]:
        out(f"warning: {line}")
    if online:
        failed = 0
        for cam in cameras:
            why = broker_login(cfg.edge, cam, timeout_s)
            failed += why is not None
            out(f"  {cam.id}: {why or 'the broker accepted the login'}")
        if failed:
            out(f"{path}: {failed} camera(s) cannot log in to the broker")
            return 1
    return 0


# Lamps narrower than this are often not read: on us_lake_cheyenne scaled to 480 px across,
# heads 8-9 px wide read unknown on every frame; at 640 px (11-12 px wide) they read, but
# JPEG-smeared they fall to unknown for most of a second (scripts/city_camera_copies.py).
SMALLEST_LAMP_PX = 10


def camera_warnings(cam: CameraConfig) -> list[str]:
    """What the file allows but makes a camera judge poorly: signal heads too small to read."""
    found = []
    for k, head in enumerate(cam.signal.heads if cam.signal.source == "vision" else []):
        w, h = head.roi[2], head.roi[3]
        lamp = w if head.layout == "vertical" else h
        if lamp < SMALLEST_LAMP_PX:
            found.append(
                f"camera {cam.id} signal.heads[{k}]: the head is {w}x{h} px, its lamps under"
                f" {SMALLEST_LAMP_PX} px across, often not read (the lamp unknown: no case);"
                " zoom the camera in on the approach or use the controller's feed"
            )
    return found


def box_warnings(edge: EdgeConfig) -> list[str]:
    """What would stop this box's workers or make them useless, apart from the file."""
    found = []
    broker = edge.broker
    if broker.username and broker.password() is None:
        found.append(
            f"${broker.password_env} is not set (edge.broker.password_env): the workers cannot"
            f" log in to the broker as {broker.username}; it is in /etc/dendo/mqtt.env"
            " (written by `dendo-central broker-config`)"
        )
    if not edge.key_file.is_file():
        found.append(f"edge.key_file {edge.key_file} does not exist (dendo-edge keygen)")
    if not edge.receipt_keys:
        found.append("edge.receipt_keys is empty: `dendo-edge run` refuses to start without them")
    for key in edge.receipt_keys:
        if not key.is_file():
            found.append(f"edge.receipt_keys: {key} does not exist")
    return found


def broker_login(edge: EdgeConfig, camera: CameraConfig, timeout_s: float) -> str | None:
    """Log in as the camera's worker and leave at once: None, or why it could not."""
    broker = edge.broker.for_camera(camera.box, camera.id)
    client = new_client(broker, broker.username or f"dendo-check-{camera.id}", where="check")
    answer: list[str] = []
    client.on_connect = lambda _c, _u, _f, rc, _p: answer.append(str(rc))
    where = f"{broker.host}:{broker.port}"
    try:
        client.connect(broker.host, broker.port, keepalive=10, clean_start=True)
    except (OSError, ValueError) as exc:  # refused, unreachable, TLS, a bad CA file
        return f"cannot reach the broker at {where}: {exc}"
    client.loop_start()
    deadline = time.monotonic() + timeout_s
    while not answer and time.monotonic() < deadline:
        time.sleep(0.05)
    client.disconnect()
    client.loop_stop()
    if not answer:
        return f"no answer from the broker at {where} within {timeout_s:g} s"
    if answer[0] != "Success":
        return f"the broker at {where} refused: {answer[0]}" + refusal_hint(answer[0], broker)
    return None


def add_cli(subparsers: Any) -> None:
    """Register `check-config FILE` on an argparse subparsers object (func takes the args)."""
    p = subparsers.add_parser("check-config", help="validate a camera config and summarise it")
    p.add_argument("file", type=Path, help="e.g. configs/cameras.yaml")
    p.add_argument("--box", help="check the secrets and logins of this box's cameras only")
    login = "log in to the broker as each camera's worker (before they run)"
    p.add_argument("--online", action="store_true", help=login)
    p.set_defaults(func=lambda args: check_config_main(args.file, box=args.box, online=args.online))
