"""library_sources.via: the named URL a downloaded page was reached from

Revision ID: library_0002
Revises: library_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "library_0002"
down_revision = "library_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("library_sources") as batch:
        batch.add_column(sa.Column("via", sa.String(2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("library_sources") as batch:
        batch.drop_column("via")
