"""Each camera's quarantine per clock hour: what was kept, and what was refused but not kept
because the camera was over its budget (central/quarantine_quota.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quarantine_quota",
        sa.Column("camera_id", sa.String(16), primary_key=True),
        sa.Column("hour", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("kept_count", sa.Integer(), nullable=False),
        sa.Column("kept_bytes", sa.Integer(), nullable=False),
        sa.Column("refused_count", sa.Integer(), nullable=False),
        sa.Column("refused_bytes", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("quarantine_quota")
