"""Shared fixtures: the real models and the real material in ../shared (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.perception.models import ModelRegistry
from tests.paths import MEDIA, PLATES_CSV

# Fixtures for the real servers the tests start: Mosquitto, PostgreSQL, a GStreamer RTSP server.
pytest_plugins = [
    "tests.fixtures.broker",
    "tests.fixtures.broker_policy",
    "tests.fixtures.postgres",
    "tests.fixtures.rtsp",
    "tests.fixtures.browser",
    "tests.fixtures.every_state",
]


# A test that starts one of these is marked `servers`: `pytest -m "not servers"` runs the rest.
SERVER_FIXTURES = frozenset(
    {"broker_factory", "mqtt_helpers", "pg_cluster", "rtsp_available", "browser", "web_server"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("store_url") == "postgresql"
        if on_postgres or SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.servers)


@pytest.fixture(scope="session")
def registry() -> ModelRegistry:
    return ModelRegistry()


@pytest.fixture(scope="session")
def media_dir() -> Path:
    if not MEDIA.is_dir():
        pytest.skip(f"real intersection videos not found at {MEDIA} (../shared is absent)")
    return MEDIA


@pytest.fixture(scope="session")
def plates_csv() -> Path:
    if not PLATES_CSV.is_file():
        pytest.skip(f"real plate crops not found at {PLATES_CSV} (../shared is absent)")
    return PLATES_CSV
