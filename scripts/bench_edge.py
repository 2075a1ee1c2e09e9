"""Edge pipeline cost: CPU-seconds per video-second of replay, per detection rate, and peak RSS.

Each rate runs `dendo-edge replay` on the video in a child process (so peak memory is that
run's own) with the calibration from its ../shared/media JSON, and reports CPU time (user +
system, all threads) divided by the video's duration, wall-clock frames per second, the
violations found, and peak RSS. `cpu_s_per_video_s` includes the start-up (imports, model
loading: about a second of CPU, a large share of a 15 s clip); `cpu_s_per_video_s_running`
subtracts a start-up-only run, which is what a live camera pays hour after hour. The runs
share one model cache (as a box's workers do): `startup_cold` fills it, `startup` and the
rest find it warm. A machine's load drifts: `--repeat` rounds (3) each run the warm start-up,
every rate and the peer once, and each figure is the median over the rounds, every round's
printed beside it (`..._each`).

In the same run, the naive peer the speed targets are ratios to: every frame decoded,
YOLOv8n at its exported 640x640 input on every third frame, onnxruntime on one thread, NMS
(`peer`); `ratio_to_peer` is each rate's running cost over the peer's. `decode_alone` is the
replay's reader with nothing after it, over the peer too: decoding is the same for both, so
its ratio is a floor set by the CPU's decoder that no detection work goes under. Each model's engine
and precision as they ran are named (`models`, as the evidence manifest says them;
`--precision` is both YOLO detectors', auto = bfloat16 where it runs, else int8;
`DENDO_PRECISION=no-bf16` turns bfloat16 off as on an AVX2 edge box,
`DENDO_PRECISION=f32` makes everything float32), and one more replay at the last rate
splits the CPU by stage (`stages`: decode, signal, detect, track, rule, plates, evidence,
in the pipeline's own thread; `pipeline_thread` is all of that thread including
start-up, `other_threads` the decoder's and the inference engines' worker threads).
Prints JSON.

    python scripts/bench_edge.py [--video ../shared/media/vn_a.mp4] [--rates 10 5 3 5:2]
        [--precision auto|int8|bf16|f32] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
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

from common.config.sections import Precision  # noqa: E402
from edge.perception.onnx_session import ENGINES  # noqa: E402
from scripts.bench_common import machine  # noqa: E402


def _camera_config() -> Any:
    """scripts/eval_videos.py's `camera_config` (a video's calibration as a one-camera config),
    loaded inside the child so that its imports stay out of the start-up it times."""
    spec = importlib.util.spec_from_file_location("eval_videos", REPO / "scripts/eval_videos.py")
    assert spec and spec.loader
    eval_videos = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(eval_videos)
    return eval_videos.camera_config


def one_run(
    video: Path,
    rate: float,
    idle: float,
    threads: int,
    engine: str = "openvino",
    end_s: float | None = None,
    precision: str = "auto",
) -> dict[str, object]:
    """Runs inside the child: replay once, measure this process."""
    from edge.commands.main import main as dendo_edge

    camera_config = _camera_config()
    truth = json.loads(video.with_suffix(".json").read_text())
    with tempfile.TemporaryDirectory(prefix="dendo-bench-") as tmp:
        cfg = camera_config(truth, video, engine)
        cfg["cameras"][0]["detector"]["threads"] = threads
        cfg["cameras"][0]["detector"]["precision"] = precision
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
    # After the measurement, so that it does not move imports out of the start-up it times.
    from common.config.city import CityConfig
    from edge.pipeline.assembly import models_as_run

    models = models_as_run(CityConfig.model_validate(cfg).camera("EV-01"))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    video_s = result["frames"] / result["fps"]
    return {
        "detect_fps_near_line": rate,
        "detect_fps_idle": idle,
        "threads": threads,
        "engine": engine,
        "detector_precision": precision,
        "exit_code": code,
        "video_seconds": round(video_s, 2),
        "cpu_seconds": round(cpu, 2),
        "cpu_s_per_video_s": round(cpu / video_s, 3),
        "wall_fps": round(result["frames"] / wall, 1),
        "detections_run": result["detections_run"],
        "violations_found_at_frames": [v["cross_frame"] for v in result["violations"]],
        "listed_violation_frames": [v["cross_frame"] for v in truth["violations"]],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "models": models,  # each model's engine and precision, as the replay's manifest says
    }


PEER_EVERY = 3  # the peer detects on every third frame


def naive_peer(video: Path) -> dict[str, object]:
    """Runs inside the child: the naive peer's loop, its CPU per video-second."""
    import cv2
    import numpy as np
    import onnxruntime as ort

    from edge.perception.models import ModelRegistry
    from edge.perception.yolo import detect_boxes

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    model = str(ModelRegistry().path("vehicles"))
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    capture = cv2.VideoCapture(str(video))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    classes = np.array([0, 1, 2, 3, 5, 7], dtype=np.int64)  # person, two-wheelers, cars …
    frames = detections = 0
    started = time.process_time()
    while True:
        ok, image = capture.read()
        if not ok:
            break
        if frames % PEER_EVERY == 0:
            detect_boxes(session, image, 0.25, 0.45, classes)
            detections += 1
        frames += 1
    cpu = time.process_time() - started
    return {
        "what": "decode every frame; YOLOv8n 640x640 on every third, onnxruntime 1 thread, NMS",
        "frames": frames,
        "detections": detections,
        "cpu_seconds": round(cpu, 2),
        "cpu_s_per_video_s": round(cpu / (frames / fps), 3),
    }


