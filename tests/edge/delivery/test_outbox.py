"""The disk outbox: durable puts, resend timing, acks, and loud (never silent) quota eviction."""

from __future__ import annotations

import logging
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from edge.delivery.outbox import Outbox, OutboxFull, OutboxItem

CAM = "MT-07"


def ids(items: Sequence[OutboxItem]) -> list[str]:
    return [i.violation_id for i in items]


def test_put_is_on_disk_when_it_returns_even_if_the_process_is_killed(tmp_path: Path) -> None:
    db = tmp_path / "outbox.sqlite"
    code = (
        "import sys, time\n"
        "from edge.delivery.outbox import Outbox\n"
        f"o = Outbox({str(db)!r}, 10**9)\n"
        "for i in range(20): o.put(f'v{i}', 'MT-07', bytes([i]) * 5000)\n"
        "print('put', flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "put", "child never finished its puts"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    with Outbox(db, 10**9) as reopened:
        items = reopened.due(now=0.0, resend_after_s=30, limit=100)
        assert ids(items) == [f"v{i}" for i in range(20)], "bundles lost by a SIGKILL after put"
        assert all(it.payload == bytes([i]) * 5000 for i, it in enumerate(items)), "bytes changed"


def test_outbox_file_uses_wal_with_full_sync(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite", 10**6) as box:
        box.put("v1", CAM, b"x")
        assert box._db.execute("PRAGMA synchronous").fetchone()[0] == 2, "synchronous is not FULL"
    mode = sqlite3.connect(tmp_path / "o.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal", f"journal mode is {mode}, not WAL"


def test_put_is_idempotent_on_violation_id(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite", 10**6) as box:
        box.put("v1", CAM, b"abc")
        box.put("v1", CAM, b"abc")
        assert box.depth() == 1, "a repeated put stored the bundle twice"
        assert box.size_bytes() == 3
        with pytest.raises(ValueError, match="other bytes"):
            box.put("v1", CAM, b"different")


def test_due_is_oldest_first_and_resends_only_after_the_timeout(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite", 10**6) as box:
        for vid in ("a", "b", "c"):
            box.put(vid, CAM, vid.encode() * 10)
        assert ids(box.due(100.0, 30.0, 10)) == ["a", "b", "c"], "new bundles are not all due"
        box.mark_published("a", 100.0)
        assert ids(box.due(110.0, 30.0, 10)) == ["b", "c"], "a PUBACKed bundle was due at once"
        assert ids(box.due(129.9, 30.0, 10)) == ["b", "c"], "resent before resend_after_s"
        again = box.due(130.0, 30.0, 10)
        assert ids(again) == ["a", "b", "c"], "no resend after resend_after_s without receipt"
        assert again[0].attempts == 1 and again[0].published_at == 100.0
        assert ids(box.due(130.0, 30.0, 2)) == ["a", "b"], "limit not applied"
        assert ids(box.due(130.0, 30.0, 2, exclude={"a"})) == ["b", "c"], "exclude not applied"


def test_resends_back_off_doubling_up_to_resend_max_s(tmp_path: Path) -> None:
    """A centre that stays down is sent each bundle after 30 s, 60 s, 120 s, ... then every
    resend_max_s: not every bundle every 30 s for as long as it is down."""
    with Outbox(tmp_path / "o.sqlite", 10**6) as box:
        box.put("a", CAM, b"x" * 10)
        published, gaps = 0.0, []
        for _ in range(7):
            box.mark_published("a", published)
            after = published
            while not box.due(after, 30.0, 10, resend_max_s=200.0):
                after += 1.0
            gaps.append(after - published)
            published = after
        assert gaps == [30.0, 60.0, 120.0, 200.0, 200.0, 200.0, 200.0], gaps
        assert ids(box.due(published + 30, 30.0, 10)) == ["a"], "no cap: the fixed timeout"


def test_requeue_makes_everything_due_for_a_new_process(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite", 10**6) as box:
        box.put("a", CAM, b"1")
        box.put("b", CAM, b"2")
        box.mark_published_many(["a", "b"], 1000.0)
        assert box.due(1001.0, 30.0, 10) == []
        assert box.requeue() == 2
        assert ids(box.due(1001.0, 30.0, 10)) == ["a", "b"], "requeue left bundles not due"


def test_ack_forgets_the_bundle_and_its_bytes(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite", 10**6) as box:
        box.put("a", CAM, b"x" * 100)
        box.put("b", CAM, b"y" * 50)
        assert box.sha256_of("a") is not None
        assert box.ack("a") is True
        assert box.ack("a") is False, "a second receipt for the same bundle reported True"
        assert box.ack_many(["b", "zzz"]) == 1
        assert (box.depth(), box.size_bytes()) == (0, 0), "acked bundles still counted"
        left = box._db.execute("SELECT COUNT(*) FROM payloads").fetchone()[0]
        assert left == 0, f"{left} payload blobs left behind after ack"


def test_quota_evicts_oldest_first_counts_and_logs_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Outbox(tmp_path / "o.sqlite", 1000) as box:
        for vid in ("old1", "old2", "mid", "new"):
            box.put(vid, CAM, b"z" * 300)  # 4th put needs 1200 > 1000: one eviction
        assert ids(box.due(0, 30, 10)) == ["old2", "mid", "new"], "did not evict the oldest"
        with caplog.at_level(logging.WARNING, logger="edge.delivery.outbox"):
            box.put("big", CAM, b"q" * 600)  # needs room for 600: old2 and mid go
        assert ids(box.due(0, 30, 10)) == ["new", "big"]
        assert box.evicted() == 3
        assert box.size_bytes() == 900
        warning = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
        assert "old2" in warning and "mid" in warning, f"eviction not named in log: {warning!r}"
        rows = box._db.execute("SELECT violation_id, camera_id, size FROM evictions").fetchall()
        assert rows == [("old1", CAM, 300), ("old2", CAM, 300), ("mid", CAM, 300)]


def test_bundle_bigger_than_the_whole_quota_is_refused_without_evicting(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite", 1000) as box:
        box.put("keep", CAM, b"k" * 500)
        with pytest.raises(OutboxFull, match="larger than the whole outbox quota"):
            box.put("huge", CAM, b"h" * 1001)
        assert ids(box.due(0, 30, 10)) == ["keep"], "an oversize put evicted other bundles"
        assert box.evicted() == 0


def test_evicted_count_survives_reopen(tmp_path: Path) -> None:
    db = tmp_path / "o.sqlite"
    with Outbox(db, 100) as box:
        for i in range(5):
            box.put(f"v{i}", CAM, b"x" * 60)
        assert box.evicted() == 4
    with Outbox(db, 100) as again:
        assert again.evicted() == 4, "eviction count reset by a restart"
        assert again.depth() == 1


def test_two_threads_can_put_and_ack_at_once(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite", 10**8) as box:
        errors: list[BaseException] = []

        def putter(prefix: str) -> None:
            try:
                for i in range(100):
                    box.put(f"{prefix}{i}", CAM, b"p" * 1000)
                    if i % 2:
                        box.ack(f"{prefix}{i}")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=putter, args=(p,)) for p in "ab"]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, f"concurrent use failed: {errors[0]!r}"
        assert box.depth() == 100, "lost or extra bundles under concurrent put/ack"


def test_a_held_bundle_is_never_due_until_released_and_a_drop_is_recorded(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite", 10**9) as box:
        for vid in ("a", "b", "c"):
            box.put(vid, CAM, vid.encode() * 100)
        assert box.hold_many([("a", "jpeg_corrupt: frame_cross.jpg"), ("b", "conflict")]) == 2
        assert ids(box.due(0.0, 30.0, 10)) == ["c"], "held bundles must not be sent again"
        assert box.held() == [("a", CAM, 100, "jpeg_corrupt: frame_cross.jpg"),
                              ("b", CAM, 100, "conflict")]  # fmt: skip
        assert (box.depth(), box.held_count()) == (3, 2), "held bundles still count, and show"
        assert box.release("a") and ids(box.due(0.0, 30.0, 10)) == ["a", "c"]
        assert not box.release("c"), "only a held bundle can be released"
        assert box.drop("b", "operator: the centre has it from a USB copy")
        assert not box.drop("c", "x"), "only a held bundle can be dropped"
    with Outbox(tmp_path / "o.sqlite", 10**9) as again:  # held state and drops survive reopen
        assert again.held() == [] and again.depth() == 2
        db = sqlite3.connect(tmp_path / "o.sqlite")
        assert db.execute("SELECT violation_id, reason FROM drops").fetchall() == [
            ("b", "operator: the centre has it from a USB copy")
        ]
        db.close()


def test_an_outbox_file_from_before_held_bundles_is_upgraded_in_place(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "old.sqlite")
    db.executescript(
        "CREATE TABLE bundles (seq INTEGER PRIMARY KEY, violation_id TEXT NOT NULL UNIQUE,"
        " camera_id TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,"
        " created_at REAL NOT NULL, published_at REAL, attempts INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE payloads (seq INTEGER PRIMARY KEY REFERENCES bundles(seq)"
        " ON DELETE CASCADE, data BLOB NOT NULL);"
        "INSERT INTO bundles VALUES (1, 'old', 'MT-07', 'x', 3, 0, NULL, 0);"
        "INSERT INTO payloads VALUES (1, x'010203');"
    )
    db.close()
    with Outbox(tmp_path / "old.sqlite", 10**9) as box:
        assert ids(box.due(0.0, 30.0, 10)) == ["old"], "a bundle from before must still be sent"
        assert box.hold_many([("old", "conflict")]) == 1 and box.held_count() == 1
