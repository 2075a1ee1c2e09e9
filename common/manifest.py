"""manifest.json of the evidence bundle: its pydantic models, canonical bytes and strict parser.

Split out of `common.bundle` so the schema (what a violation record says, and the
cross-field rules that make it explain its own decision) lives apart from the ZIP packing and
the signature checks. It also holds the wire-format constants and `BundleError`, which the ZIP
reader and the bundle opener share. Standard library and pydantic only; callers import these
names from `common.bundle`.

manifest.json is canonical JSON: UTF-8, keys sorted, separators "," and ":", no whitespace, no
escaping of non-ASCII, no NaN/Infinity, no trailing newline.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticSerializationError

from common.reasons import WIRE_REASONS, QuarantineReason
from common.strict import Ident

SCHEMA = "dendo.violation/1"
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
MAX_SIZE = 20 * 1024 * 1024
MAX_FILES = 16
MAX_MEMBER = 10 * 1024 * 1024
SECONDS_INTO_RED_TOLERANCE = 0.01  # ms rounding of two timestamps, with room to spare

_CANONICAL: dict[str, Any] = {
    "sort_keys": True, "separators": (",", ":"), "ensure_ascii": False, "allow_nan": False
}  # fmt: skip


class BundleError(Exception):
    """A bundle was refused by the wire format's checks; `detail` says what exactly."""

    def __init__(self, reason: QuarantineReason, detail: str) -> None:
        assert reason in WIRE_REASONS, reason
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# --- identifiers and times -------------------------------------------------------------------


def uuid7(
    clock: Callable[[], int] = time.time_ns, randbytes: Callable[[int], bytes] = os.urandom
) -> str:
    """RFC 9562 UUIDv7: 48-bit Unix ms, then 74 random bits, so ids sort by creation time."""
    ms = clock() // 1_000_000
    if not 0 <= ms < 1 << 48:
        raise ValueError(f"clock out of UUIDv7 range: {ms} ms")
    rand = int.from_bytes(randbytes(10), "big")
    rand_a, rand_b = (rand >> 62) & 0xFFF, rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=ms << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b))


def utc_ms(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds (truncated), e.g. 2026-11-22T07:15:03.120Z."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: evidence times must be timezone-aware")
    m = moment.astimezone(UTC)
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        f".{m.microsecond // 1000:03d}Z"
    )


def parse_utc_ms(text: str) -> datetime:
    """Inverse of utc_ms (ValueError for any other form)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z", text):
        raise ValueError(f"{text!r} is not UTC with milliseconds like 2026-11-22T07:15:03.120Z")
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _check_utc_ms(text: str) -> str:
    parse_utc_ms(text)
    return text


def _check_uuid7(text: str) -> str:
    try:
        value = uuid.UUID(text)
    except ValueError:
        raise ValueError("not a UUID") from None
    if str(value) != text or value.variant != uuid.RFC_4122 or value.version != 7:
        raise ValueError("must be a lowercase hyphenated UUIDv7")
    return text


def _check_json(value: Any) -> Any:
    """Plain JSON only: pydantic would silently turn NaN into null, changing the evidence."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("NaN and Infinity are not JSON")
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                raise ValueError("JSON object keys must be strings")
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif not isinstance(item, str | int | float | None):
            raise ValueError(f"{type(item).__name__} is not a JSON value")
    return value


# --- the manifest ----------------------------------------------------------------------------

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
UtcMs = Annotated[str, AfterValidator(_check_utc_ms)]
FileName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
Finite = Annotated[float, Field(allow_inf_nan=False)]


class FileRole(StrEnum):
    FRAME_BEFORE = "frame_before"
    FRAME_CROSS = "frame_cross"
    FRAME_AFTER = "frame_after"
    PLATE_CROP = "plate_crop"
    SIGNAL_CROP = "signal_crop"  # the heads at the crossing
    SIGNAL_CROP_BEFORE = "signal_crop_before"  # at the frame_before picture
    SIGNAL_CROP_AFTER = "signal_crop_after"  # at the frame_after picture
    CLIP = "clip"


FRAME_ROLES = (FileRole.FRAME_BEFORE, FileRole.FRAME_CROSS, FileRole.FRAME_AFTER)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Location(_Model):
    lat: Finite = Field(ge=-90, le=90)
    lon: Finite = Field(ge=-180, le=180)


class Site(_Model):
    name: str = Field(min_length=1, max_length=200)
    location: Location


