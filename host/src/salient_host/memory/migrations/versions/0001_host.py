"""sessions, messages, llm requests and tool calls of the agent host

Revision ID: host_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from salient_core.db import UTCDateTime

revision = "host_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_sessions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("origin", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_host_sessions_account_id_updated_at", "host_sessions", ["account_id", "updated_at"])
    op.create_table(
        "host_messages",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column(
            "session_id",
            sa.String(32),
            sa.ForeignKey("host_sessions.id", ondelete="CASCADE", name="fk_host_messages_session_id_host_sessions"),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("model_messages", sa.JSON(), nullable=False),
        sa.Column("client_message_id", sa.String(200), nullable=True),
        sa.Column("error_code", sa.String(40), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("session_id", "seq", name="uq_host_messages_session_id_seq"),
        sa.UniqueConstraint("session_id", "client_message_id", name="uq_host_messages_session_id_client_message_id"),
    )
    op.create_index("ix_host_messages_turn_id", "host_messages", ["turn_id"])
    op.create_table(
        "host_llm_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column(
            "session_id",
            sa.String(32),
            sa.ForeignKey("host_sessions.id", ondelete="CASCADE", name="fk_host_llm_requests_session_id_host_sessions"),
            nullable=False,
        ),
        sa.Column("turn_id", sa.String(32), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(100), nullable=True),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Numeric(20, 10), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_host_llm_requests_session_id", "host_llm_requests", ["session_id"])
    op.create_index("ix_host_llm_requests_account_id_created_at", "host_llm_requests", ["account_id", "created_at"])
    op.create_index("ix_host_llm_requests_agent_created_at", "host_llm_requests", ["agent", "created_at"])
    op.create_table(
        "host_tool_calls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column(
            "session_id",
            sa.String(32),
            sa.ForeignKey("host_sessions.id", ondelete="CASCADE", name="fk_host_tool_calls_session_id_host_sessions"),
            nullable=False,
        ),
        sa.Column("turn_id", sa.String(32), nullable=False),
        sa.Column("call_id", sa.String(200), nullable=False),
        sa.Column("server", sa.String(64), nullable=False),
        sa.Column("tool", sa.String(128), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("session_id", "call_id", name="uq_host_tool_calls_session_id_call_id"),
    )


def downgrade() -> None:
    for table in ("host_tool_calls", "host_llm_requests", "host_messages", "host_sessions"):
        op.drop_table(table)
