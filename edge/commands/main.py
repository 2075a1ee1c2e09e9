"""`dendo-edge`: the edge box's command line (models, plate reading, the perception demo)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from edge.perception.models import ModelError, ModelRegistry
from edge.perception.onnx_session import ENGINES


def _cmd_models(args: argparse.Namespace) -> int:
    registry = ModelRegistry()
    if args.action == "fetch":
        registry.fetch(args.names or None)
        return 0
    if args.action == "verify":
        bad = 0
        for name in args.names or sorted(registry.specs):
            try:
                print(f"{name}: {registry.path(name)} ok")
            except ModelError as exc:
                print(f"{name}: {exc}", file=sys.stderr)
                bad += 1
        return 1 if bad else 0
    for spec in registry.specs.values():
        where = spec.package or spec.origin
        print(f"{spec.name:10} {spec.file:26} {spec.source:5} {where}\n{'':10} {spec.licence}")
    return 0


def _cmd_read_plate(args: argparse.Namespace) -> int:
    import cv2

    from edge.perception.plate.finder import PlateFinder

    registry = ModelRegistry()
    results: list[dict[str, object]] = []
    finder = PlateFinder.from_registry(registry, args.backend, args.threads, args.engine)
    failed = 0
    for name in args.images:
        image = cv2.imread(str(name))
        if image is None:
            print(f"{name}: cannot read this file as an image", file=sys.stderr)
            results.append({"image": str(name), "error": "cannot read image", "plates": []})
            failed += 1
            continue
        if args.crop:
            h, w = image.shape[:2]
            plates = [{"box": [0, 0, w, h], **finder.read_crop(image).to_json()}]
        else:
            plates = [p.to_json() for p in finder.find(image)]
        results.append({"image": str(name), "plates": plates})
        if not args.json:
            _print_plates(str(name), plates)
    if args.json:
        json.dump(results, sys.stdout, ensure_ascii=False, indent=1)
        print()
    return 1 if failed else 0


def _print_plates(name: str, plates: list[dict[str, object]]) -> None:
    if not plates:
        print(f"{name}: no plate found")
    for p in plates:
        coords = p["box"]
        assert isinstance(coords, list)  # x1, y1, x2, y2 (FoundPlate.to_json, or the crop's)
        box = ",".join(f"{v:.0f}" for v in coords)
        if p["text"]:
            print(f"{name}: {p['text']}  norm={p['norm']}  conf={p['confidence']:.2f}  box={box}")
        else:
            print(f"{name}: unread ({p['reason']})  raw={p['raw']}  box={box}")


def _cmd_demo(args: argparse.Namespace) -> int:
    from edge.commands.demo import run_perception_demo

    return run_perception_demo(Path(args.out))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dendo-edge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    models = sub.add_parser("models", help="list, fetch or verify the ONNX models")
    models.add_argument("action", choices=["list", "fetch", "verify"])
    models.add_argument("names", nargs="*", help="model names (default: all)")
    models.set_defaults(func=_cmd_models)

    read = sub.add_parser("read-plate", help="read the plates in images")
    read.add_argument("images", nargs="+", type=Path)
    read.add_argument("--crop", action="store_true", help="each image is one plate crop")
    read.add_argument("--json", action="store_true", help="print JSON instead of lines")
    read.add_argument("--backend", default="ppocr", choices=["ppocr", "easyocr"])
    read.add_argument("--threads", type=int, default=1)
    read.add_argument(
        "--engine",
        default="openvino",
        choices=ENGINES,
        help="what runs the PP-OCR recogniser (openvino: bfloat16 where the CPU has it)",
    )
    read.set_defaults(func=_cmd_read_plate)

    from edge.commands.evidence import add_cli as add_evidence_cli

    add_evidence_cli(sub)
    from edge.commands.calibrate import add_cli as add_calibrate_cli
    from edge.commands.check_config import add_cli as add_config_cli
    from edge.commands.outbox import add_cli as add_outbox_cli
    from edge.commands.replay import add_cli as add_replay_cli
    from edge.commands.run import add_cli as add_run_cli

    add_config_cli(sub)
    add_replay_cli(sub)
    add_calibrate_cli(sub)
    add_run_cli(sub)
    add_outbox_cli(sub)

    demo = sub.add_parser("demo", help="run the perception on a rendered sample scene")
    demo.add_argument("--out", default="out/demo", help="folder for the annotated picture")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ModelError as exc:
        print(f"dendo-edge: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
