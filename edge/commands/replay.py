"""`dendo-edge replay`: the pipeline on a recorded file, every frame, deterministic.

This is what an appeal re-runs: the same video, config and models give the same violations,
frames, plates and images (only violation ids and sequence numbers differ). It writes the
evidence bundles, a machine-readable summary, and optionally an annotated video.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from common.config.camera import CameraConfig
from common.signing import generate_keypair
from common.version import SOFTWARE_VERSION
from edge.commands.check_config import load_camera_or_report
from edge.perception.models import ModelRegistry
from edge.pipeline.annotate import Annotator
from edge.pipeline.assembly import build_pipeline, models_as_run
from edge.pipeline.camera import Violation
from edge.pipeline.evidence import EvidenceWriter
from edge.pipeline.source import FileSource, SourceError, picture_rate


def _progress(done: int, total: int, started: float, found: int, final: bool = False) -> None:
    elapsed = max(time.perf_counter() - started, 1e-6)
    frac = done / total if total else 0.0
    bar = "#" * int(frac * 30)
    line = (
        f"\r[{bar:<30}] {frac * 100:5.1f}% frame {done}/{total or '?'} "
        f"{done / elapsed:5.1f} fps, {found} violation(s)"
    )
    sys.stderr.write(line + ("\n" if final else ""))
    sys.stderr.flush()


def frames_read(source: FileSource) -> int:
    """The frames decoded: the pictures and the frames between them."""
    return source.stats.frames_in + source.stats.frames_unconverted


def crossing_counts(crossings: dict[str, int]) -> str:
    """'violation 2, stopped 1': the crossings judged, by kind, most first."""
    ranked = sorted(crossings.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{kind} {n}" for kind, n in ranked) or "none"


def _violation_id(bundle: Path | None) -> str | None:
    # Bundles are named <camera>_<sequence>_<violation_id>.zip
    return bundle.stem.rsplit("_", 1)[-1] if bundle else None


def print_table(violations: list[Violation]) -> None:
    if not violations:
        print("no violations found")
        return
    head = f"{'#':>3} {'frame':>6} {'crossed at (UTC)':24} {'class':11} {'plate':16}"
    print(f"{head} {'into red':>8}  bundle")
    for i, v in enumerate(violations, 1):
        d = v.decision
        into = f"{d.seconds_into_red:.2f}s" if d.seconds_into_red is not None else "-"
        plate = v.plate.text or "(unread)"
        at = v.crossed_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        name = v.bundle.name if v.bundle else "-"
        print(
            f"{i:>3} {d.cross_frame:>6} {at:24} {d.vehicle_class:11} {plate:16} {into:>8}  {name}"
        )


def with_rates(
    camera: CameraConfig, detect_fps: float | None, idle_detect_fps: float | None
) -> CameraConfig:
    """The camera with the detection rates given on the command line (validated like the
    file, and part of the config hash the evidence records)."""
    rates = {"detect_fps": detect_fps, "idle_detect_fps": idle_detect_fps}
    given = {k: v for k, v in rates.items() if v is not None}
    if not given:
        return camera
    doc = camera.model_dump()
    doc["detector"] |= given
    pictures = doc["detector"]["picture_fps"]
    if pictures:  # a faster detection rate asked for gets the pictures it needs
        doc["detector"]["picture_fps"] = max(pictures, doc["detector"]["detect_fps"])
    return CameraConfig.model_validate(doc)


def replay_main(args: argparse.Namespace) -> int:
    camera = load_camera_or_report("replay", args.config, args.camera)
    if camera is None:
        return 2
    try:
        camera = with_rates(camera, args.detect_fps, args.idle_detect_fps)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        print(f"dendo-edge replay: --{str(err['loc'][-1]).replace('_', '-')}: {err['msg']}",
              file=sys.stderr)  # fmt: skip
        return 2
    pictures = picture_rate(camera.detector, camera.evidence)
    try:
        source = FileSource(Path(args.video), args.start or 0.0, args.end, pictures)
    except SourceError as exc:
        print(f"dendo-edge replay: {exc}", file=sys.stderr)
        return 2
    start_time = (
        datetime.fromisoformat(args.start_time.replace("Z", "+00:00"))
        if args.start_time
        else datetime.fromtimestamp(Path(args.video).stat().st_mtime, UTC)
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    key = Path(args.key) if args.key else out / "replay.key.pem"
    if not args.key and not key.exists():
        generate_keypair(out, "replay")
        print(f"no --key given: signing with a new key {key} (public: {out / 'replay.pub.pem'})")
    registry = ModelRegistry()
    writer = EvidenceWriter(
        key,
        out / "state",
        out,
        SOFTWARE_VERSION,
        registry.hashes(),
        args.box or camera.box,
        jpeg_quality=camera.evidence.jpeg_quality,
        models_run=models_as_run(camera),
    )
    pipeline = build_pipeline(camera, registry, source.fps, start_time, writer)
    shown_fps = source.fps / source.stride  # the pictures' rate
    annotator = Annotator(camera, Path(args.annotate), shown_fps) if args.annotate else None
    violations: list[Violation] = []
    started = time.perf_counter()
    total = (source.end_index or source.frame_count) - source.start_index
    for n, frame in enumerate(source, 1):
        found = pipeline.process(frame)
        violations += found
        if annotator:
            annotator.write(frame, pipeline, found)
        if n % 25 == 0 and not args.quiet:
            _progress(frame.index + 1 - source.start_index, total, started, len(violations))
    violations += pipeline.finish()
    if annotator:
        annotator.close()
    if not args.quiet:
        _progress(frames_read(source), total, started, len(violations), final=True)
    elapsed = time.perf_counter() - started
    summary = {
        "video": str(args.video),
        "camera": camera.id,
        "frames": frames_read(source),
        "pictures": pipeline.stats.frames,
        "frames_corrupt": source.stats.frames_corrupt,
        "fps": round(source.fps, 3),
        "detections_run": pipeline.stats.detections_run,
        "crossings": pipeline.stats.crossings,
        "signal_frames": pipeline.stats.signal_frames,
        "clip_failures": pipeline.stats.clip_failures,
        "frames_wrong_size": pipeline.stats.frames_wrong_size,
        "seconds": round(elapsed, 2),
        "violations": [v.to_json(_violation_id(v.bundle)) for v in violations],
    }
    if args.json:
        Path(args.json).write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    print_table(violations)
    wrong = pipeline.stats.frames_wrong_size
    size = camera.frame_size  # set when any frame was of another size
    sized = f", {wrong} not {size[0]}x{size[1]}" if wrong and size else ""
    print(
        f"{frames_read(source)} frames, {pipeline.stats.frames} of them pictures "
        f"({source.stats.frames_corrupt} corrupt{sized}, skipped), "
        f"{len(violations)} violation(s), crossings: {crossing_counts(pipeline.stats.crossings)}, "
        f"{elapsed:.1f} s"
    )
    return 0


def add_cli(subparsers: Any) -> None:
    p = subparsers.add_parser("replay", help="run the pipeline on a recorded video")
    p.add_argument("video")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--camera", required=True)
    p.add_argument("--out", required=True, help="folder for the evidence bundles")
    p.add_argument("--json", help="write the machine-readable summary here")
    p.add_argument("--annotate", help="write an annotated video (MP4) here")
    p.add_argument("--start", type=float, help="start at this many seconds into the video")
    p.add_argument("--end", type=float, help="stop at this many seconds into the video")
    p.add_argument(
        "--start-time",
        help="UTC time of the video's first frame (ISO 8601); "
        "default: the file's modification time",
    )
    p.add_argument("--key", help="the edge box's signing key (PEM); default: a new replay key")
    p.add_argument("--box", help="edge box id recorded in the evidence (default: the camera's)")
    p.add_argument("--detect-fps", type=float, help="detections/s near the line (override)")
    p.add_argument("--idle-detect-fps", type=float, help="detections/s otherwise (override)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=replay_main)
