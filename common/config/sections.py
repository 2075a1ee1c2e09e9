"""The settings every camera inherits from `defaults:` (any key can be overridden per camera).

Each section is what one runtime object is built from: the detector, the tracker, the rule,
the plate reader, the evidence writer. Their defaults live here and nowhere else.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from common.strict import StrictModel


class Engine(StrEnum):
    """What runs a model's ONNX file (edge.perception.onnx_session)."""

    OPENVINO = "openvino"  # bfloat16 where the CPU computes it, float32 elsewhere
    ONNXRUNTIME = "onnxruntime"  # float32


class Precision(StrEnum):
    """The vehicle detector's arithmetic (edge.perception.precision decides "auto")."""

    AUTO = "auto"  # bf16 where the CPU computes it, else int8 (edge.perception.precision)
    INT8 = "int8"  # the committed int8 model (QDQ; what it leaves in float runs float32)
    BF16 = "bf16"  # the float model in bfloat16 where OpenVINO and the CPU compute it
    F32 = "f32"  # the float model in float32: the reference


class DetectorKind(StrEnum):
    YOLO = "yolo"  # the COCO YOLOv8n model
    MOTION = "motion"  # background subtraction (drawn scenes: the demo)


class AmberPolicy(StrEnum):
    """How a crossing on amber is judged."""

    IGNORE = "ignore"  # never a violation
    VIOLATION = "violation"  # always a violation
    GRACE = "grace"  # a violation once amber has lasted `amber_grace_s`


VehicleLabel = Literal["car", "motorcycle", "bus", "truck", "bicycle"]


def _default_classes() -> list[VehicleLabel]:
    return ["car", "motorcycle", "bus", "truck"]


class DetectorConfig(StrictModel):
    kind: DetectorKind = DetectorKind.YOLO
    conf: float = Field(0.25, gt=0, lt=1)
    iou: float = Field(0.45, gt=0, lt=1)
    threads: int = Field(2, ge=1, le=32)
    engine: Engine = Engine.OPENVINO  # runs the vehicle and plate detectors
    precision: Precision = Precision.AUTO  # the vehicle detector's; the plate models' is float
    detect_fps: float = Field(5.0, gt=0, le=60)  # detections/s while a vehicle nears the line
    idle_detect_fps: float = Field(2.0, gt=0, le=60)  # detections/s otherwise
    # While the governing signal reads green nothing crossing can be a case, so the idle rate
    # serves even near the line; the full rate is back from the first amber reading (an amber
    # of about 3 s is time enough to track at it before red) and for any crossing still
    # undecided. Off: the rate follows the traffic alone, whatever the signal.
    idle_on_green: bool = True
    classes: list[VehicleLabel] = Field(default_factory=_default_classes, min_length=1)
    # Where the detector looks when the camera draws no `roi`: "band", the stop line's
    # surroundings (what the rule judges), or "frame", the whole picture. The band reaches
    # `band_along` of the frame's size each way along the travel direction and `band_across`
    # beyond the line's ends: cropped there, small road users near the line are scaled up to
    # the network's input instead of down with the whole frame, and fewer pixels are read.
    region: Literal["band", "frame"] = "band"
    band_along: float = Field(0.35, gt=0, le=1)
    band_across: float = Field(0.05, ge=0, le=1)
    # Frames made into pictures per second (0: every frame): the signal is read, evidence
    # kept and detection run on those; the others are decoded (the next frames depend on
    # them) and counted but never converted, which is most of the cost of a frame nobody
    # looks at. A camera at 30 fps then converts every third frame (edge.pipeline.source).
    picture_fps: float = Field(10.0, ge=0, le=240)

    @model_validator(mode="after")
    def _pictures_for_every_detection(self) -> DetectorConfig:
        if 0 < self.picture_fps < self.detect_fps:
            raise ValueError(
                f"picture_fps ({self.picture_fps:g}) must be at least detect_fps "
                f"({self.detect_fps:g}), or 0 for every frame"
            )
        return self


class TrackerConfig(StrictModel):
    high_thresh: float = Field(0.35, gt=0, le=1)  # first association stage; starts tracks
    low_thresh: float = Field(0.1, gt=0, le=1)  # second stage sees boxes down to this score
    match_iou: float = Field(0.2, gt=0, lt=1)
    max_lost_s: float = Field(1.5, gt=0)
    min_hits: int = Field(2, ge=1)
    # A track born of a low-score box (low_thresh..high_thresh) is trusted only after this
    # many matches in a row (0: low boxes never start tracks); see edge.pipeline.track.
    weak_hits: int = Field(3, ge=0)


class RuleConfig(StrictModel):
    min_frames_past_line: int = Field(2, ge=1)
    min_distance_px: float = Field(12.0, ge=0)
    amber_policy: AmberPolicy = AmberPolicy.IGNORE
    amber_grace_s: float = Field(1.0, ge=0)
    min_seconds_into_red: float = Field(0.3, ge=0)
    debounce_frames: int = Field(3, ge=1)  # a lamp reads the same this many frames to count
    # The crossing must be seen: the detections just before and just past the line at most
    # this far apart (5 detection intervals at 5/s), else it is `unseen`, never a violation.
    max_crossing_gap_s: float = Field(1.0, gt=0)
    # The shortest amber the signals show. A lamp unseen (smeared, hidden by a bus) for less than
    # this between two reds was red throughout: leaving red and coming back takes a green and
    # then a whole amber. A crossing while it is unseen waits to be judged; 0: never bridged.
    least_amber_s: float = Field(3.0, ge=0)


class PlateConfig(StrictModel):
    crops_to_read: int = Field(4, ge=1, le=16)
    min_confidence: float = Field(0.5, ge=0, le=1)
    engine: Engine = Engine.OPENVINO  # runs the text recogniser


class EvidenceConfig(StrictModel):
    frames_before_s: float = Field(1.0, ge=0, le=10)
    frames_after_s: float = Field(1.0, ge=0, le=10)
    jpeg_quality: int = Field(90, ge=1, le=100)
    clip: bool = False
    clip_seconds: float = Field(6.0, gt=0, le=60)


class DefaultsConfig(StrictModel):
    detector: DetectorConfig = DetectorConfig()
    tracker: TrackerConfig = TrackerConfig()
    rule: RuleConfig = RuleConfig()
    plate: PlateConfig = PlateConfig()
    evidence: EvidenceConfig = EvidenceConfig()


GROUPS: tuple[str, ...] = tuple(DefaultsConfig.model_fields)
