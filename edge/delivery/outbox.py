"""The edge's disk outbox: every evidence bundle stays here until the central receipt arrives.

One SQLite file per camera. A bundle is durable when `put` returns: WAL mode with
synchronous=FULL, so the commit is fsynced to the WAL before `put` returns and a power cut right
after the rule fired loses nothing (NORMAL in WAL mode could lose the last commits on power loss,
which is acceptable for a cache but not for evidence). Acks and publish marks commit without
the fsync: a power cut can only undo them into a resend, which the centre de-duplicates.

Metadata and payloads live in two tables so the frequent "what is due" scan reads a few small
rows, never the 300 KB blobs. Over quota the OLDEST bundles are evicted, each one recorded in
`evictions` and logged as a WARNING: losing evidence is sometimes unavoidable on a full disk,
but never silent. Safe for a few threads of one process (one connection behind a lock).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from common.config.box import OutboxConfig

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bundles (
    seq INTEGER PRIMARY KEY,            -- insertion order: oldest first for sending and eviction
    violation_id TEXT NOT NULL UNIQUE,
    camera_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at REAL NOT NULL,
    published_at REAL,                  -- PUBACK time in this process; NULL: due now
    attempts INTEGER NOT NULL DEFAULT 0,
    held_reason TEXT                    -- quarantined by the centre: kept, not sent, until
                                        -- an operator releases or drops it; NULL: deliverable
);
CREATE TABLE IF NOT EXISTS payloads (
    seq INTEGER PRIMARY KEY REFERENCES bundles(seq) ON DELETE CASCADE,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS evictions (
    violation_id TEXT NOT NULL,
    camera_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS drops (      -- held bundles an operator chose to forget
    violation_id TEXT NOT NULL,
    camera_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    at REAL NOT NULL
);
"""


class OutboxFull(ValueError):
    """A bundle larger than the whole quota: refused rather than evicting everything else."""


@dataclass(frozen=True)
class OutboxItem:
    violation_id: str
    camera_id: str
    sha256: str
    size: int
    created_at: float
    published_at: float | None
    attempts: int  # PUBACKed publishes so far; > 0 means the next publish is a resend
    payload: bytes = field(repr=False)


