"""Verified ingest: every bad bundle is quarantined with the right reason and its bytes, resends
change nothing, chain gaps and forks are flagged (never dropped), and only infrastructure
failures raise."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypedDict, Unpack

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from central.db import Bundle, Case, EvidenceFile, Quarantined, Transition, create_engine_for
from central.ingest import Ingestor
from central.keys import KeyRing, register_key, revoke_key
from central.store import Store, open_store
from common.bundle import BundleFile, key_id, sign
from common.config.city import load_config
from common.signing import Ed25519PrivateKey
from common.zipsafe import write_zip
from tests.paths import REPO
from tests.servers.central_collector import BOX, CAMERA, T0, BundleMaker, jpeg, key_file

CAMERAS = load_config(REPO / "configs" / "cameras.yaml")
TOPIC = f"dendo/v1/{CAMERA}/violation"
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
NOW = T0 + timedelta(hours=1)
TABLES = (Bundle, EvidenceFile, Case, Transition, Quarantined)


@dataclass
class Env:
    store: Store
    ingestor: Ingestor
    maker: BundleMaker
    directory: Path

    def counts(self) -> dict[str, int]:
        with self.store.sessions() as s:
            return {
                t.__tablename__: s.execute(select(func.count()).select_from(t)).scalar_one()
                for t in TABLES
            }

    def quarantined(self) -> list[Quarantined]:
        with self.store.sessions() as s:
            return list(s.scalars(select(Quarantined).order_by(Quarantined.id)))

    def refused(self, data: bytes, code: str, topic: str | None = TOPIC) -> Quarantined:
        """Ingest `data`; it must be quarantined with `code`, keeping the original bytes."""
        before = self.counts()
        receipt = self.ingestor.ingest(data, topic)
        rows = self.quarantined()
        assert rows, f"expected quarantine {code}, got receipt {receipt} and no quarantine row"
        row = rows[-1]
        assert row.reason_code == code, f"expected {code}, quarantined as {row.reason_code}: {row}"
        assert row.payload == data, "quarantine must keep the original bytes"
        after = self.counts()
        assert after["bundles"] == before["bundles"] and after["cases"] == before["cases"]
        if receipt is not None:
            reason = receipt.reason
            assert receipt.status == "quarantined" and reason and reason.startswith(code), receipt
        return row


class IngestorOptions(TypedDict, total=False):
    """Ingestor's keyword arguments besides the clock."""

    future_tolerance: timedelta
    max_age: timedelta
    workers: int
    max_size: int


def make_env(url: str, directory: Path, **kw: Unpack[IngestorOptions]) -> Env:
    store = open_store(url, directory / "evidence", fsync=False)
    register_key(store.sessions, BOX, key_file(directory))
    keys = KeyRing(store.sessions, CAMERAS)
    return Env(store, Ingestor(store, keys, clock=lambda: NOW, **kw), BundleMaker(), directory)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = make_env(f"sqlite:///{tmp_path / 'central.db'}", tmp_path)
    yield e
    e.store.close()


@pytest.fixture
def env_any(store_url: str, tmp_path: Path) -> Iterator[Env]:
    """The same, on SQLite and on PostgreSQL."""
    e = make_env(store_url, tmp_path)
    yield e
    e.store.close()


def members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def rezip(items: list[tuple[str, bytes]]) -> bytes:
    """A ZIP of these members, written as the edge writes a bundle (every member stored)."""
    return write_zip([(n, d, zipfile.ZIP_STORED) for n, d in items])


def stored(env: Env, data: bytes, topic: str | None = TOPIC) -> str:
    receipt = env.ingestor.ingest(data, topic)
    assert receipt is not None and receipt.status == "stored", f"not stored: {receipt}"
    return receipt.violation_id


def chain_of(env: Env, vid: str) -> tuple[str, str | None]:
    with env.store.sessions() as s:
        bundle = s.get_one(Bundle, vid)
        case = s.scalars(select(Case).where(Case.violation_id == vid)).one()
        return bundle.chain_status, case.chain_flag


