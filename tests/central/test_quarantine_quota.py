"""The quarantine quota: one camera's refused messages cannot grow the database without bound,
and nothing refused goes uncounted."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from central.db import Quarantined
from central.ingest import Ingestor
from central.keys import KeyRing, register_key
from central.quarantine_quota import OVERSIZED_HEAD, Budget, QuarantineQuota, over_budget
from central.store import Store, open_store
from common.config.city import load_config
from tests.paths import REPO
from tests.servers.central_collector import BOX, T0, key_file

CAMERAS = load_config(REPO / "configs" / "cameras.yaml")
NOW = T0 + timedelta(hours=1)
BUDGET = Budget(bytes_per_hour=1024 * 1024, count_per_hour=5)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'central.db'}", tmp_path / "evidence", fsync=False)
    register_key(s.sessions, BOX, key_file(tmp_path))
    yield s
    s.close()


def ingestor(store: Store, clock_shift: timedelta = timedelta()) -> Ingestor:
    keys = KeyRing(store.sessions, CAMERAS)
    return Ingestor(store, keys, clock=lambda: NOW + clock_shift, quota=BUDGET)


def kept(store: Store) -> tuple[int, int]:
    with store.sessions() as s:
        count = s.scalar(select(func.count()).select_from(Quarantined)) or 0
        size = s.scalar(select(func.coalesce(func.sum(func.length(Quarantined.payload)), 0)))
        return int(count), int(size or 0)


def test_a_flood_of_garbage_keeps_at_most_the_budget_and_counts_the_rest(
    store: Store, tmp_path: Path
) -> None:
    ing = ingestor(store)
    db = tmp_path / "central.db"
    before = db.stat().st_size
    for _ in range(40):  # 40 distinct 300 KB messages on one camera's topic
        assert ing.ingest(os.urandom(300_000), "dendo/v1/MT-07/violation") is None
    count, size = kept(store)
    assert count <= BUDGET.count_per_hour and size <= BUDGET.bytes_per_hour, (count, size)
    assert count == 3, "three 300 KB messages fit 1 MB"
    with store.sessions() as s:
        assert over_budget(s, NOW) == {"MT-07": (37, 37 * 300_000)}, "every refusal is counted"
    growth = db.stat().st_size - before  # WAL included: what the flood cost on disk
    wal = db.with_name(db.name + "-wal")
    growth += wal.stat().st_size if wal.exists() else 0
    assert growth < 3 * BUDGET.bytes_per_hour, f"the database grew by {growth} bytes"


def test_the_budget_is_per_camera_and_per_hour(store: Store) -> None:
    for camera in ("MT-07", "MT-08"):
        for _ in range(6):
            ingestor(store).ingest(os.urandom(1000), f"dendo/v1/{camera}/violation")
    assert kept(store)[0] == 10, "each camera keeps its own 5"
    ingestor(store, timedelta(hours=1)).ingest(os.urandom(1000), "dendo/v1/MT-07/violation")
    assert kept(store)[0] == 11, "a new hour, a new budget"
    with store.sessions() as s:
        rows = s.scalars(select(QuarantineQuota).order_by(QuarantineQuota.hour)).all()
        assert [(r.camera_id, r.kept_count, r.refused_count) for r in rows] == [
            ("MT-07", 5, 1), ("MT-08", 5, 1), ("MT-07", 1, 0)
        ]  # fmt: skip


def test_an_oversized_message_keeps_only_its_head(store: Store) -> None:
    big = os.urandom(25 * 1024 * 1024)  # over the 20 MB bundle limit
    ingestor(store).ingest(big, "dendo/v1/MT-07/violation")
    with store.sessions() as s:
        row = s.scalars(select(Quarantined)).one()
    assert row.reason_code == "oversized" and row.size == len(big)
    assert row.payload == big[:OVERSIZED_HEAD], "only the first 64 KB of an oversized message"
    assert f"only the first {OVERSIZED_HEAD}" in row.reason
