"""Shared fixtures: the real models and the real material in ../shared (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.perception.models import ModelRegistry

# Fixtures for the real servers the tests start: Mosquitto, PostgreSQL, a GStreamer RTSP server.
pytest_plugins = [
    "tests.fixtures.broker",
    "tests.fixtures.postgres",
    "tests.fixtures.rtsp",
    "tests.fixtures.browser",
]

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MEDIA = SHARED / "media"
PLATES_CSV = SHARED / "plates" / "public.csv"


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
