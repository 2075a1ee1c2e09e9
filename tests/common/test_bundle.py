"""The evidence bundle wire format: signing, canonical manifest, deterministic ZIP, and an
open_bundle that refuses every damaged or hostile input with a reason code and nothing else."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import struct
import subprocess
import sys
import uuid
import warnings
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.bundle import (
    MANIFEST_NAME,
    MAX_SIZE,
    SCHEMA,
    SIGNATURE_NAME,
    BundleError,
    BundleFile,
    FileRole,
    build_bundle,
    dump_manifest,
    manifest_sha256,
    open_bundle,
    parse_utc_ms,
    utc_ms,
    uuid7,
)
from common.reasons import WIRE_REASONS
from common.signing import (
    Ed25519PrivateKey,
    KeyFileError,
    generate_keypair,
    key_id,
    load_private_key,
    load_public_key,
    sign,
    verify,
)
from common.zipsafe import write_zip

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
KEYS = {key_id(KEY): KEY.public_key()}


def fields(**override: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "violation_id": uuid7(lambda: 1_795_000_000_000_000_000, lambda n: b"\x42" * n),
        "camera_id": "MT-07",
        "site": {
            "name": "Ấp Bắc – Nguyễn Trãi, approach from the west",
            "location": {"lat": 10.36, "lon": 106.356},
        },
        "sequence": 2,
        "prev_sha256": "ab" * 32,
        "crossed_at": "2026-11-22T07:15:03.120Z",
        "red_since": "2026-11-22T07:15:00.775Z",
        "seconds_into_red": 2.345,
        "signal": {"state": "red", "source": "vision", "debounce_frames": 3},
        "vehicle": {"class": "car", "track_id": 17},
        "cross_frame": 120,
        "frame_boxes": [
            {"role": "frame_before", "frame_index": 110, "t": 4.4, "box": [10, 20, 110, 220]},
            {"role": "frame_cross", "frame_index": 120, "t": 4.8, "box": [12, 40, 112, 240.5]},
        ],
        "plate": {"text": "63A-123.45", "norm": "63A12345", "confidence": 0.93, "lines": ["63A"]},
        "plate_reason": None,
        "decision": {"rule": "crossed on red", "continued_frames": 6, "exempt": None},
        "software": {"name": "dendo", "version": "0.1.0"},
        "config_hash": "c" * 64,
        "model_hashes": {"yolov8n": "d" * 64, "plate": "e" * 64},
        "edge": {"box": "EB-01"},
        "created_at": "2026-11-22T07:15:04.002Z",
    }
    base.update(override)
    return base


def jpeg(seed: int, size: int = 3000) -> bytes:
    body = hashlib.shake_256(seed.to_bytes(4, "big")).digest(size)
    return b"\xff\xd8\xff\xe0" + body + b"\xff\xd9"


FILES = [
    BundleFile("frame_before.jpg", FileRole.FRAME_BEFORE, jpeg(1), "image/jpeg"),
    BundleFile("frame_cross.jpg", FileRole.FRAME_CROSS, jpeg(2), "image/jpeg"),
    BundleFile("frame_after.jpg", "frame_after", jpeg(3), "image/jpeg"),
    BundleFile("plate_crop.jpg", FileRole.PLATE_CROP, jpeg(4, 400), "image/jpeg"),
    BundleFile("signal_crop.jpg", FileRole.SIGNAL_CROP, jpeg(5, 200), "image/jpeg"),
]


@pytest.fixture(scope="module")
def bundle() -> bytes:
    return build_bundle(fields(), FILES, KEY)[0]


def members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def rezip(items: list[tuple[str, bytes]]) -> bytes:
    """An archive with exactly these members (duplicates and odd names allowed)."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(buf, "w") as zf:
            for name, data in items:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                method = zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
                zf.writestr(info, data, compress_type=method)
    return buf.getvalue()


def replace(data: bytes, name: str, content: bytes | None) -> bytes:
    items = [(n, content if n == name else d) for n, d in members(data)]
    return rezip([(n, d) for n, d in items if d is not None])


