"""Examples of every message the verifier records with a quarantined entry, for
test_quarantine_detail: made for real where that is cheap (open_bundle on a damaged bundle,
parse_manifest on a bad manifest, the ingest's image and storage checks), else the f-string
filled with sample values; and the standard library's and pydantic's words it passes on."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from central.ingest_rules import Refused, check_images, check_storable
from common.bundle import (
    MANIFEST_NAME,
    SIGNATURE_NAME,
    BundleError,
    VerifiedBundle,
    build_bundle,
    manifest_sha256,
    open_bundle,
)
from common.manifest import parse_manifest
from common.signing import key_id, sign
from tests.common.test_bundle import FILES, KEY, KEYS, OTHER, fields, members, rezip

SHA_A, SHA_B = "a" * 64, "b" * 64
VID = "01a23a79-8d51-76af-891a-cc1473ca7749"


# --- real refusals, cheaply made -------------------------------------------------------------


@functools.cache
def good() -> bytes:
    return build_bundle(fields(), FILES, KEY)[0]


def refused(data: bytes, keys: Any = None, **limits: int) -> str:
    try:
        open_bundle(data, KEYS if keys is None else keys, **limits)
    except BundleError as exc:
        return exc.detail
    raise AssertionError("the bundle opened")


def with_member(name: str, content: bytes | None) -> bytes:
    items = [(n, content if n == name else d) for n, d in members(good())]
    return rezip([(n, d) for n, d in items if d is not None])


def manifest() -> dict[str, Any]:
    return dict(json.loads(dict(members(good()))[MANIFEST_NAME]))


def schema(raw: bytes | None = None, **changes: Any) -> str:
    """parse_manifest's detail for these manifest bytes, or for the good manifest changed."""
    obj = manifest()
    obj.update(changes)
    try:
        parse_manifest(raw if raw is not None else json.dumps(obj).encode())
    except BundleError as exc:
        return exc.detail
    raise AssertionError("the manifest parsed")


def frame_box(role: str, index: int, **extra: Any) -> dict[str, Any]:
    return {"role": role, "frame_index": index, "t": 4.0, "box": [0, 0, 1, 1], **extra}


def file_entry(name: str, role: str) -> dict[str, Any]:
    return {**manifest()["files"][0], "name": name, "role": role}


def images_refused(declared: str = "image/jpeg", cut: bool = False) -> str:
    """central.ingest_rules.check_images on the good bundle's pictures (made-up bytes, so the
    first one does not decode), its first file declared `declared`, or cut short."""
    obj = manifest()
    obj["files"][0] = {**obj["files"][0], "content_type": declared}
    raw = json.dumps(obj).encode()
    contents = dict(members(good()))
    if cut:
        contents["frame_before.jpg"] = contents["frame_before.jpg"][:-2]
    try:
        check_images(VerifiedBundle(parse_manifest(raw), raw, manifest_sha256(raw), contents))
    except Refused as exc:
        return exc.detail
    raise AssertionError("the pictures passed")


def storable_refused(**changes: Any) -> str:
    obj = manifest()
    obj.update(changes)
    try:
        check_storable(parse_manifest(json.dumps(obj).encode()))
    except Refused as exc:
        return exc.detail
    raise AssertionError("the manifest is storable")


# --- the table: one example of every message -------------------------------------------------


@dataclass(frozen=True)
class Example:
    origin: str  # the reason code, or the kind of message: value_error, explain, first_error, …
    shape: str  # the f-string as the source writes it, values as {}
    code: str  # the entry's reason_code
    detail: str | Callable[[], str]  # the recorded detail, or how to make it for real
    values: tuple[str, ...]  # what must be in the Vietnamese exactly
    verbatim: str | None = None  # a library's words, kept for the page to show as English

    def made(self) -> str:
        return self.detail if isinstance(self.detail, str) else self.detail()


def e(origin: str, shape: str, code: str, detail: Any, *values: str, **kw: Any) -> Example:
    return Example(origin, shape, code, detail, values, **kw)


