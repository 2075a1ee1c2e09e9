"""Score the pipeline on the real intersection videos in ../shared/media, through `replay`.

For each NAME.mp4 with its NAME.json, the calibration it holds becomes a one-camera config
in the project's schema, `dendo-edge replay` runs on the video, and its JSON summary is
compared with the violations a person listed: found when a reported `cross_frame` is within
half a second of a listed one (`--tolerance-s`; each listed violation matched once). Every
other reported violation is a false one (the listed negatives must not fire).

Generalisation: with `--tune section.field=v1,v2,...` (repeatable: every combination is a
candidate) each candidate runs on every video, and the report gives, beside the score of the
configuration as shipped on all videos, the leave-one-video-out score: for each video, the
candidate that does best on the *other* videos (found minus false; ties go to the first
listed) is the one it is scored with. Without `--tune` nothing is chosen from the videos, and
the two scores are the same by construction (the report says so). Prints JSON.

    python scripts/eval_videos.py [--media ../shared/media] [--only vn_a] [--detect-fps 10]
        [--tune tracker.high_thresh=0.25,0.35 --tune rule.min_seconds_into_red=0.2,0.3]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from edge.commands.main import main as dendo_edge  # noqa: E402
from edge.perception.onnx_session import ENGINES  # noqa: E402


def camera_config(
    truth: dict[str, Any],
    video: Path,
    engine: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The video's calibration as a one-camera config file (the real schema); `engine`, when
    given, runs both the detectors and the text recogniser; `overrides`: `section.field`
    settings of a tuning candidate."""
    config = _calibrated(truth, video, engine)
    camera = config["cameras"][0]
    for key, value in (overrides or {}).items():
        section, _, name = key.partition(".")
        camera.setdefault(section, {})[name] = value
    return config


def _calibrated(truth: dict[str, Any], video: Path, engine: str | None) -> dict[str, Any]:
    cal = truth["calibration"]
    line = cal.get("stop_line_polyline") or cal["stop_line"]
    heads = [{"roi": h["roi"], "layout": h.get("layout", "vertical")} for h in cal["signal_heads"]]
    return {
        "cameras": [
            {
                "id": "EV-01",
                "name": video.stem,
                "location": {"lat": 10.36, "lon": 106.36},
                "box": "EB-99",
                "source": str(video),
                "frame_size": [truth["width"], truth["height"]],
                "stop_line": line,
                "direction": cal["direction"],
                "signal": {"source": "vision", "heads": heads},
                **({"detector": {"engine": engine}, "plate": {"engine": engine}} if engine else {}),
            }
        ]
    }


def match(
    found: list[dict[str, Any]], listed: list[dict[str, Any]], tolerance: int
) -> dict[str, Any]:
    """Greedy one-to-one matching by frame distance, closest pairs first."""
    pairs = sorted(
        (abs(f["cross_frame"] - v["cross_frame"]), i, j)
        for i, f in enumerate(found)
        for j, v in enumerate(listed)
        if abs(f["cross_frame"] - v["cross_frame"]) <= tolerance
    )
    used_f: set[int] = set()
    used_v: set[int] = set()
    hits = []
    for _, i, j in pairs:
        if i in used_f or j in used_v:
            continue
        used_f.add(i)
        used_v.add(j)
        hits.append(
            {
                "listed_frame": listed[j]["cross_frame"],
                "found_frame": found[i]["cross_frame"],
                "offset": found[i]["cross_frame"] - listed[j]["cross_frame"],
                "class": found[i]["vehicle_class"],
                "listed_class": listed[j].get("vehicle_class"),
                "plate": found[i]["plate"]["text"],
                "seconds_into_red": found[i]["seconds_into_red"],
            }
        )
    missed = [v["cross_frame"] for j, v in enumerate(listed) if j not in used_v]
    false = [
        {"cross_frame": f["cross_frame"], "class": f["vehicle_class"], "box": f["box_at_cross"]}
        for i, f in enumerate(found)
        if i not in used_f
    ]
    return {
        "found": sorted(hits, key=lambda h: h["listed_frame"]),
        "missed": missed,
        "false": false,
    }


