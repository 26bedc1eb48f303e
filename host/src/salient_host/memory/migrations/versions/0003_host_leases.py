"""host_leases: which host replica runs the summary sweep, and until when

Revision ID: host_0003
Revises: host_0002
"""

import sqlalchemy as sa
from alembic import op
from salient_core.db import UTCDateTime

revision = "host_0003"
down_revision = "host_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("host_leases")
