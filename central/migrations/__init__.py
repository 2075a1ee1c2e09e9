"""Alembic migrations of the central database (run by central.store.open_store)."""
