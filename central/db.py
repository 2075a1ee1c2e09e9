"""The central database: SQLAlchemy 2 models for evidence, cases, notices and the registry.

One schema for SQLite (the embedded default, WAL mode) and PostgreSQL (by URL). Alembic
migrations in `central/migrations` create and evolve it; `create_engine_for(url)` sets the
SQLite pragmas every connection needs. Times are stored as timezone-aware UTC.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    create_engine,
    event,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A moment stored as UTC and read back timezone-aware in UTC, on SQLite (which keeps no
    offset: a local time would silently read back as UTC) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give the time zone (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


# Case states, in the order of the Vietnamese process (see central/cases.py for the moves).
DETECTED, REVIEW, CONFIRMED, REJECTED = "detected", "review", "confirmed", "rejected"
NOTICE_ISSUED, FINED, PAID, ESCALATED = "notice_issued", "fined", "paid", "escalated"
MERGED = "merged"  # a duplicate folded into an earlier case of the same plate and camera
APPEALED = "appealed"  # the addressee contests the notice (khiếu nại): a supervisor decides
CANCELLED = "cancelled"  # the notice withdrawn after an appeal: final
STATES = (
    DETECTED,
    REVIEW,
    CONFIRMED,
    REJECTED,
    NOTICE_ISSUED,
    FINED,
    PAID,
    ESCALATED,
    MERGED,
    APPEALED,
    CANCELLED,
)


class EdgeKey(Base):
    """A registered edge-box public key: bundles signed by anything else are quarantined."""

    __tablename__ = "edge_keys"
    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    box: Mapped[str] = mapped_column(String(16), index=True)
    public_key_pem: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    added_by: Mapped[str] = mapped_column(String(64), default="system")
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Bundle(Base):
    """An accepted evidence bundle: the original ZIP is kept in the evidence store."""

    __tablename__ = "bundles"
    violation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    camera_id: Mapped[str] = mapped_column(String(16))
    box: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the ZIP bytes
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(BigInteger)
    prev_sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)  # of the ZIP in the evidence store, relative
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    crossed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # ok | first (no earlier bundle known) | gap (sequence skipped) | fork (prev hash differs)
    chain_status: Mapped[str] = mapped_column(String(16), default="ok")
    chain_note: Mapped[str | None] = mapped_column(Text)
    clock_note: Mapped[str | None] = mapped_column(Text)  # clock sanity warning, if any
    files: Mapped[list[EvidenceFile]] = relationship(back_populates="bundle")

    __table_args__ = (Index("ix_bundles_camera_sequence", "camera_id", "sequence"),)


class EvidenceFile(Base):
    """One file of a bundle (frames, crops, clip), stored by content hash."""

    __tablename__ = "evidence_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    violation_id: Mapped[str] = mapped_column(ForeignKey("bundles.violation_id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)  # relative to the evidence store root
    bundle: Mapped[Bundle] = relationship(back_populates="files")


class Quarantined(Base):
    """A message that was refused, with the reason and the original bytes: nothing is lost."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    topic: Mapped[str | None] = mapped_column(String(256))
    camera_id: Mapped[str | None] = mapped_column(String(16))
    violation_id: Mapped[str | None] = mapped_column(String(36), index=True)
    reason_code: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    payload: Mapped[bytes] = mapped_column(LargeBinary)


