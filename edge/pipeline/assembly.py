"""One camera's pipeline assembled from its (merged) configuration, for replays and live workers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common.config.camera import Camera, config_hash
from edge.perception.models import ModelRegistry
from edge.perception.motion import MotionDetector
from edge.perception.plate.finder import PlateFinder
from edge.perception.plate.track_plates import TrackPlates
from edge.perception.signal_heads import SignalHead
from edge.perception.vehicles import VehicleDetector
from edge.pipeline.camera import CameraSite, Pipeline, SignalSource
from edge.pipeline.clip import ClipRecorder
from edge.pipeline.evidence import EvidenceWriter
from edge.pipeline.rule import RedLightRule, RuleSettings, StopLine
from edge.pipeline.signal import FixedTimePlan
from edge.pipeline.track import Tracker

SOFTWARE_VERSION = "0.1.0"


def build_pipeline(
    camera: Camera,
    registry: ModelRegistry,
    fps: float,
    start_time: datetime,
    evidence: EvidenceWriter | None,
    detect_fps: float | None = None,
    read_plates: bool = True,
    idle_detect_fps: float | None = None,
) -> Pipeline:
    """Everything one camera needs, from its (merged) configuration."""
    det = camera.detector
    if det.kind == "motion":
        detector: Any = MotionDetector()
    else:
        labels = [c for c in det.classes if c != "traffic light"]
        detector = VehicleDetector(
            registry.path("vehicles"),
            conf=min(det.conf, camera.tracker.low_thresh),
            iou=det.iou,
            threads=det.threads,
            labels=labels,
            engine=det.engine,
        )
    tr = camera.tracker
    tracker = Tracker(
        high_thresh=tr.high_thresh,
        low_thresh=tr.low_thresh,
        new_track_thresh=tr.high_thresh,
        match_iou=tr.match_iou,
        max_lost_s=tr.max_lost_s,
        min_hits=tr.min_hits,
    )
    r = camera.rule
    settings = RuleSettings(
        min_distance_px=r.min_distance_px,
        min_frames_past_line=r.min_frames_past_line,
        amber_policy=r.amber_policy,
        amber_grace_s=r.amber_grace_s,
        min_seconds_into_red=r.min_seconds_into_red,
    )
    zone = camera.exempt.right_turn_on_red if camera.exempt else None
    rule = RedLightRule(
        StopLine(camera.stop_line, camera.direction),
        settings,
        exit_zone=zone.exit_zone if zone else None,
        signal_history_s=camera.evidence.frames_before_s + 10.0,
    )
    sig = camera.signal
    heads = [SignalHead(tuple(h.roi), h.layout) for h in sig.heads]
    plan = None
    if sig.schedule is not None:
        s = sig.schedule
        plan = FixedTimePlan(s.cycle_s, s.red_start_s, s.red_s, s.amber_s, s.offset_s)
    signal = SignalSource(sig.source, heads, r.debounce_frames, plan)
    plates = None
    if read_plates:
        finder = PlateFinder.from_registry(
            registry,
            threads=det.threads,
            engine=camera.plate.engine,
            detector_engine=det.engine,
        )
        plates = TrackPlates(finder, camera.plate.crops_to_read, camera.plate.min_confidence)
    site = CameraSite(
        camera.id, camera.name, camera.location.lat, camera.location.lon, config_hash(camera)
    )
    roi = None
    if camera.roi:
        xs, ys = [p[0] for p in camera.roi], [p[1] for p in camera.roi]
        roi = (int(min(xs)), int(min(ys)), int(max(xs) - min(xs)), int(max(ys) - min(ys)))
    return Pipeline(
        site,
        fps,
        start_time,
        detector,
        tracker,
        rule,
        signal,
        plates,
        evidence,
        detect_fps=detect_fps or det.detect_fps,
        idle_detect_fps=min(idle_detect_fps or det.idle_detect_fps, detect_fps or det.detect_fps),
        roi=roi,
        frames_before_s=camera.evidence.frames_before_s,
        frames_after_s=camera.evidence.frames_after_s,
        clip=ClipRecorder(camera.evidence.clip_seconds, fps) if camera.evidence.clip else None,
    )
