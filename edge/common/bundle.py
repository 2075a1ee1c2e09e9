"""The evidence bundle: one violation as one signed ZIP (wire format `dendo.violation/1`).

The edge writes it, the outbox keeps it, MQTT carries it and the central service stores it as
the original, so this module is the contract; it imports no computer vision (stdlib, pydantic,
cryptography only).

Layout, in this member order: `manifest.json` (DEFLATED), `manifest.sig` (STORED, the raw
64-byte Ed25519 signature of the exact manifest bytes), then the evidence files in the order
given (JPEG/MP4 STORED, JSON/text DEFLATED). Every member has date_time 1980-01-01 00:00:00,
mode 0644, create_system Unix, so the same inputs give the same archive bytes (for the same
zlib). manifest.json is canonical JSON: UTF-8, keys sorted, separators "," and ":", no
whitespace, no escaping of non-ASCII, no NaN/Infinity, no trailing newline. Verifiers never
re-serialise: the signature covers the bytes as stored.

`open_bundle` trusts nothing: any input bytes either open or raise `BundleError` with one
reason code, so the collector can quarantine with a reason and never crash on a payload.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import math
import os
import re
import stat
import struct
import time
import uuid
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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

from edge.common.signing import Ed25519PrivateKey, Ed25519PublicKey, key_id, sign, verify

SCHEMA = "dendo.violation/1"
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
MAX_SIZE = 20 * 1024 * 1024
MAX_FILES = 16
MAX_MEMBER = 10 * 1024 * 1024
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
SECONDS_INTO_RED_TOLERANCE = 0.01  # ms rounding of two timestamps, with room to spare

REASONS = frozenset(
    "oversized not_a_zip zip_unsafe missing_manifest missing_signature wrong_schema "
    "unknown_key bad_signature missing_file unexpected_file hash_mismatch size_mismatch".split()
)
_CANONICAL: dict[str, Any] = {
    "sort_keys": True, "separators": (",", ":"), "ensure_ascii": False, "allow_nan": False
}  # fmt: skip
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_DEFLATED_TYPES = ("application/json", "text/")


class BundleError(Exception):
    """A bundle was refused; `reason` is one of REASONS, `detail` says what exactly."""

    def __init__(self, reason: str, detail: str) -> None:
        assert reason in REASONS, reason
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
Ident = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
FileName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
Finite = Annotated[float, Field(allow_inf_nan=False)]


class FileRole(StrEnum):
    FRAME_BEFORE = "frame_before"
    FRAME_CROSS = "frame_cross"
    FRAME_AFTER = "frame_after"
    PLATE_CROP = "plate_crop"
    SIGNAL_CROP = "signal_crop"
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


class Vehicle(_Model):
    vehicle_class: str = Field(alias="class", pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    track_id: int = Field(ge=0)


class FrameBox(_Model):
    role: Literal["frame_before", "frame_cross", "frame_after"]
    frame_index: int = Field(ge=0)
    t: Finite = Field(ge=0)  # seconds since the start of the stream or file
    box: tuple[Finite, Finite, Finite, Finite]  # x1, y1, x2, y2 in full-frame pixels


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
        cross = [b for b in self.frame_boxes if b.role == "frame_cross"]
        if cross and cross[0].frame_index != self.cross_frame:
            raise ValueError("frame_boxes: the frame_cross box is not at cross_frame")
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


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleFile:
    name: str
    role: FileRole | str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class VerifiedBundle:
    manifest: Manifest
    manifest_bytes: bytes
    manifest_sha256: str
    files: dict[str, bytes] = field(repr=False)


def _compression(content_type: str) -> int:
    deflate = content_type.startswith(_DEFLATED_TYPES) or content_type.endswith("+json")
    return zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED


def _write_zip(members: list[tuple[str, bytes, int]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.create_system = 3  # Unix, whatever OS wrote it
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            level = 6 if method == zipfile.ZIP_DEFLATED else None
            zf.writestr(info, data, compress_type=method, compresslevel=level)
    return buf.getvalue()


def build_bundle(
    manifest_fields: Mapping[str, Any], files: list[BundleFile], private_key: Ed25519PrivateKey
) -> tuple[bytes, Manifest]:
    """Sign and pack one violation. Fills schema, edge.key_id and files[] (sha256, size).

    Raises ValueError for anything the central service would refuse, so the edge finds out
    while it still has the frames, not after the bundle was shipped.
    """
    fields = dict(manifest_fields)
    if "files" in fields:
        raise ValueError("files[] is filled from the files given, not from manifest_fields")
    fields.setdefault("schema", SCHEMA)
    kid = key_id(private_key)
    edge = dict(fields.get("edge") or {})
    if edge.get("key_id") not in (None, kid):
        raise ValueError(f"edge.key_id {edge['key_id']} is not the signing key's id {kid}")
    fields["edge"] = {**edge, "key_id": kid}
    if len(files) + 2 > MAX_FILES:
        raise ValueError(f"{len(files)} files: a bundle holds at most {MAX_FILES - 2}")
    for f in files:
        if not _NAME_RE.fullmatch(f.name) or ".." in f.name:
            raise ValueError(f"file name {f.name!r} is not a plain safe name")
        if len(f.data) > MAX_MEMBER:
            raise ValueError(f"{f.name} is {len(f.data)} bytes, over {MAX_MEMBER}")
    fields["files"] = [
        {
            "name": f.name,
            "role": FileRole(f.role),
            "sha256": hashlib.sha256(f.data).hexdigest(),
            "size": len(f.data),
            "content_type": f.content_type,
        }
        for f in files
    ]
    try:
        draft = Manifest.model_validate(fields)
    except ValidationError as exc:
        raise ValueError(f"invalid manifest: {_first_error(exc)}") from exc
    manifest_bytes = dump_manifest(draft)
    try:
        manifest = _parse_manifest(manifest_bytes)  # what the receiver sees (tuples as lists)
    except BundleError as exc:
        raise ValueError(f"the manifest would not open: {exc}") from exc
    if dump_manifest(manifest) != manifest_bytes:
        raise ValueError("manifest does not survive a JSON round trip")
    members = [
        (MANIFEST_NAME, manifest_bytes, zipfile.ZIP_DEFLATED),
        (SIGNATURE_NAME, sign(private_key, manifest_bytes), zipfile.ZIP_STORED),
        *((f.name, bytes(f.data), _compression(f.content_type)) for f in files),
    ]
    data = _write_zip(members)
    if len(data) > MAX_SIZE:
        raise ValueError(f"bundle is {len(data)} bytes, over {MAX_SIZE}")
    return data, manifest


# --- reading ---------------------------------------------------------------------------------

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature .. extra length: 30 bytes


def _first_error(exc: ValidationError) -> str:
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


def _parse_manifest(raw: bytes) -> Manifest:
    try:
        obj = json.loads(
            raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant
        )
    except UnicodeDecodeError:
        raise BundleError("wrong_schema", "manifest.json is not UTF-8") from None
    except (ValueError, RecursionError) as exc:
        raise BundleError("wrong_schema", f"manifest.json is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise BundleError("wrong_schema", "manifest.json is not a JSON object")
    if obj.get("schema") != SCHEMA:
        raise BundleError("wrong_schema", f"schema is {obj.get('schema')!r}, expected {SCHEMA!r}")
    try:
        return Manifest.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        raise BundleError("wrong_schema", _first_error(exc)) from None


def _read_members(data: bytes, max_files: int, max_member: int, max_total: int) -> dict[str, bytes]:
    """Every member's bytes, after the checks that keep a hostile archive harmless.

    Members are read from their local headers with our own bounds, not through zipfile's
    reader, so a bomb stops at the declared size and a damaged byte reaches the sha256 check
    (hash_mismatch naming the file) instead of a CRC error. The CRC is not trusted or needed:
    every member is covered by the signature or by a signed sha256.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except Exception as exc:  # zipfile's parser raises many undocumented types on junk
        raise BundleError("not_a_zip", f"not a readable ZIP archive: {exc}") from None
    if len(infos) > max_files:
        raise BundleError("zip_unsafe", f"{len(infos)} members, at most {max_files} allowed")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.orig_filename
        if name != info.filename or not _NAME_RE.fullmatch(name) or ".." in name:
            raise BundleError("zip_unsafe", f"unsafe member name {name!r}")
        if name.lower() in seen:
            raise BundleError("zip_unsafe", f"duplicate member {name!r}")
        seen.add(name.lower())
        kind = stat.S_IFMT(info.external_attr >> 16)
        if info.flag_bits & 0x1 or kind not in (0, stat.S_IFREG):
            raise BundleError("zip_unsafe", f"{name} is encrypted or not a regular file")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise BundleError("zip_unsafe", f"{name} uses compression method {info.compress_type}")
        if max(info.file_size, info.compress_size) > max_member:
            raise BundleError("zip_unsafe", f"{name} declares {info.file_size} bytes, over limit")
        total += info.file_size
        if total > max_total:
            raise BundleError("zip_unsafe", f"members declare over {max_total} bytes in total")
    members: dict[str, bytes] = {}
    spans: list[tuple[int, int, str]] = []
    for info in infos:
        start, end = _member_span(data, info)
        spans.append((info.header_offset, end, info.filename))
        members[info.filename] = _inflate(info, data[start:end])
    spans.sort()
    for (_, prev_end, prev), (begin, _, name) in itertools.pairwise(spans):
        if begin < prev_end:
            raise BundleError("zip_unsafe", f"members {prev} and {name} overlap")
    return members


