"""Where the central service keeps things: the database (migrated on open) and the evidence files.

`open_store(url, evidence_dir)` brings the schema to the newest Alembic revision before anything
else touches it, so a collector, the review page and a CLI command started against a fresh or an
older database all see the same tables. Migrations run inside one transaction that holds the
database's write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so several
collectors starting at once migrate once and never half-migrate.

Evidence files are stored by content hash, `<root>/<sha[:2]>/<sha><ext>`: the same bytes are
one file however often they arrive, a name can never point at other bytes, and a file is
either complete or absent (temp file made durable, then renamed, then the rename made durable;
for a collector's batch one syncfs(2) does for all files what an fsync each would).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData, text
from sqlalchemy.orm import Session, sessionmaker

from central.db import create_engine_for

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Modules whose models (on central.db.Base) the migrations must create: a module that adds
# tables is listed here, so autogenerate and tests/test_store.py compare against all of them.
MODEL_MODULES = (
    "central.db",
    "central.users",
    "central.quarantine_quota",
    "central.health_history",
    "central.quarantine_actions",
)
_SHA = re.compile(r"[0-9a-f]{64}")
_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
_MIGRATION_LOCK = 0x64656E646F  # "dendo": the PostgreSQL advisory lock taken while migrating


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    path: str  # relative to the evidence root, e.g. "ab/ab12...ef.jpg"


class EvidenceStore:
    """Content-addressed files under `root`; writes are atomic, durable and idempotent."""

    def __init__(self, root: str | os.PathLike[str], *, fsync: bool = True) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.fsync = fsync  # False only for throw-away stores; evidence must survive power cuts

    @staticmethod
    def relative_path(sha256: str, suffix: str = "") -> str:
        """`<sha[:2]>/<sha><suffix>`; ValueError unless a hex sha256 and a short suffix."""
        if not _SHA.fullmatch(sha256):
            raise ValueError(f"{sha256!r} is not a lowercase hex sha256")
        if suffix and not _SUFFIX.fullmatch(suffix):
            raise ValueError(f"suffix {suffix!r} is not like '.jpg'")
        return f"{sha256[:2]}/{sha256}{suffix}"

    def absolute(self, relative: str) -> Path:
        """The file for a stored relative path (as kept in the database)."""
        return self.root / relative

    def read(self, relative: str) -> bytes:
        """The stored bytes, checked against the hash in their name (IOError if they differ)."""
        data = self.absolute(relative).read_bytes()
        name = Path(relative).name[:64]
        if hashlib.sha256(data).hexdigest() != name:
            raise OSError(f"evidence file {relative} does not match its hash: damaged on disk")
        return data

    def put(self, data: bytes, suffix: str = "") -> StoredFile:
        """Store one file (see put_many)."""
        return self.put_many([(data, suffix)])[0]

    def put_many(self, items: Iterable[tuple[bytes, str]]) -> list[StoredFile]:
        """Store several files; durable on return. Files already present are left alone.

        New files are written to temp files in their final directories, made durable, then
        renamed, and the renames made durable. A few files: fsync each, then each touched
        directory. Many (a collector batch): one syncfs(2) before the renames and one after,
        which costs far less than an fsync per file and per directory.
        """
        stored: list[StoredFile] = []
        dirs: set[Path] = set()
        pending: list[tuple[str, Path]] = []
        planned: set[Path] = set()
        try:
            for data, suffix in items:
                data = bytes(data)
                sha = hashlib.sha256(data).hexdigest()
                rel = self.relative_path(sha, suffix)
                stored.append(StoredFile(sha, len(data), rel))
                target = self.root / rel
                if target in planned or _complete(target, len(data)):
                    continue
                if self._mkdir(target.parent):
                    dirs.add(self.root)
                pending.append((self._write_temp(target.parent, data), target))
                planned.add(target)
            batch = _SYNCFS is not None and len(pending) >= SYNCFS_MIN_FILES
            if self.fsync:
                self._sync([tmp for tmp, _ in pending], batch)
            while pending:
                tmp, target = pending[-1]
                os.replace(tmp, target)
                pending.pop()
                dirs.add(target.parent)
        finally:
            for tmp, _ in pending:  # only after an error: the temp files not renamed
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        if self.fsync and planned:
            if batch:
                _syncfs(self.root)
            else:
                for directory in sorted(dirs):
                    _fsync_dir(directory)
        return stored

    def _sync(self, paths: list[str], batch: bool) -> None:
        if batch:
            _syncfs(self.root)
            return
        for path in paths:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _mkdir(self, directory: Path) -> bool:
        if directory.is_dir():
            return False
        directory.mkdir(parents=True, exist_ok=True)
        return True

    def _write_temp(self, directory: Path, data: bytes) -> str:
        fd, tmp = tempfile.mkstemp(prefix=".incoming-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o444)  # evidence is never edited in place
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return tmp


def _complete(path: Path, size: int) -> bool:
    """Already stored: renames are atomic, so a file with this name and size is the whole file."""
    try:
        return path.stat().st_size == size
    except FileNotFoundError:
        return False


def _load_syncfs() -> Callable[[int], int] | None:
    try:
        fn = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None  # not Linux: fsync file by file
    fn.argtypes, fn.restype = [ctypes.c_int], ctypes.c_int
    return fn


_SYNCFS = _load_syncfs()
SYNCFS_MIN_FILES = 12  # fewer new files than this: fsync each (syncfs costs ~15 ms here)


def _syncfs(path: Path) -> None:
    """Flush the whole file system holding `path` (OSError when the kernel refuses)."""
    assert _SYNCFS is not None
    fd = os.open(path, os.O_RDONLY)
    try:
        if _SYNCFS(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"syncfs({path}) failed: {os.strerror(err)}")
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Store:
    """The open database and evidence store; `sessions()` gives a new ORM session."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    evidence: EvidenceStore
    dialect: str = field(init=False)

    def __post_init__(self) -> None:
        self.dialect = self.engine.dialect.name

    def close(self) -> None:
        """Close every pooled connection (a throw-away PostgreSQL can then be dropped)."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def model_metadata() -> MetaData:
    """central.db.Base.metadata with every model module of MODEL_MODULES imported."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    from central.db import Base

    return Base.metadata