# --- accepted ----------------------------------------------------------------------------------


def test_valid_bundle_is_stored_as_one_detected_case_with_receipt_for_its_camera(env: Env):
    vid, data, _ = env.maker.make()
    receipt = env.ingestor.ingest(data, TOPIC)
    assert receipt is not None, "a stored bundle must be answered"
    assert (receipt.violation_id, receipt.camera_id, receipt.status) == (vid, CAMERA, "stored")
    assert receipt.sha256 == hashlib.sha256(data).hexdigest()
    assert env.counts() == {
        "bundles": 1, "evidence_files": 5, "cases": 1, "transitions": 1, "quarantine": 0
    }  # fmt: skip


@pytest.mark.parametrize(
    ("signal_at_cross", "lower_bound"),
    [
        ({"state": "red", "began_before_stream": True}, True),
        ({"state": "red", "began_before_stream": False}, False),
        (None, False),  # an older decision that does not say
    ],
)
def test_a_red_already_on_as_the_recording_began_marks_the_time_into_red_a_lower_bound(
    env: Env, signal_at_cross: dict[str, Any] | None, lower_bound: bool
) -> None:
    decision: dict[str, Any] = {"rule": "crossed on red", "continued_frames": 6}
    if signal_at_cross is not None:
        decision["signal_at_cross"] = signal_at_cross
    vid = stored(env, env.maker.make(decision=decision)[1])
    with env.store.sessions() as s:
        case = s.scalars(select(Case).where(Case.violation_id == vid)).one()
        assert case.red_lower_bound is lower_bound, f"{signal_at_cross}: {case.red_lower_bound}"


def test_signal_crops_before_and_after_and_the_overlay_facts_are_accepted_not_required(
    env: Env,
):
    """A bundle with the newer evidence is stored with its files by role; one without it is
    stored too (one without even the keys: tests/common/test_manifest.py)."""
    seq = 1
    extra = [
        BundleFile(f"{role}.jpg", role, jpeg(32, 16, 80, i), "image/jpeg")
        for i, role in enumerate(("signal_crop_before", "signal_crop_after"))
    ]
    overlay: dict[str, Any] = {
        "geometry": {
            "frame_size": [64, 48],
            "stop_line": [[2, 30], [62, 30]],
            "direction": [0, -1],
        },
        "track": [{"frame_index": 110, "t": 4.4, "box": [10, 20, 30, 40]}],
    }
    vid = stored(env, env.maker.make(files=[*env.maker.files(seq), *extra], **overlay)[1])
    older = stored(env, env.maker.make()[1])
    with env.store.sessions() as s:
        roles = set(s.scalars(select(EvidenceFile.role).where(EvidenceFile.violation_id == vid)))
        manifest = s.get_one(Bundle, vid).manifest
        assert s.get_one(Bundle, older).manifest.get("geometry") is None
    assert {"signal_crop_before", "signal_crop", "signal_crop_after"} <= roles, roles
    assert manifest["geometry"]["stop_line"] == [[2.0, 30.0], [62.0, 30.0]]


def test_edge_clock_far_ahead_or_long_ago_is_a_warning_on_the_bundle_not_a_refusal(env: Env):
    ahead = stored(env, env.maker.make(crossed_at=NOW + timedelta(minutes=30))[1])
    recent = stored(env, env.maker.make(crossed_at=NOW - timedelta(minutes=5))[1])
    old = stored(env, env.maker.make(crossed_at=NOW - timedelta(days=800))[1])
    with env.store.sessions() as s:
        notes = {v: s.get_one(Bundle, v).clock_note for v in (ahead, recent, old)}
    ahead_note, old_note = notes[ahead], notes[old]
    assert ahead_note and "ahead of the centre's clock" in ahead_note, notes
    assert notes[recent] is None, f"a plausible time got a clock warning: {notes[recent]}"
    assert old_note and "days before it arrived" in old_note, notes


# --- refused: every reason keeps the bytes -----------------------------------------------------


