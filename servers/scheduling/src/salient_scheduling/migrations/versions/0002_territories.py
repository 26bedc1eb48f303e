"""territories: each sales territory and the team that takes its meetings

Revision ID: scheduling_0002
Revises: scheduling_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0002"
down_revision = "scheduling_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "territories",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.UniqueConstraint("account_id", "key", name="uq_territories_account_id_key"),
    )