def _member_span(data: bytes, info: zipfile.ZipInfo) -> tuple[int, int]:
    """(start, end) of the member's compressed bytes, checked against its local header."""
    name, offset = info.filename, info.header_offset
    if offset < 0 or offset + _LOCAL_HEADER.size > len(data):
        raise BundleError("not_a_zip", f"{name}: local header outside the archive (truncated?)")
    sig, _, _, method, _, _, _, _, _, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, offset)
    if sig != b"PK\x03\x04":
        raise BundleError("not_a_zip", f"{name}: no local header where the directory points")
    start = offset + _LOCAL_HEADER.size + name_len + extra_len
    local_name = data[offset + _LOCAL_HEADER.size : offset + _LOCAL_HEADER.size + name_len]
    if local_name != name.encode("ascii") or method != info.compress_type:
        raise BundleError("zip_unsafe", f"{name}: local header disagrees with the directory")
    end = start + info.compress_size
    if end > len(data):
        raise BundleError("not_a_zip", f"{name}: data runs past the end (truncated)")
    return start, end


def _inflate(info: zipfile.ZipInfo, raw: bytes) -> bytes:
    name, size = info.filename, info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) != size:
            raise BundleError("zip_unsafe", f"{name}: stored size {len(raw)} != declared {size}")
        return raw
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, size + 1)  # stop one byte past the declared size
    except zlib.error as exc:
        raise BundleError("not_a_zip", f"{name}: corrupt compressed data ({exc})") from None
    if len(out) > size:
        raise BundleError("zip_unsafe", f"{name}: inflates past its declared {size} bytes")
    if len(out) < size or not inflater.eof:
        raise BundleError("not_a_zip", f"{name}: compressed data ends early (truncated)")
    if inflater.unused_data:
        raise BundleError("zip_unsafe", f"{name}: hidden bytes after the compressed data")
    return out