KID = key_id(KEY)
KID2 = key_id(OTHER)
EXAMPLES = [
    # common.bundle.open_bundle
    e("oversized", "{} bytes, at most {} allowed", "oversized",
      lambda: refused(good(), max_size=1000), "1.000"),
    e("unknown_key", "no public key {} for camera {} (box {})", "unknown_key",
      lambda: refused(good(), {}), KID, "MT-07", "EB-01"),
    e("unknown_key", "manifest names key {}, the key found is {}", "unknown_key",
      lambda: refused(good(), {KID: OTHER.public_key()}), KID, KID2),
    e("missing_manifest", "no {} in the archive", "missing_manifest",
      lambda: refused(with_member(MANIFEST_NAME, None)), "manifest.json"),
    e("missing_signature", "no {} in the archive", "missing_signature",
      lambda: refused(with_member(SIGNATURE_NAME, None)), "manifest.sig"),
    e("bad_signature", "manifest.sig does not verify with key {}", "bad_signature",
      lambda: refused(with_member(SIGNATURE_NAME,
                                  sign(OTHER, dict(members(good()))[MANIFEST_NAME]))), KID),
    e("missing_file", "{} ({}) is not in the ZIP", "missing_file",
      lambda: refused(with_member("frame_after.jpg", None)), "frame_after.jpg", "frame_after"),
    e("unexpected_file", "{} is in the ZIP but not in the manifest", "unexpected_file",
      lambda: refused(rezip([*members(good()), ("extra.jpg", b"x")])), "extra.jpg"),
    e("size_mismatch", "{}: {} bytes, manifest says {}", "size_mismatch",
      lambda: refused(with_member("plate_crop.jpg", b"\xff" * 1234)), "plate_crop.jpg", "1.234"),
    e("hash_mismatch", "{}: sha256 differs from the manifest", "hash_mismatch",
      lambda: refused(with_member("signal_crop.jpg", b"\x00" * 206)), "signal_crop.jpg"),
    e("not_canonical", "the signed contents are genuine but the ZIP container is not the one the"
      " edge writes (repacked: member order, compression or metadata differ)", "not_canonical",
      lambda: refused(rezip(members(good())))),
    # common.zipsafe
    e("not_a_zip", "not a readable ZIP archive: {}", "not_a_zip",
      lambda: refused(b"this is not a bundle")),
    e("zip_unsafe", "{} members, at most {} allowed", "zip_unsafe",
      lambda: refused(rezip([*members(good()), *((f"x{i}.jpg", b"x") for i in range(10))])),
      "17", "16"),
    e("zip_unsafe", "unsafe member name {}", "zip_unsafe",
      lambda: refused(rezip([*members(good()), ("../frame_cross.jpg", b"x")])),
      "'../frame_cross.jpg'"),
    e("zip_unsafe", "duplicate member {}", "zip_unsafe",
      lambda: refused(rezip([*members(good()), ("FRAME_CROSS.JPG", b"x")])), "'FRAME_CROSS.JPG'"),
    e("zip_unsafe", "{} is encrypted or not a regular file", "zip_unsafe",
      "frame_cross.jpg is encrypted or not a regular file", "frame_cross.jpg"),
    e("zip_unsafe", "{} uses compression method {}", "zip_unsafe",
      "frame_cross.jpg uses compression method 14", "frame_cross.jpg", "14"),
    e("zip_unsafe", "{} declares {} bytes, over limit", "zip_unsafe",
      lambda: refused(rezip([*members(good()), ("bomb.json", b"\x00" * (10 * 1024 * 1024 + 1))])),
      "bomb.json", "10.485.761"),
    e("zip_unsafe", "members declare over {} bytes in total", "zip_unsafe",
      "members declare over 20971520 bytes in total", "20.971.520"),
    e("zip_unsafe", "members {} and {} overlap", "zip_unsafe",
      "members frame_before.jpg and frame_cross.jpg overlap", "frame_before.jpg",
      "frame_cross.jpg"),
    e("not_a_zip", "{}: local header outside the archive (truncated?)", "not_a_zip",
      "manifest.json: local header outside the archive (truncated?)", "manifest.json"),
    e("not_a_zip", "{}: no local header where the directory points", "not_a_zip",
      "frame_cross.jpg: no local header where the directory points", "frame_cross.jpg"),
    e("zip_unsafe", "{}: local header disagrees with the directory", "zip_unsafe",
      "frame_cross.jpg: local header disagrees with the directory", "frame_cross.jpg"),
    e("not_a_zip", "{}: data runs past the end (truncated)", "not_a_zip",
      "frame_after.jpg: data runs past the end (truncated)", "frame_after.jpg"),
    e("zip_unsafe", "{}: stored size {} != declared {}", "zip_unsafe",
      "plate_crop.jpg: stored size 404 != declared 4040", "plate_crop.jpg", "404", "4.040"),
    e("not_a_zip", "{}: corrupt compressed data ({})", "not_a_zip",
      "manifest.json: corrupt compressed data (Error -3 while decompressing data: invalid block"
      " type)", "manifest.json",
      verbatim="Error -3 while decompressing data: invalid block type"),
    e("zip_unsafe", "{}: inflates past its declared {} bytes", "zip_unsafe",
      "liar.json: inflates past its declared 10 bytes", "liar.json", "10"),
    e("not_a_zip", "{}: compressed data ends early (truncated)", "not_a_zip",
      "manifest.json: compressed data ends early (truncated)", "manifest.json"),
    e("zip_unsafe", "{}: hidden bytes after the compressed data", "zip_unsafe",
      "manifest.json: hidden bytes after the compressed data", "manifest.json"),
    # common.manifest.parse_manifest
    e("wrong_schema", "manifest.json is not UTF-8", "wrong_schema", lambda: schema(b"\xff\xfe")),
    e("wrong_schema", "manifest.json is not JSON: {}", "wrong_schema",
      lambda: schema(b'{"a":'), "6", "5"),
    e("wrong_schema", "manifest.json is not a JSON object", "wrong_schema",
      lambda: schema(b"[1, 2]")),
    e("wrong_schema", "schema is {}, expected {}", "wrong_schema",
      lambda: schema(schema="dendo.violation/2"), "'dendo.violation/2'", "'dendo.violation/1'"),
    e("first_error", "{}: {}{}", "wrong_schema", lambda: schema(sequence=0), "sequence", "1"),
    e("first_error", " (and {} more)", "wrong_schema",
      lambda: schema(site={"name": "", "location": {"lat": 100, "lon": 0}}), "site.name", "1"),
    e("value_error", "duplicate key in a JSON object", "wrong_schema",
      lambda: schema(b'{"a":1,"a":2}')),
    e("value_error", "{} is not JSON", "wrong_schema", lambda: schema(b'{"a":NaN}'), "NaN"),
    e("value_error", "{} is not UTC with milliseconds like 2026-11-22T07:15:03.120Z",
      "wrong_schema", lambda: schema(crossed_at="2026-11-22 07:15"), "crossed_at",
      "'2026-11-22 07:15'", "2026-11-22T07:15:03.120Z"),
    e("value_error", "not a UUID", "wrong_schema", lambda: schema(violation_id="x"),
      "violation_id"),
    e("value_error", "must be a lowercase hyphenated UUIDv7", "wrong_schema",
      lambda: schema(violation_id=VID.replace("-76af-", "-46af-")), "violation_id"),
    e("value_error", "NaN and Infinity are not JSON", "wrong_schema",
      "decision: Value error, NaN and Infinity are not JSON", "decision", "NaN", "Infinity"),
    e("value_error", "JSON object keys must be strings", "wrong_schema",
      "decision: Value error, JSON object keys must be strings", "decision"),
    e("value_error", "{} is not a JSON value", "wrong_schema",
      "decision: Value error, bytes is not a JSON value", "decision", "bytes"),
    e("value_error", "signal: a controller's phase must name the key that signed it",
      "wrong_schema",
      lambda: schema(signal={"state": "red", "source": "controller", "debounce_frames": 1}),
      "signal"),
    e("value_error", "plate_reason is required exactly when plate is null", "wrong_schema",
      lambda: schema(plate=None), "plate_reason", "plate", "null"),
    e("value_error", "files: duplicate file name", "wrong_schema",
      lambda: schema(files=[manifest()["files"][0]] * 2), "files"),
    e("value_error", "files: manifest.json and manifest.sig are not evidence files",
      "wrong_schema",
      lambda: schema(files=[*manifest()["files"], file_entry("manifest.json", "clip")]),
      "files", "manifest.json", "manifest.sig"),
    e("value_error", "files: role {} appears {} times", "wrong_schema",
      lambda: schema(files=[*manifest()["files"], file_entry("more.jpg", "frame_cross")]),
      "files", "frame_cross", "2"),
    e("value_error", "frame_boxes: duplicate role", "wrong_schema",
      lambda: schema(frame_boxes=[frame_box("frame_before", 110)] * 2), "frame_boxes"),
    e("value_error",
      "frame_boxes: {} is frame {}, {} from cross_frame {}, but its offset_frames says {}",
      "wrong_schema", lambda: schema(frame_boxes=[frame_box("frame_before", 110, offset_frames=3)]),
      "frame_boxes", "frame_before", "110", "-10", "120", "3", "offset_frames"),
    e("value_error", "frame_boxes: the frame_cross box is not at cross_frame", "wrong_schema",
      lambda: schema(frame_boxes=[frame_box("frame_cross", 121)]),
      "frame_boxes", "frame_cross", "cross_frame"),
    e("value_error", "track: frame indices must increase", "wrong_schema",
      lambda: schema(track=[{"frame_index": 5, "t": 0, "box": [0, 0, 1, 1]},
                            {"frame_index": 1, "t": 0, "box": [0, 0, 1, 1]}]), "track"),
    e("value_error", "clip: timing given for a bundle without a clip file", "wrong_schema",
      lambda: schema(clip={"start_t": 0, "fps": 10, "frames": 5}), "clip"),
    e("value_error", "seconds_into_red {} disagrees with crossed_at - red_since = {}",
      "wrong_schema", lambda: schema(seconds_into_red=1.5), "seconds_into_red", "1.5", "2.345"),
    # central.ingest and central.ingest_rules
    e("oversized", " (only the first {} of {} bytes are kept)", "oversized",
      "20971521 bytes, at most 20971520 allowed (only the first 65536 of 20971521 bytes are kept)",
      "20.971.521", "20.971.520", "65.536"),
    e("unknown_key", ": {}", "unknown_key",
      f"no public key {KID} for camera MT-01 (box EB-03): key {KID} is not registered"
      " (dendo-central keys add --box ... PEM)", KID, "MT-01", "EB-03",
      "dendo-central keys add --box ... PEM"),
    e("bad_topic", "{} is not a violation topic", "bad_topic",
      "'dendo/v1/MT-07/heartbeat' is not a violation topic", "'dendo/v1/MT-07/heartbeat'"),
    e("camera_mismatch", "camera {} sent on {}", "camera_mismatch",
      "camera MT-07 sent on dendo/v1/MT-13/violation", "MT-07", "dendo/v1/MT-13/violation"),
    e("box_mismatch", "manifest says box {}, key is box {}", "box_mismatch",
      "manifest says box EB-01, key is box EB-09", "EB-01", "EB-09"),
    e("unstorable", "the database refused it: {}", "unstorable",
      "the database refused it: value too long for type character varying(16)",
      verbatim="value too long for type character varying(16)"),
    e("unverifiable", "{}: {}", "unverifiable", "KeyError: 'camera_id'", "KeyError",
      verbatim="'camera_id'"),
    e("conflict", "violation {} is already stored with sha256 {}; these bytes have sha256 {}",
      "conflict", f"violation {VID} is already stored with sha256 {SHA_A}; these bytes have"
      f" sha256 {SHA_B}", VID, SHA_A, SHA_B),
    e("jpeg_corrupt", "{} ({}) is declared {}; frames and crops must be JPEG", "jpeg_corrupt",
      lambda: images_refused("image/png"), "frame_before.jpg", "frame_before", "image/png"),
    e("jpeg_corrupt", "{} is cut off (no end-of-image marker)", "jpeg_corrupt",
      lambda: images_refused(cut=True), "frame_before.jpg"),
    e("jpeg_corrupt", "{} is {}x{}", "jpeg_corrupt", "frame_cross.jpg is 9000x9000",
      "frame_cross.jpg", "9000x9000"),
    e("jpeg_corrupt", "{} does not decode as JPEG: {}", "jpeg_corrupt",
      images_refused, "frame_before.jpg", verbatim="*"),
    e("unstorable", "{} {} is over {} characters or holds a NUL; the database cannot keep it as"
      " a case", "unstorable", lambda: storable_refused(camera_id="MT-0123456789ABCDEF"),
      "camera_id", "'MT-0123456789ABCDEF'", "16"),
    # central.keys.KeyRing.explain (after an unknown key's detail)
    e("explain", "key {} of box {} is revoked", "unknown_key",
      f"no public key {KID} for camera MT-01 (box EB-03): key {KID} of box EB-02 is revoked",
      KID, "EB-02", "EB-03"),
    e("explain", "key {} is not registered (dendo-central keys add --box ... PEM)",
      "unknown_key", f"no public key {KID} for camera MT-01 (box EB-03): key {KID} is not"
      " registered (dendo-central keys add --box ... PEM)", KID),
    e("explain", "camera {} is not in the camera config", "unknown_key",
      f"no public key {KID} for camera MT-99 (box EB-03): camera MT-99 is not in the camera"
      " config", "MT-99"),
    e("explain", "key {} belongs to box {}, camera {} to box {}", "unknown_key",
      f"manifest names key {KID}, the key found is {KID2}: key {KID} belongs to box EB-02,"
      " camera MT-01 to box EB-03", KID, KID2, "EB-02", "MT-01", "EB-03"),
    # central.quarantine_actions (a re-ingest without a receipt)
    e("unverifiable", "no receipt", "unverifiable", "no receipt"),
]  # fmt: skip

