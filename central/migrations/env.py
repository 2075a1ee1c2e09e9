"""Alembic environment for the central database: the target schema is central.db.Base.metadata
(with the model modules of central.store.MODEL_MODULES imported).

Run by `central.store.upgrade`, which hands over an open connection (already inside the
transaction that holds the migration lock) in `config.attributes["connection"]`. Without one,
it connects to `sqlalchemy.url` itself, so the Alembic command line works too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from central.db import create_engine_for
from central.store import model_metadata

config = context.config
# Upgrades from open_store (which hands over a connection) run the revisions' own operations
# and need no models; autogenerate and the alembic command line compare with all of them.
target_metadata = None if "connection" in config.attributes else model_metadata()


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things: later migrations use batch mode (copy and swap)
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    """Emit SQL for a DBA to review (`alembic upgrade head --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = create_engine_for(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            _configure(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
