"""A live edge box: `dendo-edge run` on RTSP streams looping public videos, end to end.

Starts, on loopback, one GStreamer RTSP server per camera (a public video from
../shared/media, looped), Mosquitto, the real collector (tests/servers/central_collector.py,
SQLite) and the real daemon `dendo-edge run` with one worker per camera, calibrated from the
video's JSON. After a warm-up it measures for `--seconds`:

- per camera: the worker process's CPU per video-second (user + system, /proc), frames that
  arrived, were dropped (the stream's queue full) and shed (idle frames), the overload flag;
- violations found against the listed ones: the stream repeats the file, so a listed crossing
  at frame f is expected at every pass p whose frame p*N + f the worker received; a stored
  bundle whose cross_frame is within half a second of one is found, any other is false;
- crossing to stored at the centre (the receipt goes out right after the commit): p50, p95;
- worker restarts (crashes) from the daemon's metrics;
- with `--replay`, the same video's replay cost at the same rates (scripts/bench_edge.py), so
  the live figure can be compared with it in one run.

Prints one JSON object; progress on stderr.

    python scripts/bench_live.py [--video vn_a] [--video vn_giangvo ...] [--seconds 60]
        [--set detector.picture_fps=0]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.config.sections import DetectorConfig  # noqa: E402
from scripts.bench_common import machine, percentile, say  # noqa: E402
from tests.fixtures.broker import free_port, make_broker  # noqa: E402
from tests.fixtures.rtsp import RtspServer  # noqa: E402
from tests.keys import RECEIPT_KEY, private_pem, public_pem  # noqa: E402
from tests.servers.central_collector import KEY, key_file  # noqa: E402

MEDIA = REPO.parent / "shared" / "media"
BOX = "EB-01"
TICKS = os.sysconf("SC_CLK_TCK")


def city_config(directory: Path, videos: list[Path], urls: list[str], port: int,
                metrics: int, engine: str | None, settings: list[str]) -> Path:  # fmt: skip
    """`settings`: SECTION.FIELD=VALUE, the same for every camera (in `defaults:`)."""
    defaults: dict[str, dict[str, object]] = {}
    for setting in settings:
        key, _, value = setting.partition("=")
        section, _, field = key.partition(".")
        defaults.setdefault(section, {})[field] = yaml.safe_load(value)
    cameras = []
    for i, (video, url) in enumerate(zip(videos, urls, strict=True), start=1):
        truth = json.loads(video.with_suffix(".json").read_text())
        cal = truth["calibration"]
        heads = [{"roi": h["roi"], "layout": h.get("layout", "vertical")}
                 for h in cal["signal_heads"]]  # fmt: skip
        cameras.append({
            "id": f"LV-{i:02d}", "name": f"{video.stem} over RTSP",
            "location": {"lat": 10.36, "lon": 106.36}, "box": BOX, "source": url,
            "frame_size": [truth["width"], truth["height"]],
            "stop_line": cal.get("stop_line_polyline") or cal["stop_line"],
            "direction": cal["direction"], "signal": {"source": "vision", "heads": heads},
            **({"detector": {"engine": engine}, "plate": {"engine": engine}} if engine else {}),
        })  # fmt: skip
    config = {
        "edge": {
            "broker": {"host": "127.0.0.1", "port": port, "keepalive_s": 5},
            "outbox": {"dir": str(directory / "outbox")},
            "key_file": str(private_pem(directory, KEY, "edge")),
            "receipt_keys": [str(public_pem(directory, RECEIPT_KEY, "receipts"))],
            "state_dir": str(directory / "state"),
            "heartbeat_s": 5,
            "metrics_port": metrics,
        },
        "defaults": defaults,
        "cameras": cameras,
    }
    path = directory / "cameras.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def central_config(directory: Path, cameras: Path, port: int) -> Path:
    config = {
        "database_url": f"sqlite:///{directory / 'central.db'}",
        "evidence_dir": str(directory / "evidence"),
        "cameras": str(cameras),
        "broker": {"host": "127.0.0.1", "port": port, "keepalive_s": 5},
        "keys": [{"box": BOX, "pem_file": str(key_file(directory, KEY, "edge-public"))}],
        "receipt_key_file": str(private_pem(directory, RECEIPT_KEY, "receipts")),
    }
    path = directory / "central.yaml"
    path.write_text(json.dumps(config))
    return path


def metrics(port: int) -> dict[tuple[str, str], float]:
    """(metric, camera) -> value from the daemon's /metrics."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r'^(dendo_edge_\w+)\{[^}]*camera="([^"]+)"[^}]*\} (\S+)$', line)
        if m:
            out[(m.group(1), m.group(2))] = float(m.group(3))
    return out


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process; None once it is gone (a worker that crashed)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def cpu_share(before: float | None, after: float | None, wall: float) -> float | None:
    """CPU per second of one worker over the window; None if it was not the same process."""
    if before is None or after is None or after < before:
        return None
    return round((after - before) / wall, 3)


