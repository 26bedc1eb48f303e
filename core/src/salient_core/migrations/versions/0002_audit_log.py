"""audit log of write tool calls

Revision ID: core_0002
Revises: core_0001
"""

import sqlalchemy as sa
from alembic import op
from salient_core.db import UTCDateTime

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("tool", sa.String(200), nullable=False),
        sa.Column("token_id", sa.String(200), nullable=True),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
    )
    op.create_index("ix_audit_log_account_id_at", "audit_log", ["account_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_account_id_at", table_name="audit_log")
    op.drop_table("audit_log")
