"""host_sessions: an index on (agent, updated_at), for the summary sweep's scan of an agent's quiet sessions

Revision ID: host_0002
Revises: host_0001
"""

from alembic import op

revision = "host_0002"
down_revision = "host_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_host_sessions_agent_updated_at", "host_sessions", ["agent", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_host_sessions_agent_updated_at", table_name="host_sessions")
