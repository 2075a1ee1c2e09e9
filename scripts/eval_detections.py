"""How many of the road users a person can see near the stop line the pipeline tracks there.

The labels (`scripts/labels/road_users.json`, drawn by eye: its `about` says how) give, for
frames of the public videos, a box around every road user near the line. Each video runs
through the camera's pipeline as `replay` builds it from the video's calibration (the same
config as `scripts/eval_videos.py`, plates not read); at a labelled frame, after the frame
is processed (or, for a labelled frame the camera makes no picture of, `detector.picture_fps`,
the next picture, at most a few hundredths of a second later), the confirmed tracks the
tracker holds are matched one to one with the labels in the band around the line (the
vehicles' tracks and the lone persons', see `edge.pipeline.lone_riders`; how many were
tracked only as a person is said). A label is
*tracked* when a track's road user (`Track.extent`: its box, with the rider seen on it now)
lies mostly inside it (at least half) and covers a fair part of it (a quarter): the label
boxes the machine with its rider, and so does the track once its rider is seen. Prints
JSON: per video and in all, per class and for the two-wheelers seen from behind, labelled /
tracked / recall, and the tracks in the band that no label took (a road user the labeller
skipped, or a false track).

    python scripts/eval_detections.py [--media ../shared/media] [--only vn_giangvo]
        [--labels scripts/labels/road_users.json] [--engine onnxruntime] [--detect-fps 5]
        [--set tracker.high_thresh=0.25]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from shapely.geometry import Point

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.config.camera import CameraConfig  # noqa: E402
from common.config.city import CityConfig  # noqa: E402
from edge.perception.models import ModelRegistry  # noqa: E402
from edge.perception.onnx_session import ENGINES  # noqa: E402
from edge.perception.riders import PERSON  # noqa: E402
from edge.pipeline.assembly import build_pipeline  # noqa: E402
from edge.pipeline.rule import StopLine  # noqa: E402
from edge.pipeline.source import FileSource, picture_rate  # noqa: E402
from scripts.bench_common import machine  # noqa: E402
from scripts.eval_videos import camera_config  # noqa: E402

Box = list[float]
TWO_WHEELERS = ("motorcycle", "bicycle")


def in_band(box: Box, line: StopLine, band: dict[str, float], size: tuple[int, int]) -> bool:
    """The label's ground point is near the line, between its ends, and in the picture."""
    w, h = size
    ground = ((box[0] + box[2]) / 2, box[3])
    if box[3] >= h - 2:
        return False  # the wheels are out of the picture
    d = line.signed_distance(ground)
    if not -band["before_line_h"] * h <= d <= band["past_line_h"] * h:
        return False
    along = line.line.project(Point(ground))
    margin = band["beyond_line_ends_w"] * w
    if along <= 0 or along >= line.line.length:  # beyond an end: how far beyond it
        end = line.line.coords[0] if along <= 0 else line.line.coords[-1]
        return abs(ground[0] - end[0]) <= margin
    return True


def overlap(track: Box, label: Box) -> tuple[float, float]:
    """(share of the track's box inside the label, share of the label the track covers)."""
    iw = max(0.0, min(track[2], label[2]) - max(track[0], label[0]))
    ih = max(0.0, min(track[3], label[3]) - max(track[1], label[1]))
    inter = iw * ih
    area_t = max((track[2] - track[0]) * (track[3] - track[1]), 1e-9)
    area_l = max((label[2] - label[0]) * (label[3] - label[1]), 1e-9)
    return inter / area_t, inter / area_l


def match(tracks: list[Box], labels: list[Box]) -> dict[int, int]:
    """Label index -> track index, one to one, best-covering pairs first."""
    pairs = []
    for i, lb in enumerate(labels):
        for j, tb in enumerate(tracks):
            inside, covers = overlap(tb, lb)
            if inside >= 0.5 and covers >= 0.25:
                pairs.append((inside * covers, i, j))
    taken: dict[int, int] = {}
    used: set[int] = set()
    for _, i, j in sorted(pairs, reverse=True):
        if i not in taken and j not in used:
            taken[i] = j
            used.add(j)
    return taken


def camera_for(truth: dict[str, Any], video: Path, args: argparse.Namespace) -> CameraConfig:
    overrides: dict[str, Any] = {}
    for setting in args.set or []:
        key, _, value = setting.partition("=")
        overrides[key] = yaml.safe_load(value)
    if args.detect_fps:
        overrides["detector.detect_fps"] = args.detect_fps
    settings = camera_config(truth, video, args.engine, overrides)
    return CityConfig.model_validate(settings).camera("EV-01")