def alembic_config(url: str) -> Config:
    """An Alembic Config for this package's migrations; no alembic.ini needed.

    For a new revision during development:
    `command.revision(alembic_config(url), message="...", autogenerate=True)`.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # ConfigParser interpolation
    return cfg


def upgrade(engine: Engine, url: str, revision: str = "head") -> None:
    """Run the migrations up to `revision` in one locked transaction on `engine`."""
    cfg = alembic_config(url)
    with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE, so concurrent starters queue here
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def open_store(
    url: str, evidence_dir: str | os.PathLike[str], *, fsync: bool = True, migrate: bool = True
) -> Store:
    """Open (and migrate to head) the database at `url`; evidence files go under evidence_dir.

    url: `sqlite:///relative/central.db`, `sqlite:////absolute/central.db` or
    `postgresql+psycopg://user@host:port/db`. A SQLite file's directory is created if missing.
    """
    if url.startswith("postgresql://"):  # the driver installed with the central extra
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite") and (db_path := _sqlite_path(url)) is not None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine_for(url, pool_pre_ping=not url.startswith("sqlite"))
    try:
        if migrate:
            upgrade(engine, url)
    except BaseException:
        engine.dispose()
        raise
    sessions = sessionmaker(engine, expire_on_commit=False)
    return Store(url, engine, sessions, EvidenceStore(evidence_dir, fsync=fsync))


def _sqlite_path(url: str) -> Path | None:
    rest = url.split("://", 1)[1] if "://" in url else ""
    path = rest[1:].split("?", 1)[0] if rest.startswith("/") else ""
    return Path(path) if path and path != ":memory:" else None
