"""Will this box carry the cameras assigned to it? Said at start-up, with the figures.

`dendo-edge run` measures on this CPU, before the workers start, what one busy second of each
camera costs: its detector as configured (engine, threads) on a picture of the camera's
configured size (or 1920x1080), `detect_fps` times; and per frame, the signal reading and the
conversion of a decoded picture to colour, times two for the decoding itself (H.264 decoding
cost about as much again as the conversion in a profile of a replay), at `ASSUMED_FPS` frames
a second, since a stream's rate is known only once it is open. The sum is compared with the
box's cores; when it is over, the log says so with every figure and what to change.

This is an estimate before anything runs. The daemon measures what the workers really use in
their first minute and says it again with those figures (`BoxLoad`), and each worker warns
when it cannot keep up (edge.delivery.load).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

from common.config.camera import CameraConfig
from common.config.sections import DetectorKind
from edge.perception.models import ModelRegistry

log = logging.getLogger("edge.delivery.capacity")

ASSUMED_FPS = 25.0  # the stream's rate is not in the config
DECODE_PER_CONVERSION = 2.0  # decoding a frame, plus converting it, over converting it
HEADROOM = 0.85  # of the cores: the broker client, the outbox, the OS
CALLS = 3


@dataclass(frozen=True)
class CameraCost:
    camera_id: str
    detect_ms: float  # CPU of one detection here, as configured (all its threads)
    detect_fps: float
    threads: int
    frame_ms: float = 0.0  # decoding and reading the signal of one frame

    @property
    def cores(self) -> float:
        """CPU while a vehicle nears the line: detections, and every frame's own work."""
        return self.detect_ms / 1000 * self.detect_fps + self.frame_ms / 1000 * ASSUMED_FPS


@dataclass(frozen=True)
class Capacity:
    cores: int
    cameras: list[CameraCost]

    @property
    def needed(self) -> float:
        return sum(c.cores for c in self.cameras)

    @property
    def threads(self) -> int:
        return sum(c.threads for c in self.cameras)

    def over(self) -> bool:
        return self.needed > HEADROOM * self.cores

    def summary(self, box: str) -> str:
        each = ", ".join(
            f"{c.camera_id} {c.cores:.2f} (detection {c.detect_ms:.0f} ms x {c.detect_fps:g}/s,"
            f" frame {c.frame_ms:.1f} ms x {ASSUMED_FPS:g}/s)"
            for c in self.cameras
        )
        return (
            f"box {box}: {len(self.cameras)} camera(s) need about {self.needed:.2f} of"
            f" {self.cores} cores when busy [{each}]; detector threads {self.threads}"
        )


def measure(cameras: Sequence[CameraConfig], registry: ModelRegistry) -> Capacity:
    """Time each camera's detector here (cameras with the same settings share one timing)."""
    timed: dict[tuple[object, ...], float] = {}
    costs = []
    for cam in cameras:
        w, h = cam.frame_size or (1920, 1080)
        region = cam.detection_rect(w, h)
        key = (cam.detector.kind, cam.detector.engine, cam.detector.threads, w, h, region)
        if key not in timed:
            timed[key] = _time_detector(cam, registry, (w, h))
        costs.append(CameraCost(cam.id, timed[key], cam.detector.detect_fps,
                                cam.detector.threads, _time_frame(cam, (w, h))))  # fmt: skip
    return Capacity(os.cpu_count() or 1, costs)


def _time_frame(cam: CameraConfig, size: tuple[int, int]) -> float:
    """Milliseconds of one frame's own work: decoding (estimated) and the signal reading."""
    from edge.pipeline.signal import SignalSource

    w, h = size
    planar = np.random.default_rng(1).integers(0, 255, (h * 3 // 2, w), dtype=np.uint8)
    signal = SignalSource.from_config(cam.signal, cam.rule.debounce_frames, None, None)
    picture = cv2.cvtColor(planar, cv2.COLOR_YUV2BGR_I420)
    signal.status(0.0, picture)
    started = time.process_time()
    for _ in range(CALLS * 3):
        picture = cv2.cvtColor(planar, cv2.COLOR_YUV2BGR_I420)
    convert = (time.process_time() - started) / (CALLS * 3)
    started = time.process_time()
    for i in range(CALLS * 3):
        signal.status(i / ASSUMED_FPS, picture)
    read = (time.process_time() - started) / (CALLS * 3)
    return (convert * DECODE_PER_CONVERSION + read) * 1000


def _time_detector(cam: CameraConfig, registry: ModelRegistry, size: tuple[int, int]) -> float:
    from edge.pipeline.assembly import build_detector

    detector = build_detector(cam, registry)
    rng = np.random.default_rng(0)
    picture = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    region = cam.detection_rect(*size)
    detector.detect(picture, region)  # the first call compiles and allocates
    started = time.process_time()  # CPU of every thread: a 2-thread detector costs both
    for _ in range(CALLS):
        detector.detect(picture, region)
    return (time.process_time() - started) / CALLS * 1000


def _measure_apart(cameras: list[CameraConfig]) -> Capacity:
    return measure(cameras, ModelRegistry())


def check_box(box: str, cameras: Sequence[CameraConfig]) -> Capacity:
    """Measure in a process of its own (the models it loads leave with it; the supervisor
    stays small), and log the verdict: info when the box carries its cameras, else a
    warning."""
    timed = [c for c in cameras if c.detector.kind != DetectorKind.MOTION]
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        capacity = pool.submit(_measure_apart, timed).result()
    figures = capacity.summary(box)
    if capacity.over():
        log.warning(
            "%s: more than this box can carry (%.0f %% of its cores). Expect frames shed and "
            "dropped (see the cameras page); lower detector.detect_fps or move cameras to "
            "another box", figures, 100 * capacity.needed / capacity.cores,
        )  # fmt: skip
    elif capacity.threads > capacity.cores:
        log.info("%s: fits; the detector threads outnumber the cores, which only helps a "
                 "camera while the others are idle", figures)  # fmt: skip
    else:
        log.info("%s: fits", figures)
    return capacity


class BoxLoad:
    """What the workers really use, summed over the box once they have run `after_s`: said
    once, as a warning when they need more than the box has or any camera cannot keep up."""

    def __init__(
        self, box: str, after_s: float = 90.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.box, self.after_s, self.clock = box, after_s, clock
        self.started = clock()
        self.latest: dict[str, dict[str, object]] = {}
        self.said = False

    def update(self, figures: dict[str, object]) -> None:
        self.latest[str(figures.get("camera_id"))] = figures
        if self.said or self.clock() - self.started < self.after_s:
            return
        self.said = True
        cores = os.cpu_count() or 1
        used = {c: _number(f.get("cpu_cores")) for c, f in sorted(self.latest.items())}
        behind = [c for c, f in sorted(self.latest.items()) if f.get("overloaded")]
        each = ", ".join(f"{c} {u:.2f}" for c, u in used.items())
        figures_text = (
            f"box {self.box} after {self.after_s:.0f} s: the camera workers use"
            f" {sum(used.values()):.2f} of {cores} cores [{each}]"
        )
        if behind or sum(used.values()) > HEADROOM * cores:
            log.warning("%s; %d camera(s) cannot keep up (%s): this box carries fewer cameras"
                        " at these rates", figures_text, len(behind),
                        ", ".join(behind) or "none yet")  # fmt: skip
        else:
            log.info("%s: it keeps up", figures_text)


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