def reason(data: bytes, keys: Any = None, **limits: int) -> str:
    with pytest.raises(BundleError) as info:
        open_bundle(data, KEYS if keys is None else keys, **limits)
    assert info.value.reason in WIRE_REASONS
    return info.value.reason


def data_offset(data: bytes, name: str) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    name_len, extra_len = struct.unpack_from("<2H", data, info.header_offset + 26)
    return info.header_offset + 30 + name_len + extra_len


# --- signing ---------------------------------------------------------------------------------


def test_keypair_files_and_permissions(tmp_path: Path) -> None:
    private_path, public_path = generate_keypair(tmp_path / "keys", "EB-01")
    assert stat.S_IMODE(os.stat(private_path).st_mode) == 0o600
    private, public = load_private_key(private_path), load_public_key(public_path)
    assert key_id(private) == key_id(public) and len(key_id(public)) == 16
    assert verify(public, b"x", sign(private, b"x"))
    with pytest.raises(FileExistsError):
        generate_keypair(tmp_path / "keys", "EB-01")
    with pytest.raises(KeyFileError):
        load_public_key(private_path)
    with pytest.raises(KeyFileError):
        load_private_key(tmp_path / "absent.pem")


def test_verify_never_raises_for_bad_signatures() -> None:
    signature = sign(KEY, b"data")
    assert verify(KEY.public_key(), b"data", signature)
    assert not verify(KEY.public_key(), b"datA", signature)
    assert not verify(OTHER.public_key(), b"data", signature)
    assert not verify(KEY.public_key(), b"data", signature[:-1])
    assert not verify(KEY.public_key(), b"data", b"")


# --- identifiers, times, canonical manifest -------------------------------------------------


