"""One camera's pipeline assembled from its (merged) configuration, for replays and live workers.

Each runtime object is built from its own config section; nothing is copied field by field,
so a setting has one default (in `common.config`) and one reader.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from common.config.camera import CameraConfig, config_hash
from common.config.sections import DetectorKind
from common.config.signal import SignalControllerConfig
from edge.perception.models import ModelRegistry
from edge.perception.motion import MotionDetector
from edge.perception.onnx_session import precision_of
from edge.perception.plate.finder import PlateFinder
from edge.perception.plate.track_plates import TrackPlates
from edge.perception.precision import detector_precision
from edge.perception.vehicles import Detector, VehicleDetector
from edge.pipeline.camera import CameraSite, Pipeline
from edge.pipeline.clip import ClipRecorder
from edge.pipeline.evidence import EvidenceWriter
from edge.pipeline.rule import RedLightRule, StopLine
from edge.pipeline.signal import SignalSource
from edge.pipeline.track import Tracker


def models_as_run(camera: CameraConfig) -> dict[str, dict[str, str]]:
    """Each model's engine and precision on this CPU, as the camera's sessions pick them
    (for the evidence manifest: which arithmetic judged and read)."""
    engine = camera.detector.engine
    precision = detector_precision(camera.detector.precision, engine)
    reader = camera.plate.engine
    run = {
        "plates": {"engine": str(engine), "precision": precision},
        "text_rec": {"engine": str(reader), "precision": precision_of(reader)},
    }
    if camera.detector.kind == DetectorKind.YOLO:
        run["vehicles"] = {"engine": str(engine), "precision": precision}
    return dict(sorted(run.items()))


def build_detector(camera: CameraConfig, registry: ModelRegistry) -> Detector:
    """The camera's detector; YOLO scores down to the tracker's second stage are kept."""
    if camera.detector.kind == DetectorKind.MOTION:
        return MotionDetector()
    return VehicleDetector.from_config(
        camera.detector, registry, min_score=camera.tracker.low_thresh
    )


def build_plate_finder(camera: CameraConfig, registry: ModelRegistry) -> PlateFinder:
    return PlateFinder.from_registry(
        registry,
        threads=camera.detector.threads,
        engine=camera.plate.engine,
        detector_engine=camera.detector.engine,
        detector_precision=camera.detector.precision,
    )


def warm_up(camera: CameraConfig, detector: Detector, finder: PlateFinder | None) -> None:
    """One detection (and one plate search) on a blank picture of the camera's configured
    size: the sessions fitted to that size are compiled now rather than on the first frame,
    while frames would queue and drop. Without a configured `frame_size` nothing is done."""
    if camera.frame_size is None:
        return
    w, h = camera.frame_size
    blank = np.zeros((h, w, 3), np.uint8)
    detector.detect(blank, camera.detection_rect(w, h))
    if finder is not None:
        finder.find(blank[: min(h, 240), : min(w, 320)])


def build_pipeline(
    camera: CameraConfig,
    registry: ModelRegistry,
    fps: float,
    start_time: datetime,
    writer: EvidenceWriter | None,
    *,
    live: bool = False,
    read_plates: bool = True,
    signal_controller: SignalControllerConfig | None = None,
    detector: Detector | None = None,
    plate_finder: PlateFinder | None = None,
) -> Pipeline:
    """Everything one camera needs, from its configuration. `start_time` is the UTC time of
    stream time 0; `live` says it is the wall clock of a stream (a fixed-time plan then finds
    its place in the cycle from its epoch) rather than the start of a recording;
    `signal_controller`: the registered controller of a camera that follows one;
    `detector`, `plate_finder`: models already loaded and warmed (a live worker loads them
    before its stream starts, so no frame waits for a model to compile)."""
    zone = camera.exempt.right_turn_on_red if camera.exempt else None
    rule = RedLightRule(
        StopLine(camera.stop_line, camera.direction),
        camera.rule,
        exit_zone=zone.exit_zone if zone else None,
        signal_history_s=camera.evidence.frames_before_s + 10.0,
    )
    signal = SignalSource.from_config(
        camera.signal, camera.rule.debounce_frames, start_time if live else None, signal_controller
    )
    plates = None
    if read_plates:
        plates = TrackPlates(plate_finder or build_plate_finder(camera, registry), camera.plate)
    site = CameraSite(
        camera.id, camera.name, camera.location.lat, camera.location.lon, config_hash(camera)
    )
    return Pipeline(
        site,
        fps,
        start_time,
        detector or build_detector(camera, registry),
        Tracker(camera.tracker),
        rule,
        signal,
        plates,
        writer,
        rates=camera.detector,
        evidence=camera.evidence,
        region=camera.detection_rect,
        clip=ClipRecorder.from_config(camera.evidence, fps),
        frame_size=camera.frame_size,
    )