class Signal(_Model):
    state: Literal["red", "amber", "green", "unknown"]
    source: Literal["vision", "controller", "schedule"]
    debounce_frames: int | None = Field(ge=0)  # None: the source does not debounce by frames
    # The controller key that signed the phase message a controller-sourced state came from.
    controller_key_id: str | None = Field(None, pattern=r"^[0-9a-f]{16}$")

    @model_validator(mode="after")
    def _vouched(self) -> Signal:
        if self.source == "controller" and self.controller_key_id is None:
            raise ValueError("signal: a controller's phase must name the key that signed it")
        return self


class Vehicle(_Model):
    vehicle_class: str = Field(alias="class", pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    track_id: int = Field(ge=0)


Box4 = tuple[Finite, Finite, Finite, Finite]  # x1, y1, x2, y2 in full-frame pixels


class FrameBox(_Model):
    role: Literal["frame_before", "frame_cross", "frame_after"]
    frame_index: int = Field(ge=0)
    t: Finite = Field(ge=0)  # seconds since the start of the stream or file
    box: Box4
    # frame_index - cross_frame. A live stream may have dropped the crossing frame itself (the
    # crossing is interpolated between detections): the picture is then the nearest frame
    # kept, and this says how far it is. None in older bundles, whose frame_cross picture is
    # always at cross_frame.
    offset_frames: int | None = Field(None, ge=-(10**6), le=10**6)
    # The rider's box on this picture when the offender is a two-wheeler whose rider was seen
    # on it (the road user is both; `box` stays the machine's, whose bottom is the anchor).
    # None for other vehicles, for a rider seen without their machine, and in older bundles.
    rider: Box4 | None = None


MAX_TRACK_POINTS = 200
MAX_LINE_POINTS = 32


class Geometry(_Model):
    """The camera's calibration as the frames were judged, so the page can draw it over them
    (the signed JPEGs stay as captured)."""

    frame_size: tuple[Annotated[int, Field(ge=1)], Annotated[int, Field(ge=1)]]  # w, h
    stop_line: list[tuple[Finite, Finite]] = Field(min_length=2, max_length=MAX_LINE_POINTS)
    direction: tuple[Finite, Finite]  # unit travel direction that crosses the line


class TrackBox(_Model):
    """The offender's box at one processed frame (detected there, not predicted)."""

    frame_index: int = Field(ge=0)
    t: Finite = Field(ge=0)
    box: Box4
    rider: Box4 | None = None  # the rider seen on the machine there (as in FrameBox)


class PlateBox(_Model):
    """Where the plate crop was cut: `box` in the pixels of frame `frame_index` (the one its
    best read came from); `at_cross` the same place on the vehicle moved with the vehicle's box
    to the frame_cross picture, for drawing there."""

    frame_index: int = Field(ge=0)
    box: Box4
    at_cross: Box4 | None = None


class ClipInfo(_Model):
    """How the clip's time maps to the stream's, for stepping frame by frame."""

    start_t: Finite = Field(ge=0)  # stream seconds of the clip's first frame
    fps: Finite = Field(gt=0, le=240)
    frames: int = Field(ge=1)


class Plate(_Model):
    text: str = Field(min_length=1, max_length=32)
    norm: str = Field(pattern=r"^[A-Z0-9]{1,16}$")
    confidence: Finite = Field(ge=0, le=1)
    lines: list[str] = Field(min_length=1, max_length=3)


class FileEntry(_Model):
    name: FileName
    role: FileRole
    sha256: Sha256
    size: int = Field(ge=0)
    content_type: str = Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$")


class Software(_Model):
    name: str = Field(min_length=1, max_length=64)
    version: str = Field(min_length=1, max_length=64)


class ModelRun(_Model):
    """How a model ran: its engine and the arithmetic (bf16 where the CPU has it)."""

    engine: Literal["openvino", "onnxruntime"]
    precision: Literal["bf16", "f32", "int8"]


class EdgeInfo(_Model):
    box: Ident
    key_id: str = Field(pattern=r"^[0-9a-f]{16}$")


class Manifest(_Model):
    """manifest.json. Cross-field rules make a bundle explain its own decision."""

    schema_: Literal["dendo.violation/1"] = Field(alias="schema")
    violation_id: Annotated[str, AfterValidator(_check_uuid7)]
    camera_id: Ident
    site: Site
    sequence: int = Field(ge=1)
    prev_sha256: Sha256 | None
    crossed_at: UtcMs
    red_since: UtcMs
    seconds_into_red: Finite = Field(ge=0)
    signal: Signal
    vehicle: Vehicle
    cross_frame: int = Field(ge=0)
    frame_boxes: list[FrameBox] = Field(max_length=3)
    plate: Plate | None
    plate_reason: str | None = Field(max_length=500)
    decision: Annotated[dict[str, Any], AfterValidator(_check_json)]
    files: list[FileEntry] = Field(max_length=MAX_FILES)
    software: Software
    config_hash: Sha256
    model_hashes: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")], Sha256]
    edge: EdgeInfo
    created_at: UtcMs
    # Optional, for the page's overlays: absent in older bundles, which still verify.
    geometry: Geometry | None = None
    track: list[TrackBox] | None = Field(None, max_length=MAX_TRACK_POINTS)
    plate_box: PlateBox | None = None
    clip: ClipInfo | None = None
    models: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")], ModelRun] | None = (
        None  # optional: older bundles do not say
    )

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        if (self.plate is None) == (not self.plate_reason):
            raise ValueError("plate_reason is required exactly when plate is null")
        names = [f.name.lower() for f in self.files]
        if len(set(names)) != len(names):
            raise ValueError("files: duplicate file name")
        if {MANIFEST_NAME, SIGNATURE_NAME} & set(names):
            raise ValueError("files: manifest.json and manifest.sig are not evidence files")
        roles = [f.role for f in self.files]
        for role in FileRole:
            count, need = roles.count(role), 1 if role in FRAME_ROLES else None
            if (need is not None and count != need) or count > 1:
                raise ValueError(f"files: role {role.value} appears {count} times")
        box_roles = [b.role for b in self.frame_boxes]
        if len(set(box_roles)) != len(box_roles):
            raise ValueError("frame_boxes: duplicate role")
        for b in self.frame_boxes:
            offset = b.frame_index - self.cross_frame
            if b.offset_frames is not None and b.offset_frames != offset:
                raise ValueError(
                    f"frame_boxes: {b.role} is frame {b.frame_index}, {offset} from cross_frame"
                    f" {self.cross_frame}, but its offset_frames says {b.offset_frames}"
                )
            if b.offset_frames is None and b.role == "frame_cross" and offset:
                raise ValueError("frame_boxes: the frame_cross box is not at cross_frame")
        indices = [p.frame_index for p in self.track or []]
        if indices != sorted(set(indices)):
            raise ValueError("track: frame indices must increase")
        if self.clip is not None and FileRole.CLIP not in roles:
            raise ValueError("clip: timing given for a bundle without a clip file")
        elapsed = (parse_utc_ms(self.crossed_at) - parse_utc_ms(self.red_since)).total_seconds()
        if abs(elapsed - self.seconds_into_red) > SECONDS_INTO_RED_TOLERANCE:
            raise ValueError(
                f"seconds_into_red {self.seconds_into_red} disagrees with crossed_at - red_since"
                f" = {elapsed:.3f}"
            )
        return self


