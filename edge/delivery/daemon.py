"""The edge-box daemon: one worker process per camera of the box (`dendo-edge run`).

The parent only supervises: it starts a process per camera, restarts one that dies (after a
delay that doubles up to `restart_max_s`, and resets once a worker has run a minute), serves
Prometheus metrics from the figures the workers send it, and on SIGTERM or SIGINT asks every
worker to stop (each finishes its pending bundles and flushes its outbox) before it exits.
A camera that fails never takes the others down.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from common.config.city import CityConfig, load_config
from common.logs import setup_logging
from edge.delivery.capacity import BoxLoad
from edge.delivery.metrics import BoxMetrics

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

log = logging.getLogger("edge.delivery.daemon")
STOP_GRACE_S = 20.0  # a worker gets this long to finish and flush after SIGTERM
HEALTHY_RUN_S = 60.0  # a worker that ran this long resets its restart delay


def camera_process(
    config_path: str, camera_id: str, stats: Queue[dict[str, object]], log_format: str
) -> None:
    """Entry point of one worker process (spawned: no state inherited from the parent)."""
    setup_logging(camera_id, fmt=log_format)
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        log.info("camera %s: signal %d, stopping", camera_id, signum)
        stop.set()

    # First thing: a SIGTERM that comes while the models load must still stop it cleanly.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; Ctrl-C reaches it too
    try:
        _run_camera(config_path, camera_id, stats, stop)
    except Exception:  # logged as JSON with the traceback as a field, then the daemon restarts it
        log.critical("camera %s: worker failed", camera_id, exc_info=True)
        raise SystemExit(1) from None


def _run_camera(
    config_path: str, camera_id: str, stats: Queue[dict[str, object]], stop: threading.Event
) -> None:
    from edge.delivery.worker import CameraWorker

    config = load_config(config_path)
    camera = config.camera(camera_id)
    controller = camera.signal.controller
    worker = CameraWorker(
        camera,
        config.edge,
        camera.box,
        stop_event=stop,
        signal_controller=config.signal_controller(controller.intersection) if controller else None,
    )

    def report(figures: dict[str, object]) -> None:
        try:
            stats.put_nowait(figures)
        except queue.Full:
            pass

    worker.run(on_stats=report)


@dataclass
class Slot:
    """One camera's worker process and its restart bookkeeping."""

    camera_id: str
    process: mp.process.BaseProcess | None = None
    started_at: float = 0.0
    restarts: int = 0
    delay_s: float = 0.0
    due_at: float = 0.0  # when a dead worker may be started again


class BoxDaemon:
    def __init__(
        self, config_path: Path, config: CityConfig, box: str, log_format: str = "json"
    ) -> None:
        self.config_path, self.config, self.box = config_path, config, box
        self.log_format = log_format
        self.ctx = mp.get_context("spawn")
        self.stats: Queue[dict[str, object]] = self.ctx.Queue(maxsize=1000)
        self.slots = [Slot(c.id) for c in config.cameras_on_box(box)]
        self.stopping = False
        settings = config.edge
        self.metrics = BoxMetrics(box, settings.metrics_port, settings.metrics_host)
        self.load = BoxLoad(box)

    def _start(self, slot: Slot) -> None:
        slot.process = self.ctx.Process(
            target=camera_process,
            args=(str(self.config_path), slot.camera_id, self.stats, self.log_format),
            name=f"dendo-{slot.camera_id}",
        )
        slot.process.start()
        slot.started_at = time.monotonic()
        self.metrics.worker_up(slot.camera_id, True)
        log.info("camera %s: worker started (pid %s)", slot.camera_id, slot.process.pid)

    def _check(self, slot: Slot, now: float) -> None:
        settings = self.config.edge
        p = slot.process
        if p is not None and p.is_alive():
            return
        if p is not None:  # it died: schedule a restart
            ran = now - slot.started_at
            if ran >= HEALTHY_RUN_S:
                slot.delay_s = 0.0
            slot.delay_s = min(
                settings.restart_max_s, max(settings.restart_min_s, slot.delay_s * 2)
            )
            slot.due_at = now + slot.delay_s
            slot.restarts += 1
            slot.process = None
            self.metrics.worker_up(slot.camera_id, False)
            self.metrics.restarted(slot.camera_id)
            log.error(
                "camera %s: worker exited with code %s after %.1f s; restart in %.1f s",
                slot.camera_id,
                p.exitcode,
                ran,
                slot.delay_s,
            )
        if now >= slot.due_at:
            self._start(slot)

    def _drain_stats(self) -> None:
        while True:
            try:
                figures = self.stats.get_nowait()
            except queue.Empty:
                return
            self.metrics.update(figures)
            self.load.update(figures)

    def request_stop(self, signum: int, _frame: object) -> None:
        if not self.stopping:
            log.info("box %s: signal %d, stopping %d worker(s)", self.box, signum, len(self.slots))
        self.stopping = True

    def run(self) -> int:
        if not self.slots:
            log.error("box %s has no cameras in %s", self.box, self.config_path)
            return 2
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        self.metrics.serve()
        log.info(
            "box %s: %d camera(s): %s", self.box, len(self.slots), [s.camera_id for s in self.slots]
        )
        while not self.stopping:
            now = time.monotonic()
            for slot in self.slots:
                self._check(slot, now)
            self._drain_stats()
            time.sleep(0.2)
        return self._shutdown()

    def _shutdown(self) -> int:
        running = [s for s in self.slots if s.process is not None and s.process.is_alive()]
        for slot in running:
            assert slot.process is not None
            slot.process.terminate()  # SIGTERM: the worker finishes and flushes
        deadline = time.monotonic() + STOP_GRACE_S
        for slot in running:
            assert slot.process is not None
            slot.process.join(max(0.1, deadline - time.monotonic()))
            if slot.process.is_alive():
                log.error("camera %s: did not stop in %.0f s, killed", slot.camera_id, STOP_GRACE_S)
                slot.process.kill()
                slot.process.join(5)
        self._drain_stats()
        log.info("box %s: stopped", self.box)
        return 0