KeyLookup = Callable[[str, str], Ed25519PublicKey | None]


def _public_key(keys: Mapping[str, Ed25519PublicKey] | KeyLookup, m: Manifest) -> Ed25519PublicKey:
    claimed = m.edge.key_id
    key = keys.get(claimed) if isinstance(keys, Mapping) else keys(m.camera_id, claimed)
    if key is None:
        raise BundleError(
            "unknown_key", f"no public key {claimed} for camera {m.camera_id} (box {m.edge.box})"
        )
    actual = key_id(key)
    if actual != claimed:
        raise BundleError("unknown_key", f"manifest names key {claimed}, the key found is {actual}")
    return key


def open_bundle(
    data: bytes,
    public_keys: Mapping[str, Ed25519PublicKey] | KeyLookup,
    *,
    max_size: int = MAX_SIZE,
    max_files: int = MAX_FILES,
    max_member: int = MAX_MEMBER,
) -> VerifiedBundle:
    """Verify a bundle completely or raise BundleError; no other exception for any bytes.

    Order: oversized; not_a_zip / zip_unsafe (structure, names, limits, bombs, overlaps);
    missing_manifest; missing_signature; wrong_schema; unknown_key; bad_signature;
    missing_file; unexpected_file; then per file size_mismatch before hash_mismatch (a wrong
    size would always also be a wrong hash, so size goes first to be the more specific).

    public_keys: {key_id: key}, or a callable (camera_id, key_id) -> key or None so the
    collector can insist on the key registered for that camera's box. Exceptions raised by
    the callable itself propagate: a database outage must not quarantine good evidence.
    """
    data = bytes(data)
    if len(data) > max_size:
        raise BundleError("oversized", f"{len(data)} bytes, at most {max_size} allowed")
    members = _read_members(data, max_files, max_member, max_size)
    if MANIFEST_NAME not in members:
        raise BundleError("missing_manifest", f"no {MANIFEST_NAME} in the archive")
    if SIGNATURE_NAME not in members:
        raise BundleError("missing_signature", f"no {SIGNATURE_NAME} in the archive")
    manifest_bytes = members.pop(MANIFEST_NAME)
    signature = members.pop(SIGNATURE_NAME)
    manifest = _parse_manifest(manifest_bytes)
    key = _public_key(public_keys, manifest)
    if not verify(key, manifest_bytes, signature):
        raise BundleError(
            "bad_signature", f"manifest.sig does not verify with key {manifest.edge.key_id}"
        )
    for entry in manifest.files:
        if entry.name not in members:
            raise BundleError("missing_file", f"{entry.name} ({entry.role}) is not in the ZIP")
    listed = {entry.name for entry in manifest.files}
    for name in members:
        if name not in listed:
            raise BundleError("unexpected_file", f"{name} is in the ZIP but not in the manifest")
    files: dict[str, bytes] = {}
    for entry in manifest.files:
        content = members[entry.name]
        if len(content) != entry.size:
            raise BundleError(
                "size_mismatch", f"{entry.name}: {len(content)} bytes, manifest says {entry.size}"
            )
        if hashlib.sha256(content).hexdigest() != entry.sha256:
            raise BundleError("hash_mismatch", f"{entry.name}: sha256 differs from the manifest")
        files[entry.name] = content
    return VerifiedBundle(manifest, manifest_bytes, manifest_sha256(manifest_bytes), files)