def dump_manifest(manifest: Manifest) -> bytes:
    """The canonical manifest.json bytes (what is signed and hashed)."""
    try:
        obj = manifest.model_dump(mode="json", by_alias=True)
    except PydanticSerializationError as exc:
        raise ValueError(f"manifest is not JSON-serialisable: {exc}") from exc
    text = json.dumps(obj, **_CANONICAL)
    return text.encode("utf-8")


def manifest_sha256(manifest_bytes: bytes) -> str:
    """Hex sha256 of manifest.json bytes: the next bundle of the camera holds it as prev_sha256."""
    return hashlib.sha256(manifest_bytes).hexdigest()


# --- parsing ---------------------------------------------------------------------------------


def first_error(exc: ValidationError) -> str:
    """One line for a pydantic error: where the first problem is, and how many more follow."""
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "manifest"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate key in a JSON object")
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_manifest(raw: bytes) -> Manifest:
    """manifest.json bytes as received, strictly validated, or BundleError (wrong_schema)."""
    try:
        obj = json.loads(
            raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant
        )
    except UnicodeDecodeError:
        raise BundleError(QuarantineReason.WRONG_SCHEMA, "manifest.json is not UTF-8") from None
    except (ValueError, RecursionError) as exc:
        raise BundleError(
            QuarantineReason.WRONG_SCHEMA, f"manifest.json is not JSON: {exc}"
        ) from None
    if not isinstance(obj, dict):
        raise BundleError(QuarantineReason.WRONG_SCHEMA, "manifest.json is not a JSON object")
    if obj.get("schema") != SCHEMA:
        raise BundleError(
            QuarantineReason.WRONG_SCHEMA, f"schema is {obj.get('schema')!r}, expected {SCHEMA!r}"
        )
    try:
        return Manifest.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        raise BundleError(QuarantineReason.WRONG_SCHEMA, first_error(exc)) from None
