"""Fixtures of the central service's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from central.store import open_store


@pytest.fixture
def engine(store_url: str, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database: SQLite, and a throw-away PostgreSQL (where the notice counter is
    locked with SELECT … FOR UPDATE instead of SQLite's BEGIN IMMEDIATE)."""
    store = open_store(store_url, tmp_path / "evidence")
    yield store.engine
    store.close()