def evaluate(
    name: str, frames: dict[str, list[dict[str, Any]]], band: dict[str, float],
    args: argparse.Namespace,
) -> dict[str, Any]:  # fmt: skip
    video = args.media / f"{name}.mp4"
    truth = json.loads(video.with_suffix(".json").read_text())
    camera = camera_for(truth, video, args)
    source = FileSource(video, picture_fps=picture_rate(camera.detector, camera.evidence))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    pipeline = build_pipeline(camera, ModelRegistry(), source.fps, start, None, read_plates=False)
    line = StopLine(camera.stop_line, camera.direction)
    size = (source.width, source.height)
    wanted = {int(f): labels for f, labels in frames.items()}
    rows: list[dict[str, Any]] = []
    unlabelled: list[str] = []  # the tracks in the band no label took, as "frame F class [box]"
    pending = sorted(wanted)  # labelled frames still to score, in order
    for frame in source:
        pipeline.process(frame)
        while pending and pending[0] <= frame.index:  # between pictures: the next picture
            labelled = pending.pop(0)
            near = [lb for lb in wanted[labelled] if in_band(lb["box"], line, band, size)]
            lone = getattr(pipeline, "lone", None)  # (absent before persons were tracked)
            live = [*pipeline.tracker.tracks, *(lone.tracker.tracks if lone else [])]
            confirmed = [tr for tr in live if tr.state == "confirmed"]
            tracks = [list(tr.extent) for tr in confirmed]
            taken = match(tracks, [lb["box"] for lb in near])
            for i, lb in enumerate(near):
                as_person = i in taken and confirmed[taken[i]].label == PERSON
                rows.append({**lb, "frame": labelled, "tracked": i in taken, "person": as_person})
            used = set(taken.values())
            unlabelled += [
                f"frame {labelled} {confirmed[j].label} {[round(v) for v in tb]}"
                for j, tb in enumerate(tracks)
                if j not in used and in_band(tb, line, band, size)
            ]
        if not pending:
            break
    return {"video": name, "rows": rows, "tracks_unlabelled": unlabelled}


def tally(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def figure(sel: list[dict[str, Any]]) -> dict[str, Any]:
        n, k = len(sel), sum(r["tracked"] for r in sel)
        alone = sum(r["person"] for r in sel)
        return {"labelled": n, "tracked": k, "recall": round(k / n, 3) if n else None,
                "tracked_as_lone_person": alone}  # fmt: skip

    classes = sorted({r["class"] for r in rows})
    riders = [r for r in rows if r["class"] in TWO_WHEELERS and r["view"] == "rear"]
    return {
        "all": figure(rows),
        "riders_from_behind": figure(riders),
        "per_class": {c: figure([r for r in rows if r["class"] == c]) for c in classes},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    ap.add_argument("--labels", type=Path, default=REPO / "scripts" / "labels" / "road_users.json")
    ap.add_argument("--only", action="append", help="a video's name (repeatable)")
    ap.add_argument("--engine", choices=ENGINES, help="run the detector with this engine")
    ap.add_argument("--detect-fps", type=float, help="detections/s near the line")
    ap.add_argument("--set", action="append", metavar="SECTION.FIELD=VALUE",
                    help="a camera setting instead of the default (repeatable)")  # fmt: skip
    ap.add_argument("--misses", action="store_true",
                    help="list every label not tracked, and every track no label took")  # fmt: skip
    args = ap.parse_args()
    if not args.media.is_dir():
        print(f"eval_detections: no videos at {args.media} (the shared material)", file=sys.stderr)
        return 2
    doc = json.loads(args.labels.read_text())
    started = time.perf_counter()
    videos = []
    for name, frames in doc["videos"].items():
        if args.only and name not in args.only:
            continue
        print(f"eval_detections: {name} ...", file=sys.stderr)
        videos.append(evaluate(name, frames, doc["band"], args))
    report: dict[str, Any] = {"machine": machine(), "labels": str(args.labels.relative_to(REPO))}
    for v in videos:
        unlabelled = v["tracks_unlabelled"]
        report[v["video"]] = {**tally(v["rows"]), "tracks_unlabelled": len(unlabelled)}
        if args.misses:
            report[v["video"]]["missed"] = [
                f"frame {r['frame']} {r['class']} {r['box']}" for r in v["rows"] if not r["tracked"]
            ]
            report[v["video"]]["unlabelled"] = unlabelled
    report["total"] = tally([r for v in videos for r in v["rows"]])
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
