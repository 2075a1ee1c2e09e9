"""The initial central schema: keys, bundles, evidence files, quarantine, registry, cases.

Written out table by table (not generated at run time from the models) so that later model
edits show up as a difference a new revision must carry; tests/test_store.py compares the
migrated database with central.db's metadata.

Revision ID: 0001
Revises:
Create Date: 2026-05-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "edge_keys",
        sa.Column("key_id", sa.String(64), primary_key=True),
        sa.Column("box", sa.String(16), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("added_at", UTC_TIME, nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("revoked_at", UTC_TIME, nullable=True),
    )
    op.create_index("ix_edge_keys_box", "edge_keys", ["box"])

    op.create_table(
        "bundles",
        sa.Column("violation_id", sa.String(36), primary_key=True),
        sa.Column("camera_id", sa.String(16), nullable=False),
        sa.Column("box", sa.String(16), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("prev_sha256", sa.String(64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("crossed_at", UTC_TIME, nullable=False),
        sa.Column("received_at", UTC_TIME, nullable=False),
        sa.Column("chain_status", sa.String(16), nullable=False),
        sa.Column("chain_note", sa.Text(), nullable=True),
        sa.Column("clock_note", sa.Text(), nullable=True),
        sa.UniqueConstraint("sha256"),
    )
    op.create_index("ix_bundles_camera_sequence", "bundles", ["camera_id", "sequence"])

    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "violation_id",
            sa.String(36),
            sa.ForeignKey("bundles.violation_id"),
            nullable=False,
        ),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
    )
    op.create_index("ix_evidence_files_violation_id", "evidence_files", ["violation_id"])

    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("received_at", UTC_TIME, nullable=False),
        sa.Column("topic", sa.String(256), nullable=True),
        sa.Column("camera_id", sa.String(16), nullable=True),
        sa.Column("violation_id", sa.String(36), nullable=True),
        sa.Column("reason_code", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_quarantine_violation_id", "quarantine", ["violation_id"])
    op.create_index("ix_quarantine_reason_code", "quarantine", ["reason_code"])
    op.create_index("ix_quarantine_sha256", "quarantine", ["sha256"])

    op.create_table(
        "owners",
        sa.Column("plate_norm", sa.String(16), primary_key=True),
        sa.Column("plate_text", sa.String(24), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("id_number", sa.String(32), nullable=True),
        sa.Column("vehicle_class", sa.String(32), nullable=True),
        sa.Column("imported_at", UTC_TIME, nullable=False),
    )

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "violation_id",
            sa.String(36),
            sa.ForeignKey("bundles.violation_id"),
            nullable=False,
        ),
        sa.Column("camera_id", sa.String(16), nullable=False),
        sa.Column("crossed_at", UTC_TIME, nullable=False),
        sa.Column("vehicle_class", sa.String(32), nullable=False),
        sa.Column("seconds_into_red", sa.Float(), nullable=True),
        sa.Column("signal_state", sa.String(16), nullable=False),
        sa.Column("plate_text", sa.String(24), nullable=True),
        sa.Column("plate_norm", sa.String(16), nullable=True),
        sa.Column("plate_confidence", sa.Float(), nullable=True),
        sa.Column("plate_read_text", sa.String(24), nullable=True),
        sa.Column("plate_corrected", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("merged_into", sa.Integer(), sa.ForeignKey("cases.id"), nullable=True),
        sa.Column("chain_flag", sa.String(16), nullable=True),
        sa.Column("owner_plate", sa.String(16), sa.ForeignKey("owners.plate_norm"), nullable=True),
        sa.Column("notice_number", sa.String(32), nullable=True),
        sa.Column("notice_issued_at", UTC_TIME, nullable=True),
        sa.Column("deadline_at", UTC_TIME, nullable=True),
        sa.Column("fine_vnd", sa.BigInteger(), nullable=True),
        sa.Column("fined_at", UTC_TIME, nullable=True),
        sa.Column("paid_vnd", sa.BigInteger(), nullable=True),
        sa.Column("paid_at", UTC_TIME, nullable=True),
        sa.Column("payment_ref", sa.String(64), nullable=True),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.UniqueConstraint("violation_id"),
        sa.UniqueConstraint("notice_number"),
    )
    op.create_index("ix_cases_plate_norm", "cases", ["plate_norm"])
    op.create_index("ix_cases_state_crossed", "cases", ["state", "crossed_at"])
    op.create_index("ix_cases_camera_crossed", "cases", ["camera_id", "crossed_at"])
    op.create_index(
        "ix_cases_plate_camera_crossed", "cases", ["plate_norm", "camera_id", "crossed_at"]
    )

    op.create_table(
        "transitions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("note", sa.JSON(), nullable=True),
    )
    op.create_index("ix_transitions_case_id", "transitions", ["case_id"])
    op.create_index("ix_transitions_state_at", "transitions", ["to_state", "at"])

    op.create_table(
        "notice_counters",
        sa.Column("city", sa.String(8), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "notice_counters",
        "transitions",
        "cases",
        "owners",
        "quarantine",
        "evidence_files",
        "bundles",
        "edge_keys",
    ):
        op.drop_table(table)
