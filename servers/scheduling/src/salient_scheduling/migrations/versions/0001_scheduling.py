"""reps, meeting types, holidays, time off, bookings

Revision ID: scheduling_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from salient_core.db import UTCDateTime

revision = "scheduling_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(120), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("working_hours", sa.JSON(), nullable=False),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("territories", sa.JSON(), nullable=False),
        sa.Column("grant_id", sa.String(200), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("account_id", "key", name="uq_reps_account_id"),
    )
    op.create_table(
        "meeting_types",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("buffer_before_min", sa.Integer(), nullable=False),
        sa.Column("buffer_after_min", sa.Integer(), nullable=False),
        sa.Column("min_notice_min", sa.Integer(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("slot_step_min", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(500), nullable=False),
        sa.UniqueConstraint("account_id", "key", name="uq_meeting_types_account_id"),
    )
    op.create_table(
        "holidays",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("rep_id", sa.Integer(), sa.ForeignKey("reps.id", ondelete="CASCADE"), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_index("ix_holidays_account_day", "holidays", ["account_id", "day"])
    op.create_table(
        "time_off",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("rep_id", sa.Integer(), sa.ForeignKey("reps.id", ondelete="CASCADE"), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
    )
    op.create_index("ix_time_off_rep_start", "time_off", ["rep_id", "starts_at"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("rep_id", sa.Integer(), sa.ForeignKey("reps.id", ondelete="RESTRICT"), nullable=False),
        sa.Column(
            "meeting_type_id", sa.Integer(), sa.ForeignKey("meeting_types.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("buffer_before_min", sa.Integer(), nullable=False),
        sa.Column("buffer_after_min", sa.Integer(), nullable=False),
        sa.Column("attendee_name", sa.String(200), nullable=False),
        sa.Column("attendee_email", sa.String(320), nullable=False),
        sa.Column("attendee_time_zone", sa.String(64), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("external_event_id", sa.String(200), nullable=True),
        sa.Column("ical_uid", sa.String(100), nullable=False),
        sa.Column("rescheduled_from", sa.String(32), nullable=True),
        sa.Column("rescheduled_to", sa.String(32), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("account_id", "idempotency_key", name="uq_bookings_account_id"),
    )
    op.create_index("ix_bookings_rep_start", "bookings", ["rep_id", "starts_at"])
    op.create_index("ix_bookings_account_start", "bookings", ["account_id", "starts_at"])