def worker_pids(log: Path) -> dict[str, int]:
    found = {}
    for line in log.read_text(errors="replace").splitlines():
        if m := re.search(r"camera (\S+): worker started \(pid (\d+)\)", line):
            found[m.group(1)] = int(m.group(2))
    return found


def score(found: list[int], listed: list[int], frames: int, n: int, tolerance: int,
          settle: int) -> dict[str, Any]:  # fmt: skip
    """Listed crossings expected at each pass of the loop the worker saw (`settle` frames
    before the end left out: their decision may still be pending)."""
    expected = [
        p * n + f for p in range(frames // n + 1) for f in listed if p * n + f < frames - settle
    ]
    unused = sorted(found)
    hits, missed = 0, []
    for want in expected:
        near = [f for f in unused if abs(f - want) <= tolerance]
        if near:
            unused.remove(min(near, key=lambda f: abs(f - want)))
            hits += 1
        else:
            missed.append(want)
    late = [f for f in unused if f >= frames - settle]
    false = [f for f in unused if f < frames - settle]
    return {"expected": len(expected), "found": hits, "missed_frames": missed,
            "false_frames": false, "after_the_end": len(late)}  # fmt: skip


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    videos = [v if v.suffix else MEDIA / f"{v}.mp4" for v in args.video]
    for v in videos:
        if not v.exists():
            return {"skipped": f"{v} not found"}
    servers = [RtspServer(v, free_port(), f"/cam{i}") for i, v in enumerate(videos, start=1)]
    broker = make_broker(work / "broker")
    procs: list[subprocess.Popen[Any]] = []
    try:
        for s in servers:
            s.start()
        broker.start()
        metrics_port = free_port()
        cameras = city_config(work, videos, [s.url for s in servers], broker.port, metrics_port,
                              args.engine, args.set)  # fmt: skip
        central = central_config(work, cameras, broker.port)
        collector = subprocess.Popen(
            [sys.executable, str(REPO / "tests/servers/central_collector.py"), "--config",
             str(central), "--client-id", "dendo-central-1"],
            stdout=subprocess.PIPE, stderr=(work / "collector.log").open("wb"), cwd=REPO,
        )  # fmt: skip
        procs.append(collector)
        assert collector.stdout is not None
        if collector.stdout.readline().strip() != b"ready":
            return {"error": (work / "collector.log").read_text()[-3000:]}
        daemon_log = work / "daemon.log"
        daemon = subprocess.Popen(
            [sys.executable, "-m", "edge.commands.main", "run", "--config", str(cameras),
             "--box", BOX, *args.run_args],
            stderr=daemon_log.open("wb"), cwd=REPO,
        )  # fmt: skip
        procs.append(daemon)
        say(f"{len(videos)} camera(s) live; warming up {args.warmup:g} s")
        deadline = time.monotonic() + 120
        while len(worker_pids(daemon_log)) < len(videos) and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(args.warmup)
        pids = worker_pids(daemon_log)
        first = metrics(metrics_port)
        cpu0 = {c: cpu_seconds(p) for c, p in pids.items()}
        t0 = time.monotonic()
        say(f"measuring {args.seconds:g} s")
        time.sleep(args.seconds)
        wall = time.monotonic() - t0
        cpu1 = {c: cpu_seconds(p) for c, p in pids.items()}
        last = metrics(metrics_port)
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(60)
        time.sleep(3)  # the last receipts
        return report(args, work, videos, pids, first, last, cpu0, cpu1, wall, daemon_log)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(20)
        broker.stop()
        for s in servers:
            s.stop()


def report(args: argparse.Namespace, work: Path, videos: list[Path], pids: dict[str, int],
           first: dict[tuple[str, str], float], last: dict[tuple[str, str], float],
           cpu0: dict[str, float | None], cpu1: dict[str, float | None], wall: float,
           daemon_log: Path) -> dict[str, Any]:  # fmt: skip
    with sqlite3.connect(work / "central.db") as db:
        rows = db.execute("SELECT camera_id, manifest, crossed_at, received_at FROM bundles")
        stored = [(c, json.loads(m), a, b) for c, m, a, b in rows.fetchall()]
    cams: list[dict[str, Any]] = []
    latencies: list[float] = []
    slowest: list[tuple[float, str, int]] = []  # (seconds, camera, crossing frame)
    for i, video in enumerate(videos, start=1):
        cam = f"LV-{i:02d}"
        truth = json.loads(video.with_suffix(".json").read_text())
        fps, n = float(truth["fps"]), int(truth["frames"])

        def delta(name: str, cam: str = cam) -> float:
            return last.get((name, cam), 0.0) - first.get((name, cam), 0.0)

        mine = [(m, a, b) for c, m, a, b in stored if c == cam]
        for m, a, b in mine:
            latency = (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()
            latencies.append(latency)
            slowest.append((latency, cam, int(m["cross_frame"])))
        frames_in = last.get(("dendo_edge_frames_in", cam), 0.0)
        arrived = max(delta("dendo_edge_frames_in"), 1.0)
        cams.append({
            "camera": cam, "video": video.name,
            "cpu_s_per_video_s": cpu_share(cpu0.get(cam), cpu1.get(cam), wall),
            "frames_arrived": int(arrived),
            "dropped_share": round(delta("dendo_edge_frames_dropped") / arrived, 4),
            "shed_share": round(delta("dendo_edge_frames_shed") / arrived, 4),
            "overloaded_at_end": bool(last.get(("dendo_edge_overloaded", cam))),
            "bundles_failed": int(last.get(("dendo_edge_bundles_failed", cam), 0)),
            "frames_failed": int(last.get(("dendo_edge_frames_failed", cam), 0)),
            "restarts": int(last.get(("dendo_edge_worker_restarts_total", cam), 0)),
            "violations": score([m["cross_frame"] for m, _, _ in mine],
                                [v["cross_frame"] for v in truth["violations"]],
                                int(frames_in), n, round(fps / 2), round(3 * fps)),
        })  # fmt: skip
    log = daemon_log.read_text(errors="replace").splitlines()
    result: dict[str, Any] = {
        "machine": machine(),
        "seconds_measured": round(wall, 1),
        "warmup_s": args.warmup,
        "cameras": cams,
        "crossing_to_stored_ms": {
            "n": len(latencies),
            "p50": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "p95": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
            "slowest": [
                {"camera": c, "cross_frame": f, "ms": round(x * 1000, 1)}
                for x, c, f in sorted(slowest, reverse=True)[:3]
            ],
        },
        "log_lines_not_json": sum(1 for line in log if line and not line.startswith("{")),
        "overload_warnings": [json.loads(x)["msg"] for x in log if "cannot keep up" in x][:6],
        "capacity_said": next((json.loads(x)["msg"] for x in log if "need about" in x), None),
    }
    if args.replay and len({v for v in videos}) == 1:
        say("replay of the same video for comparison")
        engine = ["--engine", args.engine] if args.engine else []
        engine += ["--threads", str(DetectorConfig().threads)]  # as the live cameras run
        out = subprocess.run([sys.executable, str(REPO / "scripts/bench_edge.py"), "--video",
                              str(videos[0]), "--rates", "5:2", *engine], capture_output=True,
                             text=True, check=False, cwd=REPO)  # fmt: skip
        try:
            runs = json.loads(out.stdout)["runs"]
            replay = runs[0].get("cpu_s_per_video_s_running")
        except (ValueError, KeyError, IndexError):
            replay = None
        result["replay_cpu_s_per_video_s_running"] = replay
        live = [c["cpu_s_per_video_s"] for c in cams if c["cpu_s_per_video_s"]]
        if replay and live:
            result["live_over_replay"] = round(statistics.mean(live) / replay, 3)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--video",
        type=Path,
        action="append",
        help="a name in ../shared/media (vn_a) or a path; repeat for more cameras",
    )
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=15.0)
    ap.add_argument("--replay", action="store_true", help="also measure the replay cost")
    ap.add_argument(
        "--engine",
        choices=["openvino", "onnxruntime"],
        help="run the models on this engine (onnxruntime: float32 on any CPU)",
    )
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE",
                    help="a camera setting for every camera (repeatable)")  # fmt: skip
    ap.add_argument("--run-arg", dest="run_args", action="append", default=[],
                    help="passed to dendo-edge run (e.g. --no-capacity-check)")  # fmt: skip
    args = ap.parse_args()
    args.video = args.video or [Path("vn_a")]
    with tempfile.TemporaryDirectory(prefix="dendo-live-") as tmp:
        result = run(args, Path(tmp))
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
