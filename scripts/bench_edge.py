"""Edge pipeline cost: CPU-seconds per video-second of replay, per detection rate, and peak RSS.

Each rate runs `dendo-edge replay` on the video in a child process (so peak memory is that
run's own) with the calibration from its ../shared/media JSON, and reports CPU time (user +
system, all threads) divided by the video's duration, wall-clock frames per second, the
violations found, and peak RSS. `cpu_s_per_video_s` includes the start-up (imports, model
loading: about a second of CPU, a large share of a 15 s clip); `cpu_s_per_video_s_running`
subtracts a start-up-only run, which is what a live camera pays hour after hour. Prints JSON.

    python scripts/bench_edge.py [--video ../shared/media/vn_a.mp4] [--rates 10 5 3]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from edge.perception.onnx_session import ENGINES  # noqa: E402
from scripts.bench_common import machine  # noqa: E402


def one_run(
    video: Path,
    rate: float,
    idle: float,
    threads: int,
    engine: str = "openvino",
    end_s: float | None = None,
) -> dict[str, object]:
    """Runs inside the child: replay once, measure this process."""
    from edge.commands.main import main as dendo_edge

    spec = importlib.util.spec_from_file_location("eval_videos", REPO / "scripts/eval_videos.py")
    assert spec and spec.loader
    eval_videos = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(eval_videos)
    camera_config = eval_videos.camera_config
    truth = json.loads(video.with_suffix(".json").read_text())
    with tempfile.TemporaryDirectory(prefix="dendo-bench-") as tmp:
        cfg = camera_config(truth, video, engine)
        cfg["cameras"][0]["detector"]["threads"] = threads
        config = Path(tmp) / "camera.yaml"
        config.write_text(yaml.safe_dump(cfg))
        summary = Path(tmp) / "summary.json"
        argv = [
            "replay", str(video), "--config", str(config), "--camera", "EV-01",
            "--out", str(Path(tmp) / "out"), "--json", str(summary), "--quiet",
            "--start-time", "2026-01-01T00:00:00Z", "--detect-fps", str(rate),
            "--idle-detect-fps", str(idle),
        ] + (["--end", str(end_s)] if end_s is not None else [])  # fmt: skip
        before = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.perf_counter()
        with contextlib.redirect_stdout(sys.stderr):  # stdout carries only the JSON
            code = dendo_edge(argv)
        wall = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_SELF)
        result = json.loads(summary.read_text())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    video_s = result["frames"] / result["fps"]
    return {
        "detect_fps_near_line": rate,
        "detect_fps_idle": idle,
        "threads": threads,
        "engine": engine,
        "exit_code": code,
        "video_seconds": round(video_s, 2),
        "cpu_seconds": round(cpu, 2),
        "cpu_s_per_video_s": round(cpu / video_s, 3),
        "wall_fps": round(result["frames"] / wall, 1),
        "detections_run": result["detections_run"],
        "violations_found_at_frames": [v["cross_frame"] for v in result["violations"]],
        "listed_violation_frames": [v["cross_frame"] for v in truth["violations"]],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=REPO.parent / "shared/media/vn_a.mp4")
    parser.add_argument(
        "--rates",
        nargs="+",
        default=["10", "5", "3", "5:2"],
        help="detections/s, fixed (10) or near-line:idle (5:2, the default config)",
    )
    parser.add_argument("--threads", type=int, default=1, help="detector threads per camera")
    parser.add_argument("--engine", default="openvino", choices=ENGINES, help="runs the models")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-end", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        near, _, idle = args.child.partition(":")
        rate, idle_rate = float(near), float(idle or near)
        result = one_run(args.video, rate, idle_rate, args.threads, args.engine, args.child_end)
        print(json.dumps(result))
        return 0
    if not args.video.exists():
        print(json.dumps({"skipped": f"{args.video} not found"}))
        return 0

    def child(rate: str, end_s: float | None = None) -> dict[str, Any]:  # the child's JSON
        cmd = [sys.executable, __file__, "--video", str(args.video), "--child", rate]
        cmd += ["--threads", str(args.threads), "--engine", args.engine]
        cmd += ["--child-end", str(end_s)] if end_s is not None else []
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            return {"detect_fps": rate, "error": out.stderr[-2000:]}
        return json.loads(out.stdout.strip().splitlines()[-1])

    # Start-up (imports, loading and fitting the models, the signing key) once: a replay of
    # the first 0.2 s. A live worker pays it once per start, not per video-second, so the
    # running cost is reported beside the whole-run figure.
    print("start-up alone (first 0.2 s)", file=sys.stderr, flush=True)
    startup = child("5", 0.2)
    runs = []
    for rate in args.rates:
        print(f"replay at {rate} detections/s", file=sys.stderr, flush=True)
        run = child(str(rate))
        if "error" not in run and "error" not in startup:
            cpu = float(run["cpu_seconds"]) - float(startup["cpu_seconds"])
            video_s = float(run["video_seconds"]) - float(startup["video_seconds"])
            run["cpu_s_per_video_s_running"] = round(cpu / video_s, 3)
        runs.append(run)
    report = {"machine": machine(), "video": args.video.name, "startup": startup, "runs": runs}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
