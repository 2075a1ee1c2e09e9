"""One camera's pipeline, frame by frame: signal, detection, tracking, the rule, plates, evidence.

The same object serves a replay (the pictures of a file, deterministic) and a live worker (the
newest picture of a stream); pictures are every frame or `detector.picture_fps` of them a
second (edge.pipeline.source). Data flows one way: a frame goes in, violations come out. The
signal is read on every picture (it is cheap and the rule needs it at the crossing);
vehicles are detected `detect_fps` times a second while a moving vehicle is near the stop line
and the signal is not green, and `idle_detect_fps` times a second otherwise, and tracked in
between: the detector is most of the cost, and only crossings on red need the fine sampling.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from common.config.sections import DetectorConfig, EvidenceConfig
from edge.perception.plate.track_plates import PlateVote, TrackPlates
from edge.perception.riders import PERSON, road_users
from edge.perception.vehicles import VEHICLE_LABELS, Detector, Roi, one_box_per_vehicle
from edge.pipeline import overlay_facts as overlay
from edge.pipeline.activity import near_line_activity, nothing_to_judge_on_green
from edge.pipeline.clip import ClipRecorder, Cut
from edge.pipeline.evidence import EvidenceFrames, EvidenceWriter, ViolationRecord
from edge.pipeline.lone_riders import LoneRiders
from edge.pipeline.rule import Decision, DecisionKind, Observation, RedLightRule
from edge.pipeline.same_vehicle import same_vehicle
from edge.pipeline.signal import SignalSource, SignalStatus
from edge.pipeline.source import Frame, FrameRing, picture_rate, picture_stride
from edge.pipeline.track import Track, Tracker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CameraSite:
    """What the evidence says about where the camera is."""

    camera_id: str
    name: str
    lat: float
    lon: float
    config_hash: str


@dataclass
class Violation:
    """A violation found by the pipeline, with its evidence bundle once written."""

    decision: Decision
    crossed_at: datetime
    plate: PlateVote
    bundle: Path | None = None
    dead_letter: Path | None = None  # where it was kept when no bundle could be built

    def to_json(self, bundle_id: str | None = None) -> dict[str, object]:
        d = self.decision
        plate = self.plate
        return {
            "violation_id": bundle_id,
            "track_id": d.track_id,
            "cross_frame": d.cross_frame,
            "crossed_at": self.crossed_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "vehicle_class": d.vehicle_class,
            "box_at_cross": [round(v, 1) for v in d.box_at_cross],
            "plate": {
                "text": plate.text,
                "norm": plate.norm,
                "confidence": round(plate.confidence, 4),
                "reason": plate.reason,
            },
            "signal_state": str(d.signal.state),
            "seconds_into_red": None
            if d.seconds_into_red is None
            else round(d.seconds_into_red, 3),
            "explanation": d.explanation,
            "bundle": self.bundle.name if self.bundle else None,
        }


@dataclass
class PipelineStats:
    frames: int = 0
    detections_run: int = 0
    crossings: dict[str, int] = field(default_factory=dict)  # decisions by kind
    signal_frames: dict[str, int] = field(default_factory=dict)
    frames_wrong_size: int = 0  # not the configured frame size: skipped, never judged
    boxes_merged: int = 0  # a vehicle's second box of another class, suppressed
    duplicate_violations: int = 0  # a second track's crossing of a vehicle already reported
    clip_failures: int = 0
    bundles_failed: int = 0  # violations kept in the dead-letter folder instead


class Pipeline:
    """Frames in, violations out, for one camera."""

    def __init__(
        self,
        site: CameraSite,
        fps: float,
        start_time: datetime,
        detector: Detector,
        tracker: Tracker,
        rule: RedLightRule,
        signal: SignalSource,
        plates: TrackPlates | None,
        writer: EvidenceWriter | None,
        *,
        rates: DetectorConfig,
        evidence: EvidenceConfig,
        region: Callable[[int, int], Roi | None] | None = None,
        clip: ClipRecorder | None = None,
        frame_size: tuple[int, int] | None = None,
    ) -> None:
        """`rates`: detections per second near the line and otherwise (the idle rate is
        never above the active one); `evidence`: how far before and after the crossing the
        evidence frames are taken; `frame_size` (width, height): the size the stop line and
        heads were drawn on, when configured; frames of another size are not judged."""
        self.site, self.fps, self.start_time = site, fps, start_time
        self.clip = clip
        self.detector, self.tracker, self.rule = detector, tracker, rule
        self.signal, self.plates, self.writer = signal, plates, writer
        # Detections fall on pictures: their steps are whole numbers of picture strides.
        stride = picture_stride(fps, picture_rate(rates, evidence))
        self.step = stride * max(1, round(fps / rates.detect_fps / stride))
        idle = min(rates.idle_detect_fps, rates.detect_fps)
        self.idle_step = max(self.step, stride * max(1, round(fps / idle / stride)))
        self.active = True  # detect at the full rate until the scene is known
        self.idle_on_green = rates.idle_on_green
        self._last_detect = -(10**9)
        self.region, self.frame_size = region, frame_size
        self._regions: dict[tuple[int, int], Roi | None] = {}
        self.frames_before = max(1, round(evidence.frames_before_s * fps))
        self.frames_after = max(1, round(evidence.frames_after_s * fps))
        # Enough frames to reach back from a crossing found one detection step late.
        self.ring = FrameRing(evidence.frames_before_s + 3 * self.step / fps)
        self.snapshots: dict[int, dict[str, Frame]] = {}
        self.stats = PipelineStats()
        self.last_status: SignalStatus | None = None
        self.last_tracks: list[Track] = []  # confirmed tracks matched at the last detection
        self.reported: deque[Decision] = deque(maxlen=32)  # recent violations, for duplicates
        self.shed_clip = False  # set by a live worker that cannot keep up: clip frames go first
        self.lone = LoneRiders.like(tracker, rule.stop_line.direction)  # persons on no machine

    def process(self, frame: Frame) -> list[Violation]:
        self.stats.frames += 1
        if self.frame_size is not None:
            h, w = frame.image.shape[:2]
            if (w, h) != self.frame_size:
                if not self.stats.frames_wrong_size:
                    log.error(
                        "camera %s: frame is %dx%d but the stop line and signal heads were drawn "
                        "on %dx%d; such frames are skipped and counted, not judged",
                        self.site.camera_id, w, h, *self.frame_size,
                    )  # fmt: skip
                self.stats.frames_wrong_size += 1
                return []
        status = self.last_status = self.signal.status(frame.t, frame.image)
        counts = self.stats.signal_frames
        counts[str(status.state)] = counts.get(str(status.state), 0) + 1
        self.rule.on_signal(frame.index, frame.t, status)
        self.ring.push(frame)
        if self.clip is not None and not self.shed_clip:
            self.clip.push(frame)
        busy = self.active and not (
            self.idle_on_green
            and nothing_to_judge_on_green(status, self.rule, bool(self.lone.held))
        )
        step = self.step if busy else self.idle_step
        if frame.index - self._last_detect < step:
            return []
        self._last_detect = frame.index
        return self._detect_and_judge(frame)

    def idle(self) -> bool:
        """Nothing near the line and no crossing undecided: frames that may be shed."""
        return not self.active and not self.rule.has_undecided() and not self.lone.held

    def finish(self) -> list[Violation]:
        """End of stream: decide every pending crossing on what was seen."""
        last = self.ring.frames[-1] if self.ring.frames else None
        out = [v for d in self.rule.finish_all() if (v := self._on_decision(d, last))]
        return out + self._riders(self.lone.flush(), last)

    def _riders(
        self, released: list[tuple[Decision, dict[str, Frame] | None]], frame: Frame | None
    ) -> list[Violation]:
        """The held crossings of lone persons who proved riders; the rest are `lone_person`."""
        if self.lone.not_riders:
            self.stats.crossings["lone_person"] = self.lone.not_riders
        out = []
        for d, shots in released:
            self._count(d.kind)
            if (v := self._violation(d, shots, frame)) is not None:
                out.append(v)
        return out

    def _region_of(self, image: np.ndarray) -> Roi | None:
        """The detection region for a frame of this size (the camera's, computed once)."""
        size = (int(image.shape[1]), int(image.shape[0]))
        if size not in self._regions:
            self._regions[size] = self.region(*size) if self.region else None
        return self._regions[size]

    def _detect_and_judge(self, frame: Frame) -> list[Violation]:
        self.stats.detections_run += 1
        seen = self.detector.detect(frame.image, self._region_of(frame.image))
        found = road_users([d for d in seen if d.label in VEHICLE_LABELS or d.label == PERSON])
        vehicles = [d for d in found if d.label != PERSON]
        dets = one_box_per_vehicle(vehicles)
        self.stats.boxes_merged += len(vehicles) - len(dets)
        alone = [d for d in found if d.label == PERSON]  # riding no two-wheeler seen
        persons = self.lone.near_the_line(alone, self.rule.stop_line)
        tracks = self.tracker.update(frame.index, frame.t, dets)  # confirmed, matched now
        tracks += self.lone.tracker.update(frame.index, frame.t, persons)
        self.last_tracks = tracks
        observations = [Observation(tr.id, tr.box, tr.label) for tr in tracks]
        if self.plates is not None:
            for tr in tracks:
                if tr.label != PERSON:  # a lone rider's plate is under the box, hidden
                    self.plates.offer(tr.id, frame.index, frame.image, tr.box)
        out = []
        for decision in self.rule.update(frame.index, frame.t, observations):
            if (v := self._on_decision(decision, frame)) is not None:
                out.append(v)
            if self.plates is not None and decision.track_id not in {t.id for t in tracks}:
                self.plates.forget(decision.track_id)  # held by the rule after its track ended
        for ended in [*self.tracker.removed, *self.lone.tracker.removed]:
            finished = self.rule.finish(ended.id)
            if finished is not None and (v := self._on_decision(finished, frame)) is not None:
                out.append(v)
            if self.plates is not None and not self.rule.holds(ended.id):
                self.plates.forget(ended.id)  # a held crossing's crops wait for its decision
        held = self.lone.ready(frame.t)
        out += self._riders(held, frame)
        self._snapshot_pending(frame)
        self.active = bool(self.lone.held) or near_line_activity(self.rule, self.tracker, dets)
        return out

    def _snapshot_pending(self, frame: Frame) -> None:
        """Keep the before/cross frames of every pending crossing while the ring has them,
        and its after frame once it comes (the decision itself may come much later)."""
        for track_id, cross_frame in self.rule.undecided_crossings():
            shots = self.snapshots.get(track_id) or self._take(cross_frame)
            if shots is None:
                continue
            self.snapshots[track_id] = shots
            if "after" not in shots and frame.index >= cross_frame + self.frames_after:
                shots["after"] = frame

    def _take(self, cross_frame: int) -> dict[str, Frame] | None:
        before = self.ring.nearest(cross_frame - self.frames_before)
        cross = self.ring.nearest(cross_frame)
        return {"before": before, "cross": cross} if before and cross else None

    def _on_decision(self, d: Decision, frame: Frame | None) -> Violation | None:
        shots = self.snapshots.pop(d.track_id, None) or self._take(d.cross_frame)
        if d.kind == DecisionKind.VIOLATION and d.vehicle_class == PERSON:
            self.lone.hold(d, shots)  # a rider or a pedestrian: told by how they move
            return None
        self._count(d.kind)
        return self._violation(d, shots, frame) if d.kind == DecisionKind.VIOLATION else None

    def _count(self, kind: str) -> None:
        self.stats.crossings[str(kind)] = self.stats.crossings.get(str(kind), 0) + 1

    def _violation(
        self, d: Decision, shots: dict[str, Frame] | None, frame: Frame | None
    ) -> Violation | None:
        """A violation of a road user: reported once, with its evidence."""
        if (same := same_vehicle(d, self.reported)) is not None:
            self.stats.duplicate_violations += 1
            log.info("camera %s: track %d crossed at frame %d with track %d's box: one vehicle,"
                     " one violation", self.site.camera_id, d.track_id, d.cross_frame,
                     same.track_id)  # fmt: skip
            return None
        self.reported.append(d)
        crossed_at = self.start_time + timedelta(seconds=d.cross_t)
        plate = (
            self.plates.decide(d.track_id)
            if self.plates is not None
            else PlateVote(None, None, 0.0, 0, "plate reading is off", None, ())
        )
        violation = Violation(d, crossed_at, plate)
        if self.writer is None:
            return violation
        if shots is None or frame is None:
            self._dead_letter(violation, {}, "no frame of the crossing was kept")
            return violation
        after = shots.get("after", frame)
        try:
            violation.bundle = self._write_bundle(violation, shots, after)
        except Exception as exc:  # one violation's evidence must never end the camera's worker
            log.exception("camera %s: the bundle of track %d could not be built",
                          self.site.camera_id, d.track_id)  # fmt: skip
            pictures = {**shots, "after": after}
            self._dead_letter(violation, pictures, f"{type(exc).__name__}: {exc}")
        return violation

    def _dead_letter(self, v: Violation, frames: dict[str, Frame], error: str) -> None:
        """Keep what is known of a violation without a bundle, counted and logged."""
        assert self.writer is not None
        self.stats.bundles_failed += 1
        what = {"camera_id": self.site.camera_id, "error": error, **v.to_json()}
        what["frames"] = {role: {"frame_index": f.index, "t": round(f.t, 3)}
                          for role, f in frames.items()}  # fmt: skip
        try:
            v.dead_letter = self.writer.dead_letter(
                self.site.camera_id, what, {role: f.image for role, f in frames.items()}
            )
        except OSError as exc:
            log.critical("camera %s: violation of track %d (%s) not even kept: %s; it was %s",
                         self.site.camera_id, v.decision.track_id, error, exc, what)  # fmt: skip
            return
        log.error("camera %s: violation of track %d kept in %s without a bundle: %s",
                  self.site.camera_id, v.decision.track_id, v.dead_letter, error)  # fmt: skip

    def _write_bundle(self, v: Violation, shots: dict[str, Frame], after: Frame) -> Path:
        assert self.writer is not None
        d = v.decision
        red_since = (
            self.start_time + timedelta(seconds=d.signal.red_since)
            if d.signal.red_since is not None
            else v.crossed_at
        )
        track = overlay.track_of((self.tracker, self.lone.tracker), d.track_id)
        before, cross = shots["before"], shots["cross"]
        pictures = (("before", before), ("cross", cross), ("after", after))
        boxes = overlay.frame_boxes(track, d.cross_frame, pictures, d.box_at_cross)
        cut = self._clip(d.cross_t)
        record = ViolationRecord(
            camera_id=self.site.camera_id,
            site_name=self.site.name,
            lat=self.site.lat,
            lon=self.site.lon,
            track_id=d.track_id,
            vehicle_class=d.vehicle_class,
            cross_frame=d.cross_frame,
            crossed_at=v.crossed_at,
            red_since=red_since,
            seconds_into_red=d.seconds_into_red or 0.0,
            signal_state=str(d.signal.state),
            signal_source=d.signal.source,
            config_hash=self.site.config_hash,
            decision=d.explanation,
            plate=v.plate.to_json(),
            plate_reason=v.plate.reason,
            frame_boxes=boxes,
            signal_debounce_frames=self.signal.debounce_frames,
            signal_key_id=d.signal.vouched_by,
            cross_t=d.cross_t,
            geometry=overlay.geometry(self.rule.stop_line, cross.image),
            track=overlay.track_boxes(track, *overlay.track_window((before, after), cut)),
            plate_box=overlay.plate_box(v.plate.spot, boxes[1]["box"]),
            clip=overlay.clip_info(cut),
        )
        frames = EvidenceFrames(
            before=(before.index, before.t, before.image),
            cross=(cross.index, cross.t, cross.image),
            after=(after.index, after.t, after.image),
            plate_crop=v.plate.crop,
            signal_crop_before=self.signal.crop(before.image),
            signal_crop=self.signal.crop(cross.image),
            signal_crop_after=self.signal.crop(after.image),
            clip=cut.data if cut else None,
        )
        return self.writer.write(record, frames)

    def _clip(self, cross_t: float) -> Cut | None:
        """The clip around the crossing, if clips are on; a clip that cannot be made is
        logged and left out, never a reason to lose the violation."""
        if self.clip is None:
            return None
        try:
            return self.clip.cut_clip(cross_t)
        except RuntimeError as exc:
            self.stats.clip_failures += 1
            log.warning("camera %s: %s", self.site.camera_id, exc)
            return None
