"""mail deliveries (the outbox) and opt-outs

Revision ID: host_mail_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from salient_core.db import UTCDateTime

revision = "host_mail_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_mail_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("provider_id", sa.String(300), nullable=True),
        sa.Column("message_id", sa.String(300), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("mime", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("account_id", "idempotency_key", name="uq_host_mail_deliveries_account_id_idempotency_key"),
    )
    op.create_index("ix_host_mail_deliveries_due", "host_mail_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_host_mail_deliveries_session", "host_mail_deliveries", ["account_id", "session_id"])
    op.create_table(
        "host_mail_opt_outs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("account_id", "address", name="uq_host_mail_opt_outs_account_id_address"),
    )


def downgrade() -> None:
    op.drop_table("host_mail_opt_outs")
    op.drop_index("ix_host_mail_deliveries_session", "host_mail_deliveries")
    op.drop_index("ix_host_mail_deliveries_due", "host_mail_deliveries")
    op.drop_table("host_mail_deliveries")