# Words of the standard library and of pydantic the verifier passes on: said too.
LIBRARY = [
    ("not_a_zip", "not a readable ZIP archive: File is not a zip file"),
    ("not_a_zip", "not a readable ZIP archive: Bad offset for central directory"),
    ("not_a_zip", "not a readable ZIP archive: Truncated central directory"),
    ("not_a_zip", "not a readable ZIP archive: Bad magic number for central directory"),
    ("not_a_zip", "not a readable ZIP archive: zipfiles that span multiple disks are not"
                  " supported"),
    ("not_a_zip", "not a readable ZIP archive: Corrupt extra field 0001 (size=12)"),
    ("wrong_schema", "manifest.json is not JSON: Expecting value: line 1 column 6 (char 5)"),
    ("wrong_schema", "manifest.json is not JSON: Expecting property name enclosed in double"
                     " quotes: line 1 column 2 (char 1)"),
    ("wrong_schema", "manifest.json is not JSON: Expecting ',' delimiter: line 3 column 1"
                     " (char 9)"),
    ("wrong_schema", "manifest.json is not JSON: Unterminated string starting at: line 1 column 2"
                     " (char 1)"),
    ("wrong_schema", "manifest.json is not JSON: Invalid control character '\\n' at: line 1 column"
                     " 4 (char 3)"),
    ("wrong_schema", "manifest.json is not JSON: Invalid \\escape: 'q': line 1 column 4 (char 3)"),
    ("wrong_schema", "manifest.json is not JSON: Invalid \\uXXXX escape: line 1 column 4 (char 3)"),
    ("wrong_schema", "manifest.json is not JSON: Extra data: line 1 column 3 (char 2)"),
    ("wrong_schema", "manifest.json is not JSON: maximum recursion depth exceeded while decoding a"
                     " JSON array from a unicode string"),
    ("wrong_schema", "site: Field required"),
    ("wrong_schema", "extra: Extra inputs are not permitted"),
    ("wrong_schema", "site: Input should be an object"),
    ("wrong_schema", "plate: Input should be null"),
    ("wrong_schema", "created_at: Input should be a valid string"),
    ("wrong_schema", "sequence: Input should be a valid integer"),
    ("wrong_schema", "sequence: Input should be a valid integer, got a number with a fractional"
                     " part"),
    ("wrong_schema", "site.location.lat: Input should be a valid number"),
    ("wrong_schema", "t: Input should be a finite number"),
    ("wrong_schema", "flag: Input should be a valid boolean"),
    ("wrong_schema", "files: Input should be a valid array"),
    ("wrong_schema", "clip.fps: Input should be greater than 0"),
    ("wrong_schema", "site.location.lat: Input should be less than or equal to 90"),
    ("wrong_schema", "clip.fps: Input should be less than 240"),
    ("wrong_schema", "signal.state: Input should be 'red', 'amber', 'green' or 'unknown'"),
    ("wrong_schema", "models.a.engine: Input should be 'openvino' or 'onnxruntime'"),
    ("wrong_schema", "config_hash: String should match pattern '^[0-9a-f]{64}$'"),
    ("wrong_schema", "site.name: String should have at most 200 characters"),
    ("wrong_schema", "frame_boxes: List should have at most 3 items after validation, not 4"),
    ("wrong_schema", "geometry.frame_size: Tuple should have at least 2 items after validation,"
                     " not 1"),
    ("wrong_schema", "decision: Recursion error - maximum validation depth exceeded"),
]  # fmt: skip