class Outbox:
    """Bundles awaiting their receipt, in one SQLite file (created if missing)."""

    @classmethod
    def for_camera(cls, config: OutboxConfig, camera_id: str) -> Outbox:
        """The camera's outbox file in the configured folder, with the configured quota."""
        config.dir.mkdir(parents=True, exist_ok=True)
        return cls(config.dir / f"{camera_id}.sqlite", int(config.quota_mb * 1024 * 1024))

    def __init__(self, path: Path, quota_bytes: int) -> None:
        if quota_bytes <= 0:
            raise ValueError(f"outbox quota must be positive, got {quota_bytes}")
        self.path = Path(path)
        self.quota_bytes = int(quota_bytes)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise RuntimeError(f"outbox {self.path}: SQLite refused WAL mode (got {mode})")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA journal_size_limit=67108864")  # WAL shrinks back to 64 MB
        # Checkpoints (copying the WAL into the file) cost 4 MB of writes and two fsyncs. The
        # publisher runs them from its own thread on its own connection (`checkpoint`), which
        # SQLite lets proceed beside a writer; a put only checkpoints itself past 64 MB of WAL.
        self._db.execute("PRAGMA wal_autocheckpoint=16384")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(bundles)")}
        if "held_reason" not in columns:  # an outbox file from before held bundles existed
            self._db.execute("ALTER TABLE bundles ADD COLUMN held_reason TEXT")
        self._checkpointer: sqlite3.Connection | None = None

    # --- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _tx(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction under the lock: all of it or none of it.

        durable=False commits without the fsync (synchronous=NORMAL for this transaction): for
        acks and publish marks, which a power cut may only undo into a harmless resend. The
        next durable commit fsyncs the WAL, earlier frames included, so order is kept.
        """
        with self._lock:
            if not durable:
                self._db.execute("PRAGMA synchronous=NORMAL")
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            finally:
                if not durable:
                    self._db.execute("PRAGMA synchronous=FULL")

    def _scalar(self, sql: str) -> int:
        with self._lock:
            return int(self._db.execute(sql).fetchone()[0])

    def checkpoint(self) -> None:
        """Copy the WAL into the database without blocking puts (call from one thread only)."""
        if self._checkpointer is None:
            self._checkpointer = sqlite3.connect(self.path, isolation_level=None,
                                                 check_same_thread=False)  # fmt: skip
        self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        with self._lock:
            self._db.close()
            if self._checkpointer is not None:
                self._checkpointer.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing ----------------------------------------------------------------------------

    def put(self, violation_id: str, camera_id: str, payload: bytes) -> None:
        """Keep a bundle until its receipt. Durable on return; a repeated id is a no-op.

        Raises OutboxFull for a bundle bigger than the quota, and ValueError when the id is
        already held with different bytes (two bundles must never share an id).
        """
        data = bytes(payload)
        size = len(data)
        if size > self.quota_bytes:
            raise OutboxFull(
                f"bundle {violation_id} ({camera_id}) is {size} bytes, larger than the whole"
                f" outbox quota of {self.quota_bytes} bytes at {self.path}: refused"
            )
        digest = hashlib.sha256(data).hexdigest()
        evicted: list[tuple[str, str, int]] = []
        with self._tx() as db:
            row = db.execute(
                "SELECT sha256 FROM bundles WHERE violation_id = ?", (violation_id,)
            ).fetchone()
            if row is not None:
                if row[0] != digest:
                    raise ValueError(
                        f"bundle {violation_id} is already in the outbox with other bytes"
                        f" (sha256 {row[0][:12]}…, new {digest[:12]}…)"
                    )
                return
            total = int(db.execute("SELECT COALESCE(SUM(size), 0) FROM bundles").fetchone()[0])
            now = time.time()
            if total + size > self.quota_bytes:
                oldest = db.execute(
                    "SELECT seq, violation_id, camera_id, size FROM bundles ORDER BY seq"
                )
                victims = []
                for seq, vid, cam, vsize in oldest:
                    if total + size <= self.quota_bytes:
                        break
                    victims.append((seq,))
                    evicted.append((vid, cam, vsize))
                    total -= vsize
                db.executemany("DELETE FROM bundles WHERE seq = ?", victims)
                db.executemany(
                    "INSERT INTO evictions (violation_id, camera_id, size, at) VALUES (?,?,?,?)",
                    [(vid, cam, vsize, now) for vid, cam, vsize in evicted],
                )
            cur = db.execute(
                "INSERT INTO bundles (violation_id, camera_id, sha256, size, created_at)"
                " VALUES (?,?,?,?,?)",
                (violation_id, camera_id, digest, size, now),
            )
            db.execute("INSERT INTO payloads (seq, data) VALUES (?, ?)", (cur.lastrowid, data))
        if evicted:
            names = ", ".join(f"{vid} ({cam}, {vsize} B)" for vid, cam, vsize in evicted)
            log.warning(
                "outbox %s is over its quota of %d bytes: evicted %d oldest bundle(s) that had"
                " no receipt yet, their evidence is lost: %s",
                self.path,
                self.quota_bytes,
                len(evicted),
                names,
            )

    def mark_published(self, violation_id: str, now: float) -> None:
        """The broker has the bundle (PUBACK): not due again until resend_after_s has passed."""
        self.mark_published_many([violation_id], now)

    def mark_published_many(self, violation_ids: Iterable[str], now: float) -> None:
        """mark_published for several bundles in one transaction (one fsync)."""
        rows = [(now, vid) for vid in violation_ids]
        if rows:
            with self._tx(durable=False) as db:
                db.executemany(
                    "UPDATE bundles SET published_at = ?, attempts = attempts + 1"
                    " WHERE violation_id = ?",
                    rows,
                )

    def ack(self, violation_id: str) -> bool:
        """The receipt came: forget the bundle. False when it was not (or no longer) here."""
        return self.ack_many([violation_id]) == 1

    def ack_many(self, violation_ids: Iterable[str]) -> int:
        """ack for several receipts in one transaction; returns how many were held."""
        rows = [(vid,) for vid in violation_ids]
        if not rows:
            return 0
        with self._tx(durable=False) as db:  # payloads go too (ON DELETE CASCADE)
            return db.executemany("DELETE FROM bundles WHERE violation_id = ?", rows).rowcount

    def hold_many(self, held: Iterable[tuple[str, str]]) -> int:
        """The centre quarantined these (violation id, reason): keep each bundle aside, never
        sent again by itself, until an operator releases or drops it. Durable."""
        rows = [(reason, vid) for vid, reason in held]
        if not rows:
            return 0
        with self._tx() as db:
            return db.executemany(
                "UPDATE bundles SET held_reason = ? WHERE violation_id = ?", rows
            ).rowcount

    def held(self) -> list[tuple[str, str, int, str]]:
        """(violation id, camera, size, reason) of every held bundle, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT violation_id, camera_id, size, held_reason FROM bundles"
                " WHERE held_reason IS NOT NULL ORDER BY seq"
            ).fetchall()
        return [(str(v), str(c), int(s), str(r)) for v, c, s, r in rows]

    def release(self, violation_id: str) -> bool:
        """An operator sends a held bundle again (the centre was mended): due now."""
        with self._tx() as db:
            return bool(
                db.execute(
                    "UPDATE bundles SET held_reason = NULL, published_at = NULL"
                    " WHERE violation_id = ? AND held_reason IS NOT NULL",
                    (violation_id,),
                ).rowcount
            )

    def drop(self, violation_id: str, reason: str) -> bool:
        """An operator forgets a held bundle; recorded with the reason they gave."""
        with self._tx() as db:
            row = db.execute(
                "SELECT camera_id FROM bundles WHERE violation_id = ? AND held_reason IS NOT NULL",
                (violation_id,),
            ).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM bundles WHERE violation_id = ?", (violation_id,))
            db.execute(
                "INSERT INTO drops (violation_id, camera_id, reason, at) VALUES (?,?,?,?)",
                (violation_id, row[0], reason, time.time()),
            )
        log.warning("outbox %s: held bundle %s dropped by an operator: %s", self.path,
                    violation_id, reason)  # fmt: skip
        return True

    def requeue(self) -> int:
        """Make every bundle due now (a new process cannot know what its predecessor sent)."""
        with self._tx(durable=False) as db:
            return db.execute(
                "UPDATE bundles SET published_at = NULL WHERE published_at IS NOT NULL"
            ).rowcount

    # --- reading ----------------------------------------------------------------------------

    def due(
        self,
        now: float,
        resend_after_s: float,
        limit: int,
        exclude: Collection[str] = (),
        resend_max_s: float | None = None,
    ) -> list[OutboxItem]:
        """Oldest first: never published, or published and still without a receipt after
        resend_after_s, doubled for each publish already unanswered up to resend_max_s (so a
        centre that is down for an hour is not sent every bundle every 30 s).

        `exclude` skips bundles the caller already has in flight, without loading their bytes.
        """
        if limit <= 0:
            return []
        cap = resend_after_s if resend_max_s is None else max(resend_after_s, resend_max_s)
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, violation_id FROM bundles WHERE held_reason IS NULL AND"
                " (published_at IS NULL"
                " OR published_at + min(? * (1 << min(max(attempts - 1, 0), 20)), ?) <= ?)"
                " ORDER BY seq",
                (resend_after_s, cap, now),
            )
            wanted: list[int] = []
            for seq, vid in rows:
                if vid not in exclude:
                    wanted.append(seq)
                    if len(wanted) >= limit:
                        break
            items = []
            for seq in wanted:
                items.append(
                    OutboxItem(
                        *self._db.execute(
                            "SELECT b.violation_id, b.camera_id, b.sha256, b.size, b.created_at,"
                            " b.published_at, b.attempts, p.data"
                            " FROM bundles b JOIN payloads p ON p.seq = b.seq WHERE b.seq = ?",
                            (seq,),
                        ).fetchone()
                    )
                )
            return items

    def sha256_of(self, violation_id: str) -> str | None:
        """The stored bundle's sha256, to check a receipt against; None when not held."""
        with self._lock:
            row = self._db.execute(
                "SELECT sha256 FROM bundles WHERE violation_id = ?", (violation_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    def depth(self) -> int:
        """Bundles waiting for a receipt, held ones included."""
        return self._scalar("SELECT COUNT(*) FROM bundles")

    def held_count(self) -> int:
        return self._scalar("SELECT COUNT(*) FROM bundles WHERE held_reason IS NOT NULL")

    def size_bytes(self) -> int:
        """Payload bytes held (what the quota counts, not the file size)."""
        return self._scalar("SELECT COALESCE(SUM(size), 0) FROM bundles")

    def evicted(self) -> int:
        """Bundles evicted over quota since the file was created (kept across restarts)."""
        return self._scalar("SELECT COUNT(*) FROM evictions")
