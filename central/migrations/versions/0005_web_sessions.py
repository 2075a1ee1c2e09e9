"""Server-side web sessions and sign-in counters.

`web_sessions`: one row per sign-in (the SHA-256 of the cookie's random token), checked on
every request, so signing out or "end every session" refuses a copied cookie at once.
`login_throttle`: failed sign-ins per address, name and pair, one locked row per key, for the
growing delays of central/web/signin.py (which replace the count-the-audit-trail lockout).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("last_seen_at", UTC_TIME, nullable=False),
        sa.Column("client", sa.String(64), nullable=True),
        sa.Column("ended_at", UTC_TIME, nullable=True),
        sa.Column("end_reason", sa.String(16), nullable=True),
    )
    op.create_index("ix_web_sessions_username", "web_sessions", ["username"])

    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(160), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_at", UTC_TIME, nullable=True),
    )
    op.create_index("ix_login_throttle_last_at", "login_throttle", ["last_at"])


def downgrade() -> None:
    op.drop_index("ix_login_throttle_last_at", "login_throttle")
    op.drop_table("login_throttle")
    op.drop_index("ix_web_sessions_username", "web_sessions")
    op.drop_table("web_sessions")
