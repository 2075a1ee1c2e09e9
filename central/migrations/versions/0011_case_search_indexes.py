"""Indexes for the case lists' filters and sortable columns (central/web/case_search.py): each
sort walks an index in its order instead of sorting 100,000 rows for one page, and the vehicle
filter reads only that vehicle's cases, newest first.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: dict[str, list[str]] = {
    "ix_cases_vehicle_crossed": ["vehicle_class", "crossed_at"],
    "ix_cases_into_red": ["seconds_into_red"],
    "ix_cases_plate_confidence": ["plate_confidence"],
    "ix_cases_deadline_at": ["deadline_at"],
    "ix_cases_fine_vnd": ["fine_vnd"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "cases", columns)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, "cases")