class Owner(Base):
    """The vehicle registry, imported from CSV: who a plate belongs to."""

    __tablename__ = "owners"
    plate_norm: Mapped[str] = mapped_column(String(16), primary_key=True)
    plate_text: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text)
    id_number: Mapped[str | None] = mapped_column(String(32))
    vehicle_class: Mapped[str | None] = mapped_column(String(32))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Case(Base):
    """One violation carried through review, notice, fine and payment."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    violation_id: Mapped[str] = mapped_column(ForeignKey("bundles.violation_id"), unique=True)
    camera_id: Mapped[str] = mapped_column(String(16))
    crossed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    vehicle_class: Mapped[str] = mapped_column(String(32))
    seconds_into_red: Mapped[float | None] = mapped_column(Float)
    # red was on as the recording began: seconds_into_red is a lower bound ("ít nhất")
    red_lower_bound: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    signal_state: Mapped[str] = mapped_column(String(16))
    plate_text: Mapped[str | None] = mapped_column(String(24))  # as read, or as corrected
    plate_norm: Mapped[str | None] = mapped_column(String(16), index=True)
    plate_confidence: Mapped[float | None] = mapped_column(Float)
    plate_read_text: Mapped[str | None] = mapped_column(String(24))  # the edge's reading
    plate_corrected: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default=DETECTED)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    chain_flag: Mapped[str | None] = mapped_column(String(16))  # gap / fork from the bundle
    owner_plate: Mapped[str | None] = mapped_column(ForeignKey("owners.plate_norm"))
    notice_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    notice_issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    fine_vnd: Mapped[int | None] = mapped_column(BigInteger)
    fined_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    paid_vnd: Mapped[int | None] = mapped_column(BigInteger)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    payment_ref: Mapped[str | None] = mapped_column(String(64))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)  # auto-confirmed by the demo
    # Grows by one with every move: each action carries the version its officer saw, and a
    # stale one is refused (central.cases.expect) instead of overwriting a later decision.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Whom the notice goes to when an appeal re-addressed it (vehicle sold, wrong owner):
    # {name, address, id_number, reason}; None: the registry's owner.
    addressee: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    transitions: Mapped[list[Transition]] = relationship(
        back_populates="case", order_by="Transition.id"
    )
    bundle: Mapped[Bundle] = relationship()  # also orders inserts: the bundle row first
    owner: Mapped[Owner | None] = relationship()

    __table_args__ = (
        Index("ix_cases_state_crossed", "state", "crossed_at"),
        Index("ix_cases_camera_crossed", "camera_id", "crossed_at"),
        Index("ix_cases_plate_camera_crossed", "plate_norm", "camera_id", "crossed_at"),
        # the web page's lists: every case newest first, and notices by deadline (0002)
        Index("ix_cases_crossed_at", "crossed_at"),
        Index("ix_cases_state_deadline", "state", "deadline_at"),
        # the lists' vehicle filter and sortable columns (0011, central/web/case_search.py)
        Index("ix_cases_vehicle_crossed", "vehicle_class", "crossed_at"),
        Index("ix_cases_into_red", "seconds_into_red"),
        Index("ix_cases_plate_confidence", "plate_confidence"),
        Index("ix_cases_deadline_at", "deadline_at"),
        Index("ix_cases_fine_vnd", "fine_vnd"),
    )


class Transition(Base):
    """Every move of a case: from, to, who, when, and what was said."""

    __tablename__ = "transitions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    note: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int | None] = mapped_column(Integer)  # the case's version after this move
    case: Mapped[Case] = relationship(back_populates="transitions")

    # the weekly report counts moves from this index alone (migration 0003)
    __table_args__ = (Index("ix_transitions_state_at_case", "to_state", "at", "case_id"),)


class CaseClaim(Base):
    """A case open in one officer's review, for a few minutes: the queue hands others the next
    case, and nobody else may decide it meanwhile. Kept apart from `cases` so that claiming
    does not change the case's version."""

    __tablename__ = "case_claims"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


NOTICE, DECISION = "notice", "decision"  # the kinds of IssuedDocument
ISSUED, SUPERSEDED, VOID = "issued", "superseded", "void"  # an IssuedDocument's status


class IssuedDocument(Base):
    """A document that left the building, frozen: the exact PDF and HTML bytes issued (in the
    evidence store by sha256) with what they said (addressee, plate, fine, evidence hashes).
    Never edited after issue except to be marked superseded (a correction is a new row with
    the next version) or void (the case cancelled)."""

    __tablename__ = "issued_documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # notice | decision
    number: Mapped[str] = mapped_column(String(48), unique=True)
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, … per case and kind
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    issued_by: Mapped[str] = mapped_column(String(64))
    signer: Mapped[str | None] = mapped_column(String(200))  # a decision's signer
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_path: Mapped[str] = mapped_column(Text)
    html_sha256: Mapped[str] = mapped_column(String(64))
    html_path: Mapped[str] = mapped_column(Text)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)  # what the document said
    status: Mapped[str] = mapped_column(String(16), default=ISSUED)
    superseded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"))
    status_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_issued_documents_case_kind", "case_id", "kind", "version"),)


class NoticeCounter(Base):
    """The last notice number given per city and year; its row is locked while a number is
    taken, so numbers stay gap-free under concurrent confirmations."""

    __tablename__ = "notice_counters"
    city: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


WAL_WAIT_S = 30.0  # as long as the busy timeout


def _switch_to_wal(cur: Any) -> None:
    """Put the database in WAL mode. When several processes open a fresh database at once,
    the switch can fail at once with "database is locked" (SQLite's busy timeout does not
    wait for that lock): try again for up to WAL_WAIT_S."""
    deadline = time.monotonic() + WAL_WAIT_S
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def create_engine_for(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            _switch_to_wal(cur)
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            # Take the write lock at BEGIN: two writers never deadlock on a lock upgrade,
            # and a notice number read inside the transaction cannot be taken twice.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        # Let SQLAlchemy's `begin` event issue BEGIN itself (pysqlite would defer it).
        @event.listens_for(engine, "connect", insert=True)
        def _no_autobegin(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None

    return engine
