"""products, curated rules, competitors and claims, territories, reps, orders and mining counts

Revision ID: crossfeed_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from salient_core.db import UTCDateTime

revision = "crossfeed_0001"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _account() -> sa.Column:
    return sa.Column("account_id", sa.String(64), nullable=False)


def _unique(table: str, *columns: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint("account_id", *columns, name=f"uq_{table}_account_id_{'_'.join(columns)}")


def upgrade() -> None:
    op.create_table(
        "cf_products",
        _id(),
        _account(),
        sa.Column("sku", sa.String(120), nullable=False),
        sa.Column("product", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("category", sa.String(120), nullable=False),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        _unique("cf_products", "sku"),
    )
    op.create_index("ix_cf_products_product", "cf_products", ["account_id", "product"])
    op.create_table(
        "cf_cross_sell_rules",
        _id(),
        _account(),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("primary", sa.String(200), nullable=False),
        sa.Column("suggested", sa.String(200), nullable=False),
        sa.Column("relationship", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("bundle_discount_pct", sa.Numeric(5, 2), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        _unique("cf_cross_sell_rules", "key"),
    )
    op.create_table(
        "cf_upsell_paths",
        _id(),
        _account(),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("base", sa.String(200), nullable=False),
        sa.Column("premium", sa.String(200), nullable=False),
        sa.Column("gains", sa.JSON(), nullable=False),
        sa.Column("for_whom", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        _unique("cf_upsell_paths", "key"),
    )
    op.create_table(
        "cf_competitors",
        _id(),
        _account(),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("website", sa.String(500), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        _unique("cf_competitors", "key"),
    )
    op.create_table(
        "cf_claims",
        _id(),
        _account(),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("competitor", sa.String(120), nullable=False),
        sa.Column("product", sa.String(200), nullable=True),
        sa.Column("their_product", sa.String(300), nullable=False),
        sa.Column("topic", sa.String(120), nullable=False),
        sa.Column("ours", sa.Text(), nullable=False),
        sa.Column("theirs", sa.Text(), nullable=False),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        _unique("cf_claims", "key"),
    )
    op.create_index("ix_cf_claims_competitor", "cf_claims", ["account_id", "competitor"])
    op.create_table(
        "cf_territories",
        _id(),
        _account(),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        _unique("cf_territories", "key"),
    )
    op.create_table(
        "cf_reps",
        _id(),
        _account(),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("territories", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        _unique("cf_reps", "key"),
    )
    op.create_table(
        "cf_rep_cursors",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("territory", sa.String(120), primary_key=True),
        sa.Column("role", sa.String(10), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "cf_assignments",
        _id(),
        _account(),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("rep", sa.String(120), nullable=False),
        sa.Column("territory", sa.String(120), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("strategy", sa.String(20), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _unique("cf_assignments", "idempotency_key"),
    )
    op.create_table(
        "cf_orders",
        _id(),
        _account(),
        sa.Column("order_key", sa.String(120), nullable=False),
        sa.Column("customer", sa.String(200), nullable=False),
        sa.Column("ordered_on", sa.Date(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        _unique("cf_orders", "order_key"),
    )
    op.create_table(
        "cf_item_counts",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("product", sa.String(200), primary_key=True),
        sa.Column("orders", sa.Integer(), nullable=False),
    )
    op.create_table(
        "cf_pair_counts",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("a", sa.String(200), primary_key=True),
        sa.Column("b", sa.String(200), primary_key=True),
        sa.Column("orders", sa.Integer(), nullable=False),
    )
    op.create_index("ix_cf_pair_counts_b", "cf_pair_counts", ["account_id", "b"])
    op.create_table(
        "cf_customer_products",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("customer", sa.String(200), primary_key=True),
        sa.Column("product", sa.String(200), primary_key=True),
        sa.Column("orders", sa.Integer(), nullable=False),
    )
    op.create_table(
        "cf_order_totals",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("orders", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "cf_order_totals",
        "cf_customer_products",
        "cf_pair_counts",
        "cf_item_counts",
        "cf_orders",
        "cf_assignments",
        "cf_rep_cursors",
        "cf_reps",
        "cf_territories",
        "cf_claims",
        "cf_competitors",
        "cf_upsell_paths",
        "cf_cross_sell_rules",
        "cf_products",
    ):
        op.drop_table(table)
