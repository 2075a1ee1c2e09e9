"""Each camera's state with since when and its changes (central/health_history.py), and how
each quarantine entry was handled (central/quarantine_actions.py).

The cameras already heard from start in the state camera_health holds, since its status time
(or their last heartbeat's): their history begins there.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "camera_state",
        sa.Column("camera_id", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("since", UTC_TIME, nullable=False),
        sa.Column("frames_in", sa.BigInteger(), nullable=True),
        sa.Column("frames_processed", sa.BigInteger(), nullable=True),
        sa.Column("progressed_at", UTC_TIME, nullable=True),
        sa.Column("fed_at", UTC_TIME, nullable=True),
    )
    op.create_table(
        "camera_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("cause", sa.String(16), nullable=False),
    )
    op.create_index("ix_camera_events_camera_at", "camera_events", ["camera_id", "at"])
    op.create_table(
        "quarantine_handling",
        sa.Column("quarantine_id", sa.Integer(), sa.ForeignKey("quarantine.id"), primary_key=True),
        sa.Column("acknowledged_at", UTC_TIME, nullable=True),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("attempted_at", UTC_TIME, nullable=True),
        sa.Column("attempted_by", sa.String(64), nullable=True),
        sa.Column("first_reason_code", sa.String(32), nullable=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=True),
    )
    _start_from_camera_health()


def _start_from_camera_health() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT camera_id, online, status_at, last_heartbeat_at FROM camera_health")
    ).all()
    for camera, online, status_at, beat_at in rows:
        since = status_at or beat_at
        if since is None:
            continue
        state = "online" if online else "offline"
        params = {"c": camera, "s": state, "at": since}
        conn.execute(
            sa.text("INSERT INTO camera_state (camera_id, state, since) VALUES (:c, :s, :at)"),
            params,
        )
        conn.execute(
            sa.text(
                "INSERT INTO camera_events (camera_id, at, state, cause)"
                " VALUES (:c, :at, :s, 'status')"
            ),
            params,
        )


def downgrade() -> None:
    op.drop_table("quarantine_handling")
    op.drop_index("ix_camera_events_camera_at", table_name="camera_events")
    op.drop_table("camera_events")
    op.drop_table("camera_state")