def test_bad_signature_is_quarantined(env: Env):
    _, data, _ = env.maker.make()
    items = members(data)
    items[1] = (items[1][0], bytes([items[1][1][0] ^ 1]) + items[1][1][1:])  # manifest.sig
    env.refused(rezip(items), "bad_signature")


def test_bundle_signed_by_an_unregistered_key_is_unknown_key(env: Env):
    _, data, _ = BundleMaker(key=OTHER).make()
    row = env.refused(data, "unknown_key")
    assert "not registered" in row.reason, row.reason


def test_key_of_another_box_than_the_cameras_is_unknown_key(env: Env):
    register_key(env.store.sessions, "EB-01", key_file(env.directory, OTHER, "eb-01"))
    _, data, _ = BundleMaker(key=OTHER).make(edge={"box": "EB-01"})
    row = env.refused(data, "unknown_key")
    assert "belongs to box EB-01" in row.reason and "to box EB-02" in row.reason, row.reason


def test_revoked_key_is_refused_but_already_stored_bytes_stay_duplicates(env: Env):
    _, first, _ = env.maker.make()
    stored(env, first)
    revoke_key(env.store.sessions, key_id(env.maker.key))
    assert isinstance(env.ingestor.keys, KeyRing)
    env.ingestor.keys.refresh()
    again = env.ingestor.ingest(first, TOPIC)
    assert again is not None and again.status == "duplicate", again
    row = env.refused(env.maker.make()[1], "unknown_key")
    assert "revoked" in row.reason, row.reason


def test_manifest_naming_another_box_than_its_keys_is_box_mismatch(env: Env):
    _, data, _ = env.maker.make(edge={"box": "EB-01"})
    row = env.refused(data, "box_mismatch")
    assert "EB-01" in row.reason and "EB-02" in row.reason, row.reason


def test_camera_missing_from_the_camera_config_is_unknown_key(env: Env):
    _, data, _ = env.maker.make("MT-99")
    row = env.refused(data, "unknown_key", topic="dendo/v1/MT-99/violation")
    assert "not in the camera config" in row.reason, row.reason


def test_signed_frame_that_is_not_a_jpeg_is_jpeg_corrupt(env: Env):
    files = env.maker.files(1, frame_cross=b"\xff\xd8" + os.urandom(3000))
    _, data, _ = env.maker.make(files=files)
    row = env.refused(data, "jpeg_corrupt")
    assert "frame_cross.jpg" in row.reason, row.reason


