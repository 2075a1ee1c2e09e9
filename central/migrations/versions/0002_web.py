"""The review web page: users, the audit trail, camera health; an index for the case list.

Written out table by table like 0001, matching central/users.py.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_user", "audit_log", ["user"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])

    op.create_table(
        "camera_health",
        sa.Column("camera_id", sa.String(64), primary_key=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("status_at", UTC_TIME, nullable=True),
        sa.Column("last_heartbeat", sa.JSON(), nullable=True),
        sa.Column("last_heartbeat_at", UTC_TIME, nullable=True),
        sa.Column("fps", sa.Float(), nullable=True),
    )

    # The case list (newest first, deep pages) and notices by deadline stay index walks.
    op.create_index("ix_cases_crossed_at", "cases", ["crossed_at"])
    op.create_index("ix_cases_state_deadline", "cases", ["state", "deadline_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_state_deadline", "cases")
    op.drop_index("ix_cases_crossed_at", "cases")
    for table in ("camera_health", "audit_log", "users"):
        op.drop_table(table)