def decode_alone(video: Path) -> dict[str, object]:
    """Runs inside the child: only the decoding a replay does (the same reader, its picture
    rate, every frame grabbed), CPU per video-second. The peer decodes the same frames with the
    same decoder, so this share of the peer's cost is a floor no detection work can go under."""
    from common.config.city import CityConfig
    from edge.pipeline.source import FileSource, picture_rate

    truth = json.loads(video.with_suffix(".json").read_text())
    camera = CityConfig.model_validate(_camera_config()(truth, video)).camera("EV-01")
    source = FileSource(video, picture_fps=picture_rate(camera.detector, camera.evidence))
    started = time.process_time()
    pictures = sum(1 for _ in source)
    cpu = time.process_time() - started
    frames = pictures + source.stats.frames_unconverted + source.stats.frames_corrupt
    return {
        "what": "the replay's reader alone: every frame grabbed, its pictures converted",
        "frames": frames,
        "pictures": pictures,
        "cpu_seconds": round(cpu, 2),
        "cpu_s_per_video_s": round(cpu / (frames / source.fps), 3),
    }


def timed_stages(run: Any) -> dict[str, float]:
    """CPU seconds (process time, all threads) per stage of one replay `run()`: the stage
    methods are wrapped with timers for the run (a profiler would inflate the many small
    numpy calls of the signal reading several times over)."""
    from edge.perception.plate.track_plates import TrackPlates
    from edge.perception.vehicles import VehicleDetector
    from edge.pipeline.evidence import EvidenceWriter
    from edge.pipeline.rule import RedLightRule
    from edge.pipeline.signal import SignalSource
    from edge.pipeline.source import FileSource
    from edge.pipeline.track import Tracker

    spent: dict[str, float] = {}
    places: dict[str, list[tuple[Any, str]]] = {
        "signal": [(SignalSource, "status")],
        "detect": [(VehicleDetector, "detect")],
        "track": [(Tracker, "update")],
        "rule": [(RedLightRule, "update")],
        "plates": [(TrackPlates, "offer"), (TrackPlates, "decide")],
        "evidence": [(EvidenceWriter, "write")],
    }

    clock = time.thread_time  # this thread's: decoder and inference threads are apart

    def timed(stage: str, method: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = clock()
            try:
                return method(*args, **kwargs)
            finally:
                spent[stage] = spent.get(stage, 0.0) + clock() - started

        return wrapper

    frames: Any = FileSource.__iter__

    def decoded(self: Any) -> Any:  # the time inside the reader's next(), frame by frame
        it = frames(self)
        while True:
            started = clock()
            try:
                frame = next(it)
            except StopIteration:
                return
            finally:
                spent["decode"] = spent.get("decode", 0.0) + clock() - started
            yield frame

    saved = [(cls, name, getattr(cls, name)) for pl in places.values() for cls, name in pl]
    for stage, pl in places.items():
        for cls, name in pl:
            setattr(cls, name, timed(stage, getattr(cls, name)))
    FileSource.__iter__ = decoded  # type: ignore[method-assign]
    process, thread = time.process_time(), clock()
    try:
        run()
    finally:
        for cls, name, method in saved:
            setattr(cls, name, method)
        FileSource.__iter__ = frames  # type: ignore[method-assign]
    split = {k: round(v, 3) for k, v in sorted(spent.items())}
    split["pipeline_thread"] = round(clock() - thread, 3)
    split["other_threads"] = round(time.process_time() - process - (clock() - thread), 3)
    return split


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median CPU time (an error if any failed), with every run's CPU time."""
    failed = [r for r in runs if "error" in r]
    if failed:
        return failed[0]
    ranked = sorted(runs, key=lambda r: float(r["cpu_seconds"]))
    return {**ranked[(len(ranked) - 1) // 2], "cpu_seconds_each": [r["cpu_seconds"] for r in runs]}


def _running(run: dict[str, Any], startup: dict[str, Any]) -> float | None:
    """CPU-s per video-s after start-up: the run less a start-up-only run of the same round."""
    if "error" in run or "error" in startup:
        return None
    cpu = float(run["cpu_seconds"]) - float(startup["cpu_seconds"])
    video_s = float(run["video_seconds"]) - float(startup["video_seconds"])
    return round(cpu / video_s, 3)


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
    parser.add_argument(
        "--precision",
        default="auto",
        choices=[p.value for p in Precision],
        help="the vehicle detector's (detector.precision); DENDO_PRECISION=no-bf16 or f32 in "
        "the environment turns bfloat16 off for every model, as on an AVX2 box",
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds; figures are medians")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-end", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child in ("peer", "decode"):
        measure = naive_peer if args.child == "peer" else decode_alone
        print(json.dumps(measure(args.video)))
        return 0
    if args.child is not None and args.profile:
        near, _, idle = args.child.partition(":")
        rates = float(near), float(idle or near)
        split = timed_stages(
            lambda: one_run(args.video, *rates, args.threads, args.engine, precision=args.precision)
        )
        print(json.dumps(split))
        return 0
    if args.child is not None:
        near, _, idle = args.child.partition(":")
        rate, idle_rate = float(near), float(idle or near)
        result = one_run(
            args.video, rate, idle_rate, args.threads, args.engine, args.child_end, args.precision
        )
        print(json.dumps(result))
        return 0
    if not args.video.exists():
        print(json.dumps({"skipped": f"{args.video} not found"}))
        return 0

    def child(
        rate: str, end_s: float | None = None, profile: bool = False
    ) -> dict[str, Any]:  # the child's JSON
        cmd = [sys.executable, __file__, "--video", str(args.video), "--child", rate]
        cmd += ["--threads", str(args.threads), "--engine", args.engine]
        cmd += ["--precision", args.precision]
        cmd += ["--child-end", str(end_s)] if end_s is not None else []
        cmd += ["--profile"] if profile else []
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            return {"detect_fps": rate, "error": out.stderr[-2000:]}
        return json.loads(out.stdout.strip().splitlines()[-1])

    # Start-up (imports, loading and fitting the models, the signing key) once: a replay of
    # the first 0.2 s. A live worker pays it once per start, not per video-second, so the
    # running cost is reported beside the whole-run figure.
    # Every child shares one model cache, as a box's workers do (<state_dir>/model-cache):
    # the first start-up fills it (cold), the second is what a worker restart costs (warm).
    cache = tempfile.TemporaryDirectory(prefix="dendo-bench-cache-")
    os.environ["DENDO_MODEL_CACHE"] = cache.name
    print("start-up alone (first 0.2 s), cold", file=sys.stderr, flush=True)
    startup_cold = child("5", 0.2)
    # Rounds: the warm start-up, each rate and the peer once a round, so that the machine's
    # drift (a neighbour's load, the CPU's clock) falls on all of them alike; each figure is
    # the median over the rounds, and every round's is printed beside it.
    rounds: list[dict[str, dict[str, Any]]] = []
    for k in range(args.repeat):
        print(f"round {k + 1} of {args.repeat}: start-up, {' '.join(args.rates)}, the peer",
              file=sys.stderr, flush=True)  # fmt: skip
        rounds.append({"startup": child("5", 0.2), "peer": child("peer")})
        rounds[-1]["decode"] = child("decode")
        rounds[-1].update({str(rate): child(str(rate)) for rate in args.rates})
    startup = median_run([r["startup"] for r in rounds])
    peer = median_run([r["peer"] for r in rounds])
    runs = []
    for rate in args.rates:
        run = median_run([r[str(rate)] for r in rounds])
        each = [_running(r[str(rate)], r["startup"]) for r in rounds]
        running = _running(run, startup)
        seen = [v for v in each if v is not None]
        if running is not None and len(seen) == len(rounds):
            run["cpu_s_per_video_s_running"] = running
            run["cpu_s_per_video_s_running_each"] = seen
            if "error" not in peer:
                peers = [float(r["peer"]["cpu_s_per_video_s"]) for r in rounds]
                run["ratio_to_peer"] = round(running / float(peer["cpu_s_per_video_s"]), 3)
                run["ratio_to_peer_each"] = [
                    round(v / q, 3) for v, q in zip(seen, peers, strict=True)
                ]
        runs.append(run)
    decode = median_run([r["decode"] for r in rounds])
    if "error" not in decode and "error" not in peer:
        decode["ratio_to_peer_each"] = [
            round(
                float(r["decode"]["cpu_s_per_video_s"]) / float(r["peer"]["cpu_s_per_video_s"]), 3
            )
            for r in rounds
        ]
        decode["ratio_to_peer"] = round(
            float(decode["cpu_s_per_video_s"]) / float(peer["cpu_s_per_video_s"]), 3
        )
    last = args.rates[-1]
    print(f"one replay split by stage at {last} detections/s", file=sys.stderr, flush=True)
    stages = child(str(args.rates[-1]), profile=True)
    report = {
        "machine": machine(),
        "video": args.video.name,
        "models": startup.get("models"),
        "DENDO_PRECISION": os.environ.get("DENDO_PRECISION", ""),
        "startup_cold": startup_cold,
        "startup": startup,
        "runs": runs,
        "peer": peer,
        "decode_alone": decode,
        "stages": stages,
    }
    print(json.dumps(report, indent=1))
    cache.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
