"""Migration 0002 creates exactly the web page's schema (central/users.py) on a real SQLite file,
and going back to 0001 removes it again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import central.users  # noqa: F401  (the web page's tables join central.db's metadata)
from central.db import Base
from central.store import alembic_config, open_store

WEB_TABLES = {"users", "audit_log", "camera_health"}
WEB_INDEXES = {"ix_cases_crossed_at", "ix_cases_state_deadline"}


def test_migration_0002_matches_the_models_and_downgrades_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    with open_store(url, tmp_path / "evidence", fsync=False) as store:
        with store.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        assert version == "0004", "the newest revision is 0004 (the users' session epoch)"
        assert diff == [], f"migrated database differs from the models: {diff}"
        found = inspect(store.engine)
        assert WEB_TABLES <= set(found.get_table_names())
        assert WEB_INDEXES <= {i["name"] for i in found.get_indexes("cases")}
        with store.engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0001")
        after = inspect(store.engine)
        assert not WEB_TABLES & set(after.get_table_names())
        assert not WEB_INDEXES & {i["name"] for i in after.get_indexes("cases")}
