"""One camera live: stream → pipeline → evidence → outbox → MQTT, until told to stop.

This is what each worker process of `dendo-edge run` executes. The stream reader keeps only
the newest frame, so a slow moment drops frames (counted) instead of falling behind the
signal. Every bundle the pipeline writes goes into the outbox (SQLite, durable) before it is
published; the spooled file is removed only once the outbox holds its bytes. On stop the
pending crossings are decided, their bundles written, and the outbox flushed while the broker
is reachable: what is not acknowledged stays on disk for the next start.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from common.bundle import open_bundle
from common.config.box import EdgeConfig
from common.config.camera import CameraConfig
from common.config.signal import SignalControllerConfig
from common.signing import key_id, load_private_key
from common.topics import SignalPhase
from common.version import SOFTWARE_VERSION
from edge.delivery.load import LoadMonitor
from edge.delivery.outbox import Outbox
from edge.delivery.phases import Admitted, PhaseGate
from edge.delivery.publish import Publisher
from edge.delivery.rtsp import RtspSource
from edge.perception.models import ModelRegistry
from edge.perception.plate.finder import PlateFinder
from edge.perception.vehicles import Detector
from edge.pipeline.assembly import (
    build_detector,
    build_pipeline,
    build_plate_finder,
    models_as_run,
    warm_up,
)
from edge.pipeline.camera import Pipeline, Violation
from edge.pipeline.evidence import EvidenceWriter, dead_letter_dir
from edge.pipeline.source import Frame, picture_rate

log = logging.getLogger("edge.delivery.worker")


@dataclass
class LiveStats:
    violations: int = 0
    bundles_failed: int = 0  # violations kept in the dead-letter folder without a bundle
    frames_failed: int = 0  # frames the pipeline raised on: skipped, the worker goes on
    frames_shed: int = 0  # idle frames not processed while the worker could not keep up
    last_violation_at: datetime | None = None


class CameraWorker:
    """Runs one camera until `stop` is set; `stats()` is safe to call from other threads."""

    def __init__(
        self,
        camera: CameraConfig,
        settings: EdgeConfig,
        box: str,
        registry: ModelRegistry | None = None,
        read_plates: bool = True,
        stop_event: threading.Event | None = None,
        signal_controller: SignalControllerConfig | None = None,
    ) -> None:
        """`signal_controller`: the registered controller (its keys) of a camera whose signal
        source is `controller`; required for such a camera."""
        self.camera, self.settings, self.box = camera, settings, box
        controller = camera.signal.controller
        if controller is not None and signal_controller is None:
            raise ValueError(
                f"camera {camera.id}: no signal_controllers entry for"
                f" {controller.intersection}: its phases could not be checked"
            )
        self.signal_controller = signal_controller
        self.gate = PhaseGate(signal_controller) if signal_controller is not None else None
        self.registry = registry or ModelRegistry()
        self.models_run = models_as_run(camera)  # engine and precision per model, on this CPU
        self.read_plates = read_plates
        self.stop_event = stop_event or threading.Event()
        self.live = LiveStats()
        self.outbox = Outbox.for_camera(settings.outbox, camera.id)
        self.spool = settings.outbox.dir / "spool" / camera.id
        self.source = RtspSource(
            camera.resolved_source(),
            name=camera.id,
            stall_timeout_s=settings.stall_timeout_s,
            buffer_s=settings.stream_buffer_s,
            picture_fps=picture_rate(camera.detector, camera.evidence),
        )
        self.load = LoadMonitor(camera.id, settings.overload_drop_ratio)
        self.pipeline: Pipeline | None = None
        self._models: tuple[Detector, PlateFinder | None] | None = None
        self.phases: queue.SimpleQueue[Admitted] = queue.SimpleQueue()
        own = load_private_key(settings.key_file).public_key()
        self._own_key = {key_id(own): own}
        self.publisher = Publisher.from_config(
            settings,
            box,
            camera.id,
            self.outbox,
            stats=self.stats,
            signal_intersection=controller.intersection if controller else None,
            on_signal=self._on_signal if controller else None,
        )

    # --- the signal controller feed ---

    def _on_signal(self, phase: SignalPhase) -> None:
        """Called on the MQTT thread: a phase the gate believes goes to the loop, which owns
        the pipeline; any other is counted there and changes nothing."""
        controller = self.camera.signal.controller
        if controller is None or self.gate is None or phase.phase != controller.phase:
            return
        if (admitted := self.gate.admit(phase)) is not None:
            self.phases.put(admitted)

    def _apply_phases(self, pipeline: Pipeline) -> None:
        start = self.source.start_utc
        while start is not None and not self.phases.empty():
            a = self.phases.get()
            since = (a.phase.since - start).total_seconds()
            sent = (a.phase.sent_at - start).total_seconds()
            pipeline.signal.on_phase(since, a.phase.state, sent, a.key_id)

    # --- the loop ---

    def _build(self) -> Pipeline:
        writer = EvidenceWriter(
            self.settings.key_file,
            self.settings.state_dir,
            self.spool,
            SOFTWARE_VERSION,
            self.registry.hashes(),
            self.box,
            jpeg_quality=self.camera.evidence.jpeg_quality,
            models_run=self.models_run,
        )
        start_utc = self.source.start_utc
        assert start_utc is not None  # set by source.start(), before the first frame
        detector, finder = self._models if self._models else (None, None)
        return build_pipeline(
            self.camera,
            self.registry,
            self.source.fps,
            start_utc,
            writer,
            live=True,
            read_plates=self.read_plates,
            signal_controller=self.signal_controller,
            detector=detector,
            plate_finder=finder,
        )

    def _load_models(self) -> None:
        """Load and warm the models before the stream starts (see assembly.warm_up)."""
        detector = build_detector(self.camera, self.registry)
        finder = build_plate_finder(self.camera, self.registry) if self.read_plates else None
        started = time.monotonic()
        warm_up(self.camera, detector, finder)
        self._models = (detector, finder)
        log.info("camera %s: models loaded and warmed in %.1f s", self.camera.id,
                 time.monotonic() - started)  # fmt: skip

    def run(self, on_stats: Callable[[dict[str, object]], None] | None = None) -> None:
        """Read, judge and deliver until `stop_event` is set."""
        self.publisher.start()
        self._requeue_spool()
        if self.stop_event.is_set():  # stopped while starting: deliver what the spool held
            self.publisher.stop(flush_timeout_s=5.0)
            return
        self._load_models()
        self.source.start()
        last_report = 0.0
        try:
            while not self.stop_event.is_set():
                frame = self.source.next_frame(timeout=0.5)
                if frame is not None:
                    if self.pipeline is None:  # the stream's fps is known after the first frame
                        self.pipeline = self._build()
                    self._apply_phases(self.pipeline)
                    if not self._shed(self.pipeline, frame):
                        self._deliver(self._process(self.pipeline, frame))
                if time.monotonic() - last_report >= 2.0:
                    last_report = time.monotonic()
                    health = self.source.health()
                    pictures = health.frames_in - health.frames_unconverted  # the frames judged
                    self.load.update(pictures, health.frames_dropped, self.live.frames_shed)
                    if on_stats:
                        on_stats(self.stats())
        finally:
            self.source.stop()
            if self.pipeline is not None:
                self._deliver(self.pipeline.finish())
            self.publisher.stop(flush_timeout_s=5.0)
            if on_stats:
                on_stats(self.stats())
            log.info(
                "camera %s stopped: %d violation(s), outbox holds %d",
                self.camera.id,
                self.live.violations,
                self.outbox.depth(),
            )

    def _shed(self, pipeline: Pipeline, frame: Frame) -> bool:
        """Whether to skip this frame: the stream's queue is filling and the scene is idle
        (every other frame goes); clip frames are not kept meanwhile (see edge.delivery.load)."""
        shedding = LoadMonitor.shedding(self.source.backlog())
        pipeline.shed_clip = shedding
        if shedding and frame.index % 2 and pipeline.idle():
            self.live.frames_shed += 1
            return True
        return False

    def _process(self, pipeline: Pipeline, frame: Frame) -> list[Violation]:
        """One frame through the pipeline; a frame it raises on is logged (the first, then
        every 100th), counted and skipped: no frame ends the worker and its pending
        crossings."""
        try:
            return pipeline.process(frame)
        except Exception:
            self.live.frames_failed += 1
            if self.live.frames_failed % 100 == 1:
                log.exception("camera %s: frame %d failed in the pipeline (%d so far); skipped",
                              self.camera.id, frame.index, self.live.frames_failed)  # fmt: skip
            return []

    def _deliver(self, violations: list[Violation]) -> None:
        for v in violations:
            self.live.violations += 1
            self.live.last_violation_at = v.crossed_at
            if v.bundle is None:  # the pipeline kept it in the dead-letter folder, and said so
                self.live.bundles_failed += 1
                continue
            try:
                self._to_outbox(v.bundle)
            except Exception:
                self.live.bundles_failed += 1
                kept = self._keep_aside(v.bundle)
                log.exception("camera %s: bundle %s not queued; kept in %s",
                              self.camera.id, v.bundle.name, kept)  # fmt: skip

    def _keep_aside(self, path: Path) -> Path:
        """Move a bundle the outbox did not take into the dead-letter folder."""
        folder = dead_letter_dir(self.settings.state_dir, self.camera.id)
        folder.mkdir(parents=True, exist_ok=True)
        return Path(shutil.move(path, folder / path.name))

    def _to_outbox(self, path: Path) -> None:
        payload = path.read_bytes()
        # Verified against the box's own key before it leaves: a bundle the collector would
        # quarantine is caught here, with the reason, while the spooled file still exists.
        violation_id = open_bundle(payload, self._own_key).manifest.violation_id
        self.publisher.submit(violation_id, payload)  # durable in the outbox when it returns
        path.unlink()
        log.info(
            "camera %s: violation %s queued (%d bytes)", self.camera.id, violation_id, len(payload)
        )

    def _requeue_spool(self) -> None:
        """Bundles written but not yet in the outbox when the last run died."""
        for path in sorted(self.spool.glob("*.zip")) if self.spool.is_dir() else []:
            try:
                self._to_outbox(path)
            except Exception as exc:  # a half-written file from a crash: keep it, say so
                log.error("camera %s: spooled bundle %s unreadable: %s", self.camera.id, path, exc)
                path.rename(path.with_suffix(".bad"))

    def stats(self) -> dict[str, object]:
        health = self.source.health()
        out = {
            "camera_id": self.camera.id,
            "at": datetime.now(UTC),
            "stream_connected": health.connected,
            "frames_in": health.frames_in,
            "frames_processed": health.frames_processed,
            "frames_dropped": health.frames_dropped,
            "frames_corrupt": health.frames_corrupt,
            "frames_unconverted": health.frames_unconverted,
            "reconnects": health.reconnects,
            "violations": self.live.violations,
            "last_violation_at": self.live.last_violation_at,
            "mqtt_connected": self.publisher.connected,
            "outbox_depth": self.outbox.depth(),
            "outbox_bytes": self.outbox.size_bytes(),
            "outbox_evicted": self.outbox.evicted(),
            "outbox_held": self.outbox.held_count(),
            "bundles_failed": self.live.bundles_failed,
            "frames_failed": self.live.frames_failed,
            "frames_shed": self.live.frames_shed,
            "drop_ratio": self.load.current.drop_ratio,
            "shed_ratio": self.load.current.shed_ratio,
            "cpu_cores": self.load.current.cpu_cores,
            "overloaded": self.load.current.overloaded,
            "receipts_refused": self.publisher.counters()["receipts_refused"],
            "signals_refused": self.gate.refused_total if self.gate is not None else 0,
            "models": self.models_run,
        }
        return out