def evaluate(
    json_path: Path,
    work: Path,
    tolerance_s: float,
    detect_fps: float | None,
    engine: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    truth = json.loads(json_path.read_text())
    tolerance = max(1, round(float(truth["fps"]) * tolerance_s))
    video = json_path.with_suffix(".mp4")
    tag = "_".join(f"{k}={v}" for k, v in (overrides or {}).items()) or "shipped"
    config = work / f"{video.stem}.{tag}.yaml"
    settings = camera_config(truth, video, engine, overrides)
    config.write_text(yaml.safe_dump(settings, allow_unicode=True))
    out = work / f"{video.stem}.{tag}"
    summary_path = out / "summary.json"
    argv = [
        "replay", str(video), "--config", str(config), "--camera", "EV-01", "--out", str(out),
        "--json", str(summary_path), "--start-time", "2026-01-01T00:00:00Z", "--quiet",
    ]  # fmt: skip
    if detect_fps:
        argv += ["--detect-fps", str(detect_fps)]
    started = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # stdout carries only the JSON report
        code = dendo_edge(argv)
    if code != 0:
        return {"video": video.name, "error": f"replay exited {code}"}
    summary = json.loads(summary_path.read_text())
    result = match(summary["violations"], truth["violations"], tolerance)
    return {
        "video": video.name,
        "tolerance_frames": tolerance,
        "listed": len(truth["violations"]),
        "negatives_listed": len(truth.get("negatives", [])),
        **result,
        "frames": summary["frames"],
        "crossings": summary["crossings"],
        "seconds": round(time.perf_counter() - started, 1),
    }


def score(videos: list[dict[str, Any]]) -> dict[str, Any]:
    found = sum(len(v.get("found", [])) for v in videos)
    listed = sum(v.get("listed", 0) for v in videos)
    false = sum(len(v.get("false", [])) for v in videos)
    return {
        "listed": listed,
        "found": found,
        "missed": listed - found,
        "false": false,
        "recall": round(found / listed, 4) if listed else None,
        "precision": round(found / (found + false), 4) if found + false else None,
    }


def candidates(tune: list[str]) -> list[dict[str, Any]]:
    """Every combination of the `section.field=v1,v2` settings, in the order given."""
    axes = []
    for spec in tune:
        key, _, values = spec.partition("=")
        if "." not in key or not values:
            raise SystemExit(f"--tune {spec!r}: write section.field=value1,value2")
        axes.append([(key, yaml.safe_load(v)) for v in values.split(",")])
    return [dict(combo) for combo in itertools.product(*axes)] if axes else [{}]


def leave_one_out(results: dict[str, list[dict[str, Any]]], names: list[str]) -> dict[str, Any]:
    """Each video scored with the candidate that did best on the others (found - false)."""

    def merit(v: dict[str, Any]) -> int:
        return len(v.get("found", [])) - len(v.get("false", []))

    per_video, chosen_runs = [], []
    for i, name in enumerate(names):
        best = max(
            results,
            key=lambda c: (sum(merit(r) for j, r in enumerate(results[c]) if j != i),
                           -list(results).index(c)),
        )  # fmt: skip
        run = results[best][i]
        chosen_runs.append(run)
        found, false = len(run.get("found", [])), len(run.get("false", []))
        per_video.append({"video": name, "chosen": best, "found": found,
                          "listed": run.get("listed", 0), "false": false})  # fmt: skip
    return {"per_video": per_video, "overall": score(chosen_runs)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    parser.add_argument("--only", action="append", help="video stem(s) to run")
    parser.add_argument("--tolerance-s", type=float, default=0.5, help="seconds")
    parser.add_argument("--detect-fps", type=float)
    parser.add_argument("--engine", choices=ENGINES, help="runs the models")
    parser.add_argument("--tune", action="append", default=[], metavar="SECTION.FIELD=V1,V2",
                        help="a setting to choose leaving each video out (repeatable)")  # fmt: skip
    parser.add_argument("--keep", type=Path, help="keep bundles and configs in this folder")
    args = parser.parse_args()
    if not args.media.is_dir():
        print(json.dumps({"skipped": f"{args.media} not found"}))
        return 0
    paths = sorted(args.media.glob("*.json"))
    if args.only:
        paths = [p for p in paths if p.stem in args.only]
    grid = candidates(args.tune)
    results: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="dendo-eval-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        runs: list[dict[str, Any]] = [{}, *(c for c in grid if c)]
        for overrides in runs:
            label = json.dumps(overrides) if overrides else "shipped"
            results[label] = []
            for i, p in enumerate(paths, 1):
                print(f"[{label} {i}/{len(paths)}] {p.stem}", file=sys.stderr, flush=True)
                results[label].append(
                    evaluate(p, work, args.tolerance_s, args.detect_fps, args.engine, overrides)
                )
    shipped = results["shipped"]
    tuned = {k: v for k, v in results.items() if k != "shipped"} or results
    report = {
        "tolerance_s": args.tolerance_s,
        "detect_fps": args.detect_fps or "per camera config (default 5 near the line, 2 otherwise)",
        "engine": args.engine or "per camera config (default openvino)",
        "videos": shipped,
        "overall": score(shipped),
        "leave_one_video_out": {
            "tuned": args.tune
            or "nothing: no setting is chosen from the videos, so this is"
            " the shipped configuration's score again",
            "candidates": {k: score(v) for k, v in tuned.items()},
            **leave_one_out(tuned, [p.stem for p in paths]),
        },
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
