"""Migration 0002 creates exactly the web page's schema (central/users.py) on a real SQLite file,
and going back to 0001 removes it again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from central.store import alembic_config, model_metadata, open_store

WEB_TABLES = {"users", "audit_log", "camera_health", "web_sessions", "login_throttle"}
WEB_INDEXES = {"ix_cases_crossed_at", "ix_cases_state_deadline"}


def test_migration_0002_matches_the_models_and_downgrades_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    with open_store(url, tmp_path / "evidence", fsync=False) as store:
        with store.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), model_metadata()
            )
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
        assert version == head, f"migrated to {version}, not the newest revision {head}"
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


def test_migration_0005_adds_the_session_and_sign_in_tables_on_both_databases(
    store_url: str, tmp_path: Path
) -> None:
    new = {"web_sessions", "login_throttle"}
    with open_store(store_url, tmp_path / "evidence", fsync=False) as store:
        found = inspect(store.engine)
        assert new <= set(found.get_table_names())
        assert {i["name"] for i in found.get_indexes("web_sessions")} == {
            "ix_web_sessions_username"
        }
        assert [fk["referred_table"] for fk in found.get_foreign_keys("web_sessions")] == ["users"]
        with store.engine.begin() as conn:
            cfg = alembic_config(store_url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0004")
        after = set(inspect(store.engine).get_table_names())
        assert not new & after and "users" in after


def test_migration_0006_adds_the_quarantine_quota_on_both_databases(
    store_url: str, tmp_path: Path
) -> None:
    with open_store(store_url, tmp_path / "evidence", fsync=False) as store:
        found = inspect(store.engine)
        assert "quarantine_quota" in found.get_table_names()
        assert found.get_pk_constraint("quarantine_quota")["constrained_columns"] == [
            "camera_id",
            "hour",
        ]
        with store.engine.begin() as conn:
            cfg = alembic_config(store_url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005")
        assert "quarantine_quota" not in inspect(store.engine).get_table_names()


def test_migration_0007_adds_versions_claims_and_documents_on_both_databases(
    store_url: str, tmp_path: Path
) -> None:
    new = {"case_claims", "issued_documents"}
    with open_store(store_url, tmp_path / "evidence", fsync=False) as store:
        found = inspect(store.engine)
        assert new <= set(found.get_table_names()), "0007 creates the claims and documents"
        assert "version" in {c["name"] for c in found.get_columns("cases")}
        assert "version" in {c["name"] for c in found.get_columns("transitions")}
        with store.engine.begin() as conn:
            cfg = alembic_config(store_url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0006")
        after = inspect(store.engine)
        assert not new & set(after.get_table_names()), "downgrade drops the new tables"
        assert "version" not in {c["name"] for c in after.get_columns("cases")}
