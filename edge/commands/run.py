"""`dendo-edge run --config FILE --box EB-01`: check what the box needs, then run the daemon."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from common.config.camera import LIVE_SCHEDULE_NEEDS_EPOCH
from common.config.city import load_config
from common.config.yaml_file import ConfigError
from common.logs import setup_logging
from edge.delivery.daemon import BoxDaemon
from edge.perception.openvino_session import CACHE_ENV

log = logging.getLogger("edge.commands.run")


def run_main(args: argparse.Namespace) -> int:
    setup_logging(fmt=args.log_format)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"dendo-edge run: {exc}", file=sys.stderr)
        return 2
    if args.box not in config.boxes:
        known = ", ".join(config.boxes)
        print(
            f"dendo-edge run: no box {args.box!r} in {args.config}; known: {known}", file=sys.stderr
        )
        return 2
    missing = sorted({v for c in config.cameras_on_box(args.box) for v in c.missing_env()})
    if missing:
        print(
            f"dendo-edge run: environment variable(s) {', '.join(missing)} not set "
            "(camera credentials; systemd: EnvironmentFile=)",
            file=sys.stderr,
        )
        return 2
    undated = [
        c.id
        for c in config.cameras_on_box(args.box)
        if c.signal.schedule and not c.signal.schedule.epoch
    ]
    if undated:
        print(
            f"dendo-edge run: camera(s) {', '.join(undated)}: signal.schedule.epoch: "
            f"{LIVE_SCHEDULE_NEEDS_EPOCH}",
            file=sys.stderr,
        )
        return 2
    if not config.edge.receipt_keys:
        print(
            "dendo-edge run: edge.receipt_keys is empty: no receipt could be verified, so no"
            " bundle would ever leave the outbox (add the centre's receipt public key)",
            file=sys.stderr,
        )
        return 2
    if not config.edge.key_file.is_file():
        print(
            f"dendo-edge run: signing key {config.edge.key_file} not found "
            "(create one with `dendo-edge keygen`, set edge.key_file)",
            file=sys.stderr,
        )
        return 2
    # compiled and derived models kept between starts, on the box's own disk
    os.environ.setdefault(CACHE_ENV, str(config.edge.state_dir / "model-cache"))
    if args.capacity_check:
        from edge.delivery.capacity import check_box

        try:
            check_box(args.box, config.cameras_on_box(args.box))
        except Exception as exc:  # a measurement must not keep the box from running
            log.warning("box %s: capacity not measured: %s", args.box, exc)
    return BoxDaemon(Path(args.config), config, args.box, args.log_format).run()


def add_cli(subparsers: Any) -> None:
    p = subparsers.add_parser("run", help="the edge-box daemon: one worker per camera of a box")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--box", required=True, help="edge box id, e.g. EB-01")
    p.add_argument("--log-format", choices=["json", "text"], default="json")
    p.add_argument("--no-capacity-check", dest="capacity_check", action="store_false",
                   help="skip timing the detectors at start (a few seconds)")  # fmt: skip
    p.set_defaults(func=run_main)
