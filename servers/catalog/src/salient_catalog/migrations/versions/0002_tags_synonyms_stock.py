"""product tags, per-account synonyms, stock adjustments with idempotency keys

Revision ID: catalog_0002
Revises: catalog_0001
"""

import sqlalchemy as sa
from alembic import op
from salient_core.db import UTCDateTime

revision = "catalog_0002"
down_revision = "catalog_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing products get an empty tag list; no row is rewritten otherwise.
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "synonyms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("expansion", sa.String(500), nullable=False),
        sa.UniqueConstraint("account_id", "term", name="uq_synonyms_account_id"),
    )
    op.create_table(
        "stock_adjustments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("sku", sa.String(120), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("stock_before", sa.Integer(), nullable=False),
        sa.Column("stock_after", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("account_id", "idempotency_key", name="uq_stock_adjustments_account_id"),
    )


def downgrade() -> None:
    op.drop_table("stock_adjustments")
    op.drop_table("synonyms")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("tags")
