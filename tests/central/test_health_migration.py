"""Migration 0010 on SQLite and PostgreSQL: the camera history and quarantine handling tables
appear, the cameras already heard from start their history in the state camera_health holds
(since its status time), and going back removes the tables again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select

from central.health_history import CameraEvent, CameraState
from central.store import alembic_config, open_store, upgrade
from central.users import CameraHealth

NEW_TABLES = {"camera_state", "camera_events", "quarantine_handling"}
AT = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)


def _downgrade(engine: Engine, url: str, revision: str) -> None:
    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_migration_0010_starts_each_known_camera_history_and_downgrades(
    store_url: str, tmp_path: Path
) -> None:
    before = ScriptDirectory.from_config(alembic_config(store_url)).get_revision("0010")
    assert before is not None and isinstance(before.down_revision, str)
    with open_store(store_url, tmp_path / "evidence", fsync=False) as store:
        assert NEW_TABLES <= set(inspect(store.engine).get_table_names())
        _downgrade(store.engine, store_url, before.down_revision)
        assert not NEW_TABLES & set(inspect(store.engine).get_table_names())
        with store.sessions.begin() as s:
            s.add(CameraHealth(camera_id="MT-03", online=False, status_at=AT))
            s.add(CameraHealth(camera_id="MT-04", online=True, last_heartbeat_at=AT))
            s.add(CameraHealth(camera_id="MT-05", online=False))  # never heard: no history
        upgrade(store.engine, store_url)
        with store.sessions() as s:
            states = {r.camera_id: (r.state, r.since) for r in s.scalars(select(CameraState))}
            events = [(e.camera_id, e.state) for e in s.scalars(select(CameraEvent))]
    assert states == {"MT-03": ("offline", AT), "MT-04": ("online", AT)}, states
    assert sorted(events) == [("MT-03", "offline"), ("MT-04", "online")]
