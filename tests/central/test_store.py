"""The central store: migrations build the models' schema on SQLite and PostgreSQL, evidence
files are kept by content hash, and an accepted bundle can be read back whole."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import stat
import threading
import zipfile
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select

from central.db import DETECTED, Bundle, Case, EdgeKey, EvidenceFile, Transition
from central.ingest import Ingestor
from central.keys import KeyRing, register_key
from central.store import (
    SYNCFS_MIN_FILES,
    EvidenceStore,
    alembic_config,
    model_metadata,
    open_store,
)
from common.config.city import load_config
from tests.paths import REPO
from tests.servers.central_collector import BOX, CAMERA, BundleMaker, key_file


def test_migrations_create_exactly_the_schema_of_central_db(store_url: str, tmp_path: Path):
    with open_store(store_url, tmp_path / "evidence") as store, store.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), model_metadata()
        )
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert diff == [], f"migrated database differs from the models (a revision missing?): {diff}"
    head = ScriptDirectory.from_config(alembic_config(store_url)).get_current_head()
    assert version == head, f"alembic_version is {version}, expected head {head}"


def test_opening_again_keeps_the_data_and_downgrade_removes_the_tables(
    store_url: str, tmp_path: Path
):
    with open_store(store_url, tmp_path / "ev") as store:
        register_key(store.sessions, BOX, key_file(tmp_path))
    with open_store(store_url, tmp_path / "ev") as store:  # upgrade again: a no-op
        with store.sessions() as s:
            assert s.scalar(select(func.count()).select_from(EdgeKey)) == 1, "key lost on reopen"
        with store.engine.begin() as conn:
            cfg = alembic_config(store_url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        left = set(inspect(store.engine).get_table_names()) - {"alembic_version"}
    assert left == set(), f"downgrade to base left tables behind: {left}"


@pytest.mark.parametrize("attempt", range(8))  # the race is rare: one fresh database each
def test_several_processes_opening_a_fresh_sqlite_database_migrate_it_once(
    tmp_path: Path, attempt: int
):
    url = f"sqlite:///{tmp_path / 'central.db'}"
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            open_store(url, tmp_path / "ev").close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, f"concurrent open_store failed (attempt {attempt}): {errors!r}"
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    with sqlite3.connect(tmp_path / "central.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_sqlite_sessions_take_the_write_lock_at_begin(tmp_path: Path):
    """BEGIN IMMEDIATE: a second writer waits at BEGIN instead of failing at its first write."""
    with open_store(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "ev") as store:
        session = store.sessions()
        session.execute(select(1))
        other = sqlite3.connect(tmp_path / "c.db", timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        session.rollback()
        other.execute("BEGIN IMMEDIATE")  # free again once the session ended
        other.execute("ROLLBACK")
        other.close()
        mode = store.engine.connect().exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal", f"SQLite journal mode is {mode}, expected wal"


def test_evidence_store_names_files_by_content_hash_and_is_idempotent(tmp_path: Path):
    store = EvidenceStore(tmp_path / "ev")
    data = b"\xff\xd8 some jpeg bytes"
    sha = hashlib.sha256(data).hexdigest()
    first = store.put(data, ".jpg")
    assert first.path == f"{sha[:2]}/{sha}.jpg" and first.sha256 == sha and first.size == len(data)
    path = store.absolute(first.path)
    inode = path.stat().st_ino
    again = store.put_many([(data, ".jpg"), (data, ".jpg")])
    assert again == [first, first], "the same bytes must map to the same stored file"
    assert path.stat().st_ino == inode, "an existing evidence file was rewritten"
    assert store.read(first.path) == data
    assert not stat.S_IMODE(path.stat().st_mode) & 0o222, "evidence files must be read-only"
    leftovers = [p.name for p in path.parent.iterdir() if p.name.startswith(".incoming")]
    assert leftovers == [], f"temp files left behind: {leftovers}"


def test_evidence_store_writes_a_large_batch_whole_with_one_sync(tmp_path: Path):
    store = EvidenceStore(tmp_path / "ev")
    blobs = [(f"frame {i}".encode() * 1000, ".jpg") for i in range(SYNCFS_MIN_FILES * 3)]
    stored = store.put_many([*blobs, blobs[0]])  # a repeat inside the batch too
    assert len(stored) == len(blobs) + 1 and stored[-1] == stored[0]
    for (data, _), f in zip(blobs, stored, strict=False):
        assert store.read(f.path) == data, f"{f.path} differs from what was stored"
    temps = list((tmp_path / "ev").rglob(".incoming-*"))
    assert temps == [], f"temp files left behind: {temps}"


def test_evidence_store_refuses_odd_names_and_detects_damage(tmp_path: Path):
    store = EvidenceStore(tmp_path / "ev")
    with pytest.raises(ValueError, match="suffix"):
        store.put(b"x", "../../etc")
    stored = store.put(b"original")
    target = store.absolute(stored.path)
    target.chmod(0o644)
    target.write_bytes(b"damaged!")
    with pytest.raises(OSError, match="does not match its hash"):
        store.read(stored.path)


def test_accepted_bundle_round_trips_through_database_and_evidence_store(
    store_url: str, tmp_path: Path
):
    maker = BundleMaker(frame=(96, 64))
    vid, data, manifest = maker.make()
    with open_store(store_url, tmp_path / "ev") as store:
        register_key(store.sessions, BOX, key_file(tmp_path))
        keys = KeyRing(store.sessions, load_config(REPO / "configs" / "cameras.yaml"))
        receipt = Ingestor(store, keys).ingest(data, f"dendo/v1/{CAMERA}/violation")
        assert receipt is not None and receipt.status == "stored", receipt
        with store.sessions() as s:
            bundle = s.get(Bundle, vid)
            assert bundle is not None, "no bundle row for the accepted bundle"
            files = s.scalars(select(EvidenceFile).where(EvidenceFile.violation_id == vid)).all()
            case = s.scalars(select(Case).where(Case.violation_id == vid)).one()
            moves = s.scalars(select(Transition).where(Transition.case_id == case.id)).all()
            assert store.evidence.read(bundle.path) == data, "stored ZIP differs from what came"
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = {n: zf.read(n) for n in zf.namelist()}
            for f in files:
                assert store.evidence.read(f.path) == members[f.name], f"{f.name} differs"
            assert sorted(f.name for f in files) == sorted(e.name for e in manifest.files)
            assert bundle.manifest["violation_id"] == vid and bundle.chain_status == "ok"
            assert (bundle.camera_id, bundle.box, bundle.sequence) == (CAMERA, BOX, 1)
            assert case.state == DETECTED and case.plate_norm == "63A12345"
            assert case.plate_text == case.plate_read_text == "63A-123.45"
            assert (case.vehicle_class, case.signal_state) == ("car", "red")
            assert case.seconds_into_red == pytest.approx(2.345)
            assert [(m.from_state, m.to_state, m.actor) for m in moves] == [
                (None, DETECTED, "ingest")
            ]
