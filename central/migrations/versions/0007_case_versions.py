"""Versions on cases and their moves (stale actions are refused), review claims, and the
documents issued, frozen (notices and fine decisions, with their versions).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("addressee", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("red_lower_bound", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    _mark_lower_bounds()
    with op.batch_alter_table("transitions") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=True))
    op.create_table(
        "case_claims",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_claims_expires_at", "case_claims", ["expires_at"])
    op.create_table(
        "issued_documents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("number", sa.String(48), nullable=False, unique=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("signer", sa.String(200), nullable=True),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("pdf_path", sa.Text(), nullable=False),
        sa.Column("html_sha256", sa.String(64), nullable=False),
        sa.Column("html_path", sa.Text(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "superseded_by", sa.Integer(), sa.ForeignKey("issued_documents.id"), nullable=True
        ),
        sa.Column("status_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_issued_documents_case_id", "issued_documents", ["case_id"])
    op.create_index(
        "ix_issued_documents_case_kind", "issued_documents", ["case_id", "kind", "version"]
    )


def _mark_lower_bounds() -> None:
    """Cases whose bundle says red was on as the recording began (read from the manifests)."""
    conn = op.get_bind()
    cases = sa.table(
        "cases", sa.column("id"), sa.column("violation_id"), sa.column("red_lower_bound")
    )
    bundles = sa.table("bundles", sa.column("violation_id"), sa.column("manifest", sa.JSON()))
    rows = conn.execute(
        sa.select(cases.c.id, bundles.c.manifest).join(
            bundles, bundles.c.violation_id == cases.c.violation_id
        )
    )
    marked = [
        cid
        for cid, manifest in rows
        if ((manifest or {}).get("decision") or {})
        .get("signal_at_cross", {})
        .get("began_before_stream")
    ]
    for start in range(0, len(marked), 500):
        conn.execute(
            cases.update()
            .where(cases.c.id.in_(marked[start : start + 500]))
            .values(red_lower_bound=True)
        )


def downgrade() -> None:
    op.drop_table("issued_documents")
    op.drop_table("case_claims")
    with op.batch_alter_table("transitions") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("red_lower_bound")
        batch.drop_column("addressee")
        batch.drop_column("version")