def test_signed_truncated_jpeg_is_jpeg_corrupt(env: Env):
    whole = jpeg(64, 48)
    _, data, _ = env.maker.make(files=env.maker.files(1, plate_crop=whole[: len(whole) // 2]))
    env.refused(data, "jpeg_corrupt")


def test_truncated_jpeg_is_refused_even_when_pillow_tolerates_truncation(
    env: Env, monkeypatch: pytest.MonkeyPatch
):
    """WeasyPrint (the notices) sets this Pillow global on import; the check must not care."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    whole = jpeg(64, 48)
    _, data, _ = env.maker.make(files=env.maker.files(1, frame_cross=whole[: len(whole) - 40]))
    row = env.refused(data, "jpeg_corrupt")
    assert "frame_cross.jpg" in row.reason, row.reason


@pytest.mark.parametrize(
    "damage",
    [
        lambda j: j[: len(j) // 2] + b"\xff\xd9",  # cut short, then given a new end marker
        lambda j: j[: len(j) // 2] + bytes(600) + j[len(j) // 2 + 600 :],  # a run of zeros
    ],
    ids=["cut-then-end-marker", "zeroed-middle"],
)
def test_signed_jpeg_with_damaged_data_but_an_end_marker_is_jpeg_corrupt(env: Env, damage):
    """The edge signed what its encoder wrote; a broken encode must not pass as evidence."""
    damaged = damage(jpeg(320, 240))
    assert damaged.endswith(b"\xff\xd9"), "the damage keeps the end-of-image marker"
    _, data, _ = env.maker.make(files=env.maker.files(1, frame_before=damaged))
    row = env.refused(data, "jpeg_corrupt")
    assert "frame_before.jpg" in row.reason and "Corrupt JPEG data" in row.reason, row.reason


def test_byte_changed_in_a_frame_after_signing_is_hash_mismatch(env: Env):
    _, data, _ = env.maker.make()
    frame = dict(members(data))["frame_after.jpg"]
    at = data.find(frame) + len(frame) // 2
    tampered = data[:at] + bytes([data[at] ^ 0x40]) + data[at + 1 :]
    row = env.refused(tampered, "hash_mismatch")
    assert "frame_after.jpg" in row.reason, row.reason


def test_truncated_zip_is_not_a_zip(env: Env):
    _, data, _ = env.maker.make()
    env.refused(data[: len(data) // 2], "not_a_zip")


def test_manifest_of_another_schema_is_wrong_schema(env: Env):
    _, data, _ = env.maker.make()
    items = members(data)
    manifest = json.loads(items[0][1])
    manifest["schema"] = "dendo.violation/2"
    raw = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    items[0], items[1] = ("manifest.json", raw), ("manifest.sig", sign(env.maker.key, raw))
    env.refused(rezip(items), "wrong_schema")


def test_bundle_over_the_size_limit_is_oversized(tmp_path: Path):
    e = make_env(f"sqlite:///{tmp_path / 'c.db'}", tmp_path, max_size=2000)
    _, data, _ = e.maker.make()
    assert len(data) > 2000
    e.refused(data, "oversized")
    e.store.close()


def test_bundle_without_a_listed_file_is_missing_file(env: Env):
    _, data, _ = env.maker.make()
    env.refused(rezip([m for m in members(data) if m[0] != "frame_after.jpg"]), "missing_file")


def test_bundle_sent_on_another_cameras_topic_is_camera_mismatch(env: Env):
    vid, data, _ = env.maker.make()
    receipt = env.ingestor.ingest(data, "dendo/v1/MT-08/violation")
    assert receipt is not None and receipt.camera_id == "MT-08", "answer where it came from"
    assert receipt.violation_id == vid and receipt.status == "quarantined", receipt
    assert env.quarantined()[-1].reason_code == "camera_mismatch"


def test_garbage_is_kept_in_quarantine_once_and_needs_no_receipt(env: Env):
    for _ in range(2):
        assert env.ingestor.ingest(b"\x00garbage", TOPIC) is None, "no id to answer"
    rows = env.quarantined()
    assert [(r.reason_code, r.payload) for r in rows] == [("not_a_zip", b"\x00garbage")], rows


def test_same_violation_id_with_other_bytes_is_a_conflict(env_any: Env):
    env = env_any
    vid, data, _ = env.maker.make()
    stored(env, data)
    fields: dict[str, Any] = {"violation_id": vid, "vehicle": {"class": "truck", "track_id": 99}}
    _, other, _ = env.maker.make(sequence=1, prev=None, **fields)
    row = env.refused(other, "conflict")
    assert row.violation_id == vid and env.counts()["cases"] == 1


# --- idempotence and chains (SQLite and PostgreSQL) --------------------------------------------


def test_resending_the_same_bytes_is_a_duplicate_and_changes_nothing(env_any: Env):
    env = env_any
    vid, data, _ = env.maker.make()
    stored(env, data)
    before = env.counts()
    for _ in range(2):
        receipt = env.ingestor.ingest(data, TOPIC)
        assert receipt is not None and (receipt.status, receipt.violation_id) == ("duplicate", vid)
    assert env.counts() == before, "a resend changed the database"


def test_sequence_gap_is_flagged_and_closed_when_the_missing_bundle_arrives(env_any: Env):
    env = env_any
    one = stored(env, env.maker.make()[1])
    late = env.maker.make()  # sequence 2, held back
    three = stored(env, env.maker.make()[1])
    assert chain_of(env, one) == ("ok", None)
    assert chain_of(env, three) == ("gap", "gap"), "sequence 3 after 1 must be flagged as a gap"
    two = stored(env, late[1])
    assert chain_of(env, two) == ("ok", None)
    assert chain_of(env, three) == ("ok", None), "the late bundle 2 must close the gap"


def test_fork_in_the_chain_is_flagged_not_dropped(env_any: Env):
    env = env_any
    stored(env, env.maker.make()[1])
    wrong_link = stored(env, env.maker.make(prev="ab" * 32)[1])
    same_sequence = stored(env, env.maker.make(sequence=2, prev=None)[1])
    assert chain_of(env, wrong_link) == ("fork", "fork")
    assert chain_of(env, same_sequence) == ("fork", "fork")
    assert env.counts()["cases"] == 3, "forked bundles must still become cases"


def test_two_collectors_ingesting_the_same_bundle_at_once_make_one_case(env_any: Env):
    env = env_any
    second = open_store(env.store.url, env.directory / "evidence", fsync=False)
    ingestors = [env.ingestor, Ingestor(second, KeyRing(second.sessions, CAMERAS))]

    def run(ing: Ingestor, payload: bytes, start: threading.Barrier, out: list[str]) -> None:
        start.wait()
        receipt = ing.ingest(payload, TOPIC)
        out.append(receipt.status if receipt else "no receipt")

    try:
        for _ in range(5):
            results: list[str] = []
            data, start = env.maker.make()[1], threading.Barrier(2)
            threads = [
                threading.Thread(target=run, args=(i, data, start, results)) for i in ingestors
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(results) == ["duplicate", "stored"], results
    finally:
        second.close()
    assert env.counts()["cases"] == 5


def test_a_batch_in_one_transaction_decides_each_message_as_one_by_one_would(env_any: Env):
    env = env_any
    one, two, three = env.maker.make(), env.maker.make(), env.maker.make()
    conflicting = env.maker.make(sequence=2, prev=None, violation_id=two[0])
    batch = [one[1], three[1], two[1], one[1], b"junk", conflicting[1]]
    receipts = env.ingestor.ingest_many([(d, TOPIC) for d in batch])
    statuses = [r.status if r else None for r in receipts]
    assert statuses == ["stored", "stored", "stored", "duplicate", None, "quarantined"], statuses
    reason = receipts[5].reason if receipts[5] else None
    assert reason and reason.startswith("conflict"), receipts[5]
    for vid in (one[0], two[0], three[0]):
        assert chain_of(env, vid) == ("ok", None), f"{vid}: bundle 2 in the batch closes 3's gap"
    assert env.counts() == {"bundles": 3, "evidence_files": 15, "cases": 3, "transitions": 3,
                            "quarantine": 2}  # fmt: skip


def test_strings_the_database_cannot_hold_never_raise(env_any: Env):
    """A NUL in the site name is kept (escaped in the manifest JSON); one in the plate text,
    which PostgreSQL cannot store in a text column, is quarantined as unstorable."""
    env = env_any
    stored(env, env.maker.make(site={"name": "Ấp\x00Bắc", "location": {"lat": 10, "lon": 106}})[1])
    plate = {"text": "63A\x00123", "norm": "63A123", "confidence": 0.9, "lines": ["63A"]}
    env.refused(env.maker.make(plate=plate)[1], "unstorable")


# --- infrastructure failures raise -------------------------------------------------------------


def test_database_unavailable_raises_and_quarantines_nothing(env: Env, tmp_path: Path):
    """A locked SQLite file stands in for a database outage: the message must not be acked.

    The first ingest fails in the key lookup, the second (no key needed) at the commit."""
    url = env.store.url
    engine = create_engine_for(url, connect_args={"timeout": 0.2})
    short = Store(url, engine, sessionmaker(engine), env.store.evidence)
    ingestor = Ingestor(short, KeyRing(short.sessions, CAMERAS), clock=lambda: NOW)
    blocker = sqlite3.connect(tmp_path / "central.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            ingestor.ingest(env.maker.make()[1], TOPIC)
        with pytest.raises(OperationalError, match="locked"):
            ingestor.ingest(b"not a zip", TOPIC)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        engine.dispose()
    assert env.counts()["quarantine"] == 0 and env.counts()["bundles"] == 0
