"""`dendo-edge calibrate`: one frame with the camera's lines drawn, for the operator to check."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import cv2

from edge.commands.check_config import load_camera_or_report
from edge.pipeline.annotate import draw_geometry


def calibrate_main(args: argparse.Namespace) -> int:
    """Save one frame with the camera's current lines drawn on it."""
    camera = load_camera_or_report("calibrate", args.config, args.camera)
    if camera is None:
        return 2
    if args.frame:
        image = cv2.imread(str(args.frame))
        what = str(args.frame)
    else:
        cap = cv2.VideoCapture(str(args.video))
        cap.set(cv2.CAP_PROP_POS_FRAMES, args.index)
        ok, image = cap.read()
        cap.release()
        image = image if ok else None
        what = f"{args.video} frame {args.index}"
    if image is None:
        print(f"dendo-edge calibrate: cannot read {what}", file=sys.stderr)
        return 2
    if camera.frame_size and tuple(camera.frame_size) != (image.shape[1], image.shape[0]):
        print(
            f"warning: {camera.id} is configured for {camera.frame_size[0]}x"
            f"{camera.frame_size[1]} but {what} is {image.shape[1]}x{image.shape[0]}",
            file=sys.stderr,
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), draw_geometry(image, camera))
    print(f"wrote {args.out}: {camera.id} lines drawn on {what}")
    return 0


def add_cli(subparsers: Any) -> None:
    p = subparsers.add_parser("calibrate", help="draw a camera's lines on a frame (PNG)")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--camera", required=True)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--video", type=Path)
    src.add_argument("--frame", type=Path)
    p.add_argument("--index", type=int, default=0, help="frame index in --video")
    p.add_argument("--out", required=True)
    p.set_defaults(func=calibrate_main)
