"""Every quarantine reason, one row each: a message that earns it, through the real ingest.

The table is keyed by `QuarantineReason`, so a new code without a case here fails the test
that names it; each row checks the code stored, the original bytes kept, no case made.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from central import ingest
from common.bundle import sign
from common.reasons import WIRE_REASONS, QuarantineReason
from tests.central.test_ingest import OTHER, TOPIC, Env, make_env, members, rezip
from tests.servers.central_collector import BundleMaker

Case = Callable[[Env, pytest.MonkeyPatch], tuple[bytes, str | None]]


def _bundle(env: Env, **over: Any) -> bytes:
    return env.maker.make(**over)[1]


def _resigned(env: Env, change: Callable[[dict], None]) -> bytes:
    """The bundle with its manifest changed and signed again by the edge's own key."""
    items = members(_bundle(env))
    manifest = json.loads(items[0][1])
    change(manifest)
    raw = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    items[0] = ("manifest.json", raw.encode())
    items[1] = ("manifest.sig", sign(env.maker.key, raw.encode()))
    return rezip(items)


def _without(env: Env, name: str) -> bytes:
    return rezip([m for m in members(_bundle(env)) if m[0] != name])


def _flip_signature(env: Env) -> bytes:
    items = members(_bundle(env))
    items[1] = (items[1][0], bytes([items[1][1][0] ^ 1]) + items[1][1][1:])
    return rezip(items)


def _flip_frame_byte(env: Env) -> bytes:
    data = _bundle(env)
    frame = dict(members(data))["frame_after.jpg"]
    at = data.find(frame) + len(frame) // 2
    return data[:at] + bytes([data[at] ^ 0x40]) + data[at + 1 :]


def _path_in_member_name(env: Env) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members(_bundle(env)):
            zf.writestr(name, data)
        zf.writestr("../../etc/cron.d/x", b"* * * * * root true\n")
    return buf.getvalue()


def _deflated(env: Env) -> bytes:
    """The genuine signed contents, repacked into a deflated ZIP."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members(_bundle(env)):
            zf.writestr(name, data)
    return buf.getvalue()


def _one_size(manifest: dict) -> None:
    manifest["files"][0]["size"] += 1


def _conflict(env: Env) -> bytes:
    vid, first, _ = env.maker.make()
    assert env.ingestor.ingest(first, TOPIC).status == "stored"  # type: ignore[union-attr]
    other = {"class": "truck", "track_id": 99}  # the same id, other facts
    return env.maker.make(sequence=1, prev=None, violation_id=vid, vehicle=other)[1]


def _check_breaks(env: Env, monkeypatch: pytest.MonkeyPatch) -> bytes:
    def broken(_bundle: object) -> None:
        raise RuntimeError("a bug in a check")

    monkeypatch.setattr(ingest, "check_images", broken)
    return _bundle(env)


NUL_PLATE = {"text": "63A\x00123", "norm": "63A123", "confidence": 0.9, "lines": ["63A"]}

CASES: dict[QuarantineReason, Case] = {
    QuarantineReason.OVERSIZED: lambda e, _: (_bundle(e) + bytes(8192), TOPIC),
    QuarantineReason.NOT_A_ZIP: lambda e, _: (_bundle(e)[:900], TOPIC),
    QuarantineReason.ZIP_UNSAFE: lambda e, _: (_path_in_member_name(e), TOPIC),
    QuarantineReason.MISSING_MANIFEST: lambda e, _: (_without(e, "manifest.json"), TOPIC),
    QuarantineReason.MISSING_SIGNATURE: lambda e, _: (_without(e, "manifest.sig"), TOPIC),
    QuarantineReason.WRONG_SCHEMA: lambda e, _: (
        _resigned(e, lambda m: m.update(schema="dendo.violation/2")), TOPIC,
    ),
    QuarantineReason.UNKNOWN_KEY: lambda e, _: (BundleMaker(key=OTHER).make()[1], TOPIC),
    QuarantineReason.BAD_SIGNATURE: lambda e, _: (_flip_signature(e), TOPIC),
    QuarantineReason.MISSING_FILE: lambda e, _: (_without(e, "frame_after.jpg"), TOPIC),
    QuarantineReason.UNEXPECTED_FILE: lambda e, _: (
        rezip([*members(_bundle(e)), ("extra.jpg", b"\xff\xd8\xff\xd9")]), TOPIC,
    ),
    QuarantineReason.HASH_MISMATCH: lambda e, _: (_flip_frame_byte(e), TOPIC),
    QuarantineReason.SIZE_MISMATCH: lambda e, _: (_resigned(e, _one_size), TOPIC),
    QuarantineReason.NOT_CANONICAL: lambda e, _: (_deflated(e), TOPIC),
    QuarantineReason.JPEG_CORRUPT: lambda e, _: (
        _bundle(e, files=e.maker.files(1, frame_cross=b"\xff\xd8" + bytes(3000))), TOPIC,
    ),
    QuarantineReason.CAMERA_MISMATCH: lambda e, _: (_bundle(e), "dendo/v1/MT-08/violation"),
    QuarantineReason.BAD_TOPIC: lambda e, _: (_bundle(e), "dendo/v1/MT-07/violation/extra"),
    QuarantineReason.BOX_MISMATCH: lambda e, _: (_bundle(e, edge={"box": "EB-01"}), TOPIC),
    QuarantineReason.CONFLICT: lambda e, _: (_conflict(e), TOPIC),
    QuarantineReason.UNSTORABLE: lambda e, _: (_bundle(e, plate=NUL_PLATE), TOPIC),
    QuarantineReason.UNVERIFIABLE: lambda e, mp: (_check_breaks(e, mp), TOPIC),
}  # fmt: skip


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    # A small size limit (the bundles here are about 12 KB), so one case can be too large.
    e = make_env(f"sqlite:///{tmp_path / 'central.db'}", tmp_path, max_size=16_384)
    yield e
    e.store.close()


@pytest.mark.parametrize("reason", list(QuarantineReason), ids=str)
def test_each_reason_is_given_for_its_case_and_keeps_the_bytes(
    env: Env, monkeypatch: pytest.MonkeyPatch, reason: QuarantineReason
) -> None:
    assert reason in CASES, f"quarantine reason {reason} has no case in this table: add one"
    data, topic = CASES[reason](env, monkeypatch)
    env.refused(data, reason, topic)


def test_the_wire_reasons_are_what_open_bundle_may_give() -> None:
    centre_only = set(QuarantineReason) - WIRE_REASONS
    assert QuarantineReason.SIZE_MISMATCH in WIRE_REASONS
    assert centre_only == {
        QuarantineReason.JPEG_CORRUPT, QuarantineReason.CAMERA_MISMATCH,
        QuarantineReason.BAD_TOPIC, QuarantineReason.BOX_MISMATCH, QuarantineReason.CONFLICT,
        QuarantineReason.UNSTORABLE, QuarantineReason.UNVERIFIABLE,
    }  # fmt: skip
