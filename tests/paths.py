"""Where the tests find the project and the real material (../shared beside the checkout)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MEDIA = SHARED / "media"
PLATES_CSV = SHARED / "plates" / "public.csv"
SHIPPED_CAMERAS = REPO / "configs" / "cameras.yaml"
