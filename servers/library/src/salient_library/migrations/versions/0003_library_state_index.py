"""library_sources: an index covering a collection's state (count, last update, chunks), read by every search

Revision ID: library_0003
Revises: library_0002
"""

from alembic import op

revision = "library_0003"
down_revision = "library_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_library_sources_collection_state",
        "library_sources",
        ["account_id", "collection", "updated_at", "chunk_count"],
    )
    op.drop_index("ix_library_sources_collection", table_name="library_sources")


def downgrade() -> None:
    op.create_index("ix_library_sources_collection", "library_sources", ["account_id", "collection"])
    op.drop_index("ix_library_sources_collection_state", table_name="library_sources")
