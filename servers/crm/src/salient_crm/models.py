"""CRM tables of the local backend. Every row carries `account_id`; every query filters on it.

Column names equal the field names of `objects.FIELDS`, so the repository can map a field to its column by name.
Owners, pipelines and stages are referenced by their string ids (as HubSpot does), not by foreign keys.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from salient_core.accounts import AccountOwned
from salient_core.db import UTCDateTime, new_metadata, utcnow
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Short = String(200)


class Base(DeclarativeBase):
    metadata = new_metadata()


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Owner(AccountOwned, Base):
    __tablename__ = "crm_owners"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Short)
    email: Mapped[str] = mapped_column(Short)
    role: Mapped[str] = mapped_column(Short, default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="")
    teams: Mapped[list[str]] = mapped_column(JSON, default=list)


class Pipeline(AccountOwned, Base):
    __tablename__ = "crm_pipelines"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(Short)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Stage(AccountOwned, Base):
    __tablename__ = "crm_stages"
    __table_args__ = (UniqueConstraint("account_id", "pipeline_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("crm_pipelines.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(Short)
    position: Mapped[int] = mapped_column(Integer, default=0)
    probability: Mapped[float] = mapped_column(Float, default=0.0)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    won: Mapped[bool] = mapped_column(Boolean, default=False)


class Contact(AccountOwned, Timestamps, Base):
    __tablename__ = "crm_contacts"
    # The one lock against duplicate contacts: concurrent upserts of one address cannot both insert.
    __table_args__ = (UniqueConstraint("account_id", "email_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(Short)
    last_name: Mapped[str | None] = mapped_column(Short)
    phone: Mapped[str | None] = mapped_column(String(64))
    job_title: Mapped[str | None] = mapped_column(Short)
    company_name: Mapped[str | None] = mapped_column(Short)
    lifecycle_stage: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(Short)
    country: Mapped[str | None] = mapped_column(String(8))
    owner_id: Mapped[str | None] = mapped_column(String(64))


class Company(AccountOwned, Timestamps, Base):
    __tablename__ = "crm_companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(Short)
    domain: Mapped[str | None] = mapped_column(Short)
    industry: Mapped[str | None] = mapped_column(String(64))
    employees: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(8))
    region: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(Short)
    owner_id: Mapped[str | None] = mapped_column(String(64))


class Deal(AccountOwned, Timestamps, Base):
    __tablename__ = "crm_deals"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(Short)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    pipeline: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(64))
    close_date: Mapped[str | None] = mapped_column(String(10))
    owner_id: Mapped[str | None] = mapped_column(String(64))


class Lead(AccountOwned, Timestamps, Base):
    __tablename__ = "crm_leads"
    __table_args__ = (Index("ix_crm_leads_contact", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(20))
    source_page: Mapped[str | None] = mapped_column(String(1000))
    referrer: Mapped[str | None] = mapped_column(String(1000))
    utm_source: Mapped[str | None] = mapped_column(Short)
    utm_medium: Mapped[str | None] = mapped_column(Short)
    utm_campaign: Mapped[str | None] = mapped_column(Short)
    utm_term: Mapped[str | None] = mapped_column(Short)
    utm_content: Mapped[str | None] = mapped_column(Short)
    budget: Mapped[str | None] = mapped_column(Short)
    timeline: Mapped[str | None] = mapped_column(String(20))
    need: Mapped[str | None] = mapped_column(Text)
    score: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[str | None] = mapped_column(String(64))


class Activity(AccountOwned, Timestamps, Base):
    __tablename__ = "crm_activities"
    __table_args__ = (Index("ix_crm_activities_occurred", "account_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    owner_id: Mapped[str | None] = mapped_column(String(64))


class Association(AccountOwned, Base):
    """An undirected link, stored once with the pair in a fixed order (`left_type` <= `right_type`)."""

    __tablename__ = "crm_associations"
    __table_args__ = (
        UniqueConstraint(
            "account_id", "left_type", "left_id", "right_type", "right_id", name="uq_crm_associations_pair"
        ),
        Index("ix_crm_associations_right", "account_id", "right_type", "right_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    left_type: Mapped[str] = mapped_column(String(16))
    left_id: Mapped[str] = mapped_column(String(64))
    right_type: Mapped[str] = mapped_column(String(16))
    right_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Profile(AccountOwned, Base):
    """What a visitor told us about themselves, and their consent, one row per contact."""

    __tablename__ = "crm_profiles"
    __table_args__ = (UniqueConstraint("account_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(64))
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    consent_history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdempotencyKey(AccountOwned, Base):
    """The first result of a write sent with a key, so a retry returns it instead of writing twice."""

    __tablename__ = "crm_idempotency_keys"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    operation: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
