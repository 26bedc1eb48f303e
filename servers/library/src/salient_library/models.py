"""Library tables. A source is one ingested document; its chunks live in Chroma under the same id."""

from __future__ import annotations

from datetime import datetime

from salient_core.accounts import AccountOwned
from salient_core.db import UTCDateTime, new_metadata, utcnow
from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = new_metadata()


class Source(AccountOwned, Base):
    __tablename__ = "library_sources"
    __table_args__ = (
        UniqueConstraint("account_id", "collection", "origin"),
        # Covers `repository.collection_state`, which every search runs: without updated_at and chunk_count in the
        # index, SQLite reads each row past its (long) text to the columns stored after it.
        Index("ix_library_sources_collection_state", "account_id", "collection", "updated_at", "chunk_count"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    collection: Mapped[str] = mapped_column(String(100))
    origin: Mapped[str] = mapped_column(String(2000))
    url: Mapped[str | None] = mapped_column(String(2000), default=None)
    # The named URL (page or sitemap) a downloaded page was reached from, so a later crawl of it can tell
    # which pages are gone.
    via: Mapped[str | None] = mapped_column(String(2000), default=None)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="ready")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