def test_uuid7_layout_and_order() -> None:
    ms = 1_795_000_000_123
    value = uuid.UUID(uuid7(lambda: ms * 1_000_000 + 999, lambda n: b"\xff" * n))
    assert value.version == 7 and value.variant == uuid.RFC_4122
    assert value.int >> 80 == ms

    def clock_at(i: int) -> Callable[[], int]:
        return lambda: (ms + i) * 1_000_000

    ids = [uuid7(clock_at(i)) for i in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5


def test_utc_ms_round_trip() -> None:
    moment = datetime(2026, 11, 22, 14, 15, 3, 120_999, tzinfo=timezone(timedelta(hours=7)))
    assert utc_ms(moment) == "2026-11-22T07:15:03.120Z"
    assert parse_utc_ms("2026-11-22T07:15:03.120Z") == moment.replace(microsecond=120_000)
    with pytest.raises(ValueError):
        utc_ms(datetime(2026, 11, 22))
    with pytest.raises(ValueError):
        parse_utc_ms("2026-11-22T07:15:03Z")


def test_manifest_is_canonical_json(bundle: bytes) -> None:
    raw = dict(members(bundle))[MANIFEST_NAME]
    obj = json.loads(raw)
    compact = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert raw == compact.encode("utf-8")
    assert "Ấp Bắc".encode() in raw  # real Vietnamese, not \u escapes
    assert obj["schema"] == SCHEMA and obj["vehicle"] == {"class": "car", "track_id": 17}
    assert obj["edge"]["key_id"] == key_id(KEY)
    assert [f["name"] for f in obj["files"]] == [f.name for f in FILES]
    assert obj["files"][0]["sha256"] == hashlib.sha256(FILES[0].data).hexdigest()


def test_zip_layout_is_fixed(bundle: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == [MANIFEST_NAME, SIGNATURE_NAME, *(f.name for f in FILES)]
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
    assert all(i.external_attr >> 16 == stat.S_IFREG | 0o644 for i in infos)
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos), "nothing left to a codec"
    assert infos[1].file_size == 64


def test_a_repacked_container_of_genuine_contents_is_refused(bundle: bytes) -> None:
    """The same signed manifest and files in another ZIP (deflated, reordered): not the edge's."""
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    for label, items, method in (
        ("deflated", members, zipfile.ZIP_DEFLATED),
        ("reordered", [members[1], members[0], *members[2:]], zipfile.ZIP_STORED),
    ):
        repacked = write_zip([(n, d, method) for n, d in items])
        assert repacked != bundle
        with pytest.raises(BundleError) as info:
            open_bundle(repacked, KEYS)
        assert info.value.reason == "not_canonical", f"{label}: {info.value}"
    assert open_bundle(bundle, KEYS).manifest.camera_id, "the genuine container still opens"


def test_same_inputs_give_identical_bytes(bundle: bytes) -> None:
    again, _ = build_bundle(fields(), list(FILES), KEY)
    assert again == bundle
    assert build_bundle(fields(sequence=3), FILES, KEY)[0] != bundle


# --- round trip ------------------------------------------------------------------------------


def test_round_trip(bundle: bytes) -> None:
    opened = open_bundle(bundle, KEYS)
    _, manifest = build_bundle(fields(), FILES, KEY)
    assert opened.manifest == manifest
    assert opened.manifest_bytes == dump_manifest(manifest)
    assert opened.manifest_sha256 == manifest_sha256(opened.manifest_bytes)
    assert opened.files == {f.name: f.data for f in FILES}
    assert opened.manifest.site.name.startswith("Ấp Bắc")


def test_key_lookup_by_camera(bundle: bytes) -> None:
    def registered(camera_id: str, kid: str) -> Any:
        return {"MT-07": KEY.public_key()}.get(camera_id)

    assert open_bundle(bundle, registered).manifest.camera_id == "MT-07"
    assert reason(bundle, lambda camera, kid: None) == "unknown_key"
    assert reason(bundle, lambda camera, kid: OTHER.public_key()) == "unknown_key"


def test_a_crossing_picture_off_the_crossing_frame_says_how_far_off_it_is() -> None:
    """A live stream may drop the crossing frame: the picture is the nearest kept frame and
    its offset is part of what the edge signs."""
    boxes = [{"role": "frame_cross", "frame_index": 118, "t": 4.72, "box": [12, 40, 112, 240],
              "offset_frames": -2}]  # fmt: skip
    data, _ = build_bundle(fields(frame_boxes=boxes), FILES, KEY)
    (cross,) = open_bundle(data, KEYS).manifest.frame_boxes
    assert (cross.frame_index, cross.offset_frames) == (118, -2)
    unsaid = [{**boxes[0], "offset_frames": None}]
    with pytest.raises(ValueError, match="frame_cross box is not at cross_frame"):
        build_bundle(fields(frame_boxes=unsaid), FILES, KEY)


def test_unread_plate_needs_a_reason() -> None:
    data, manifest = build_bundle(fields(plate=None, plate_reason="no plate found"), FILES[:3], KEY)
    assert manifest.plate is None and open_bundle(data, KEYS).manifest.plate_reason
    with pytest.raises(ValueError, match="plate_reason"):
        build_bundle(fields(plate=None), FILES[:3], KEY)


@pytest.mark.parametrize(
    ("override", "files", "match"),
    [
        ({"seconds_into_red": 5.0}, FILES, "seconds_into_red"),
        ({"crossed_at": "2026-11-22 07:15:03"}, FILES, "crossed_at"),
        ({"violation_id": str(uuid.uuid4())}, FILES, "violation_id"),
        ({"decision": {"x": float("nan")}}, FILES, "NaN"),
        ({"surprise": 1}, FILES, "surprise"),
        ({"cross_frame": 121}, FILES, "cross_frame"),
        (
            {
                "frame_boxes": [
                    {
                        "role": "frame_cross",
                        "frame_index": 118,
                        "t": 4.72,
                        "box": [12, 40, 112, 240],
                        "offset_frames": -1,
                    }
                ]
            },
            FILES,
            "offset_frames says -1",
        ),
        ({}, FILES[1:], "frame_before"),
        ({}, [*FILES, BundleFile("../x.jpg", "clip", b"", "video/mp4")], "safe name"),
        ({"edge": {"box": "EB-01", "key_id": "0" * 16}}, FILES, "key_id"),
    ],
)
def test_build_refuses_what_central_would_refuse(
    override: dict[str, Any], files: list[BundleFile], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        build_bundle(fields(**override), files, KEY)


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("where", [0, 1, 100, 1500, -3, -2, -1])
@pytest.mark.parametrize("name", ["frame_cross.jpg", "plate_crop.jpg"])
def test_changed_jpeg_byte_is_hash_mismatch(bundle: bytes, name: str, where: int) -> None:
    size = dict(members(bundle))[name].__len__()
    at = data_offset(bundle, name) + (where % size)
    damaged = bytearray(bundle)
    damaged[at] ^= 0x01
    with pytest.raises(BundleError) as info:
        open_bundle(bytes(damaged), KEYS)
    assert info.value.reason == "hash_mismatch" and name in info.value.detail


@given(st.data())
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_changed_manifest_byte_is_refused(bundle: bytes, data: st.DataObject) -> None:
    raw = bytearray(dict(members(bundle))[MANIFEST_NAME])
    at = data.draw(st.integers(0, len(raw) - 1))
    raw[at] = data.draw(st.integers(0, 255).filter(lambda b: b != raw[at]))
    refused = reason(replace(bundle, MANIFEST_NAME, bytes(raw)))
    # a changed edge.key_id names a key the collector does not hold: unknown_key
    assert refused in {"bad_signature", "wrong_schema", "unknown_key"}


def test_wrong_key(bundle: bytes) -> None:
    assert reason(bundle, {key_id(OTHER): OTHER.public_key()}) == "unknown_key"
    manifest = dict(members(bundle))[MANIFEST_NAME]
    forged = replace(bundle, SIGNATURE_NAME, sign(OTHER, manifest))
    assert reason(forged) == "bad_signature"
    assert reason(replace(bundle, SIGNATURE_NAME, b"\x00" * 63)) == "bad_signature"


@pytest.mark.parametrize("keep", [0, 10, 0.5, -22, -1])
def test_truncated_is_not_a_zip(bundle: bytes, keep: float) -> None:
    cut = int(len(bundle) * keep) if isinstance(keep, float) else keep
    assert reason(bundle[:cut]) == "not_a_zip"


def test_garbage_is_not_a_zip() -> None:
    assert reason(b"") == "not_a_zip"
    assert reason(b"PK\x05\x06" + b"\x00" * 18) == "missing_manifest"  # an empty ZIP
    assert reason(b"\xff\xd8 just a JPEG") == "not_a_zip"


def test_oversized(bundle: bytes) -> None:
    assert reason(bundle, max_size=len(bundle) - 1) == "oversized"
    assert reason(b"\x00" * (MAX_SIZE + 1)) == "oversized"


def test_missing_and_unexpected_members(bundle: bytes) -> None:
    assert reason(replace(bundle, "frame_after.jpg", None)) == "missing_file"
    assert reason(replace(bundle, MANIFEST_NAME, None)) == "missing_manifest"
    assert reason(replace(bundle, SIGNATURE_NAME, None)) == "missing_signature"
    assert reason(rezip([*members(bundle), ("extra.jpg", b"x")])) == "unexpected_file"
    grown = dict(members(bundle))["frame_cross.jpg"] + b"\x00"
    assert reason(replace(bundle, "frame_cross.jpg", grown)) == "size_mismatch"


@pytest.mark.parametrize(
    "name", ["../frame_cross.jpg", "/etc/passwd", "a/b.jpg", "..\\x.jpg", ".hidden", "dir/"]
)
def test_unsafe_names(bundle: bytes, name: str) -> None:
    assert reason(rezip([*members(bundle), (name, b"x")])) == "zip_unsafe"


def test_nul_in_name_is_unsafe(bundle: bytes) -> None:
    patched = rezip([*members(bundle), ("xZ.jpg", b"x")]).replace(b"xZ.jpg", b"x\x00.jpg")
    assert reason(patched) == "zip_unsafe"


def test_duplicates_and_too_many_members(bundle: bytes) -> None:
    items = members(bundle)
    assert reason(rezip([*items, items[2]])) == "zip_unsafe"
    assert reason(rezip([*items, ("FRAME_CROSS.JPG", b"x")])) == "zip_unsafe"
    many = [*items, *((f"x{i}.jpg", b"x") for i in range(16 - len(items) + 1))]
    assert reason(rezip(many)) == "zip_unsafe"


def test_compression_bombs(bundle: bytes) -> None:
    big = rezip([*members(bundle), ("bomb.json", b"\x00" * (10 * 1024 * 1024 + 1))])
    assert len(big) < 100_000 and reason(big) == "zip_unsafe"
    # A member that lies about its size: inflates past what the directory declares.
    liar = bytearray(rezip([*members(bundle), ("liar.json", b"\x00" * 100_000)]))
    central = liar.rindex(b"PK\x01\x02")
    struct.pack_into("<L", liar, central + 24, 10)
    assert reason(bytes(liar)) == "zip_unsafe"


def test_wrong_schema(bundle: bytes) -> None:
    def with_manifest(obj: Any) -> bytes:
        return replace(bundle, MANIFEST_NAME, json.dumps(obj).encode())

    manifest = json.loads(dict(members(bundle))[MANIFEST_NAME])
    assert reason(with_manifest({**manifest, "schema": "dendo.violation/2"})) == "wrong_schema"
    assert reason(with_manifest([1, 2])) == "wrong_schema"
    assert reason(replace(bundle, MANIFEST_NAME, b"\xff\xfe")) == "wrong_schema"
    assert reason(replace(bundle, MANIFEST_NAME, b"[" * 100_000)) == "wrong_schema"
    dup = dict(members(bundle))[MANIFEST_NAME].replace(
        b'{"camera_id"', b'{"sequence":9,"camera_id"'
    )
    assert reason(replace(bundle, MANIFEST_NAME, dup)) == "wrong_schema"
    with pytest.raises(BundleError, match="sequence") as info:
        open_bundle(with_manifest({**manifest, "sequence": "2"}), KEYS)  # strict: no coercion
    assert info.value.reason == "wrong_schema"


# --- property: any bytes open or raise BundleError -------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _mutate(data: bytes, draw: Any) -> bytes:
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        if not buf:
            break
        op = draw(st.sampled_from(["flip", "set", "cut", "insert", "delete", "dup"]))
        at = draw(st.integers(0, len(buf) - 1))
        if op == "flip":
            buf[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            buf[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del buf[at:]
        elif op == "insert":
            buf[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del buf[at : at + draw(st.integers(1, 64))]
        else:
            buf[at:at] = buf[at : at + draw(st.integers(1, 64))]
    return bytes(buf)


def _open_or_refuse(data: bytes) -> None:
    try:
        opened = open_bundle(data, KEYS)
    except BundleError as exc:
        assert exc.reason in WIRE_REASONS
    else:
        assert opened.manifest_sha256 == manifest_sha256(opened.manifest_bytes)


@given(st.binary(max_size=4096))
@settings(max_examples=300, deadline=None)
def test_random_bytes_never_escape(data: bytes) -> None:
    _open_or_refuse(data)
    _open_or_refuse(b"PK\x03\x04" + data)


@given(st.data())
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_mutated_bundles_never_escape(bundle: bytes, data: st.DataObject) -> None:
    _open_or_refuse(_mutate(bundle, data.draw))


@given(st.data())
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_signed_nonsense_manifests_never_escape(bundle: bytes, data: st.DataObject) -> None:
    manifest = json.loads(dict(members(bundle))[MANIFEST_NAME])
    if data.draw(st.booleans()):
        obj: Any = data.draw(JSON)
    else:  # a valid manifest with one field replaced by anything
        key = data.draw(st.sampled_from(sorted(manifest)))
        obj = {**manifest, key: data.draw(JSON)}
    raw = json.dumps(obj, ensure_ascii=False).encode()
    forged = replace(replace(bundle, MANIFEST_NAME, raw), SIGNATURE_NAME, sign(KEY, raw))
    _open_or_refuse(forged)


def test_open_keeps_times_in_utc(bundle: bytes) -> None:
    manifest = open_bundle(bundle, KEYS).manifest
    crossed = parse_utc_ms(manifest.crossed_at)
    assert crossed.tzinfo is UTC
    assert (crossed - parse_utc_ms(manifest.red_since)).total_seconds() == pytest.approx(2.345)


def test_wire_format_imports_no_computer_vision() -> None:
    code = (
        "import sys, common.bundle, common.chain, edge.commands.evidence; "
        "print(sorted({'cv2', 'onnxruntime', 'numpy', 'torch'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
