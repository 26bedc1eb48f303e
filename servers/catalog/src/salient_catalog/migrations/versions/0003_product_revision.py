"""the catalog revision at which each product last changed, so indexes apply changes instead of rebuilding

Revision ID: catalog_0003
Revises: catalog_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "catalog_0003"
down_revision = "catalog_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing products are at revision 0: every index built from now on already holds them.
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.create_index("ix_products_account_revision", "products", ["account_id", "revision"])


def downgrade() -> None:
    op.drop_index("ix_products_account_revision", table_name="products")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("revision")
