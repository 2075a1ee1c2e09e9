"""`dendo-edge outbox`: what the centre quarantined and the box keeps aside, and what to do.

A `quarantined` receipt never makes evidence vanish: the bundle stays in the camera's outbox,
not sent again by itself, until an operator looks at the reason and either sends it again
(`release`, once the centre is mended) or forgets it (`drop`, with a reason that is kept).
Safe while the daemon runs: the outbox is SQLite, and a released bundle goes out within a
second.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from common.config.city import load_config
from common.config.yaml_file import ConfigError
from edge.delivery.outbox import Outbox


def outbox_main(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
        cameras = [config.camera(args.camera)] if args.camera else config.cameras
    except (ConfigError, KeyError) as exc:
        print(f"dendo-edge outbox: {exc}", file=sys.stderr)
        return 2
    if args.action == "list":
        held = 0
        for cam in cameras:
            path = config.edge.outbox.dir / f"{cam.id}.sqlite"
            if not path.exists():
                continue
            with Outbox.for_camera(config.edge.outbox, cam.id) as box:
                for vid, _camera, size, reason in box.held():
                    print(f"{cam.id}  {vid}  {size:>9} B  {reason}")
                    held += 1
                print(f"{cam.id}: {box.depth()} bundle(s) in the outbox, {box.held_count()} held")
        print(f"{held} held bundle(s)")
        return 0
    if not args.camera or not args.violation_id:
        print(f"dendo-edge outbox {args.action}: give --camera and the violation id",
              file=sys.stderr)  # fmt: skip
        return 2
    if args.action == "drop" and not (args.reason or "").strip():
        print("dendo-edge outbox drop: give --reason (it is kept with the record)", file=sys.stderr)
        return 2
    with Outbox.for_camera(config.edge.outbox, args.camera) as box:
        done = (
            box.release(args.violation_id)
            if args.action == "release"
            else box.drop(args.violation_id, args.reason.strip())
        )
    if not done:
        print(f"dendo-edge outbox {args.action}: {args.violation_id} is not held in the outbox"
              f" of {args.camera} (see `dendo-edge outbox list`)", file=sys.stderr)  # fmt: skip
        return 1
    verb = "will be sent again" if args.action == "release" else "dropped (recorded)"
    print(f"{args.camera} {args.violation_id}: {verb}")
    return 0


def add_cli(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "outbox", help="bundles the centre quarantined: list, send again (release) or drop"
    )
    p.add_argument("action", choices=["list", "release", "drop"])
    p.add_argument("violation_id", nargs="?")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--camera", help="camera id (all of the file's cameras for list)")
    p.add_argument("--reason", help="why it is dropped (drop only; kept in the outbox)")
    p.set_defaults(func=outbox_main)
