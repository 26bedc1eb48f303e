"""text index for search_records: FTS5 trigram tables on SQLite, pg_trgm GIN indexes on PostgreSQL

Rows present before the upgrade are indexed by it. On SQLite, triggers keep each `crm_<type>s_search` table equal to
its record table inside the writing transaction; a later migration that rebuilds one of these tables (batch mode
copies a table, and the copy has no triggers) must create the triggers again and rebuild the index.

Revision ID: crm_0002
Revises: crm_0001
"""

from alembic import op

revision = "crm_0002"
down_revision = "crm_0001"
branch_labels = None
depends_on = None

# The searchable fields of each record type at this revision (objects.FIELDS; tests/crm check they agree).
SEARCHABLE = {
    "crm_contacts": ("email", "first_name", "last_name", "phone", "company_name"),
    "crm_companies": ("name", "domain"),
    "crm_deals": ("name",),
    "crm_leads": ("source_page", "utm_campaign", "need"),
    "crm_activities": ("subject", "body"),
}


def _sqlite(table: str, columns: tuple[str, ...]) -> list[str]:
    fts = f"{table}_search"
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    delete = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


# Indexes that start with account_id. Without statistics SQLite guesses an equality on an index's first column
# keeps about ten rows, so it would walk the whole account through this index and probe the text index once per
# row. The statistic says what is true of a CRM (an account owns most of the rows), and the planner then starts
# from the text index. A later ANALYZE replaces it with measured figures, which say the same.
ACCOUNT_INDEXES = (
    ("crm_contacts", "sqlite_autoindex_crm_contacts_1"),
    ("crm_activities", "ix_crm_activities_occurred"),
)


def _sqlite_statistics() -> list[str]:
    statements = []
    for table, index in ACCOUNT_INDEXES:
        # Creates sqlite_stat1, with measured figures when the table has rows. Not a bare ANALYZE: figures for
        # the FTS5 tables' own tables, measured while they are empty, make every later insert many times slower.
        statements.append(f"ANALYZE {table}")
        statements.append(
            f"INSERT INTO sqlite_stat1 (tbl, idx, stat) SELECT '{table}', '{index}', '1000000 1000000 1' "
            f"WHERE NOT EXISTS (SELECT 1 FROM sqlite_stat1 WHERE tbl = '{table}' AND idx = '{index}')"
        )
    return statements


def _postgresql(table: str, columns: tuple[str, ...]) -> list[str]:
    # The same expression as text_search.document(); PostgreSQL uses the index only for that exact expression.
    document = "lower(" + " || E'\\n' || ".join(f"coalesce({c}, '')" for c in columns) + ")"
    return [f"CREATE INDEX ix_{table}_search ON {table} USING gin (({document}) gin_trgm_ops)"]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, columns in SEARCHABLE.items():
        for statement in _postgresql(table, columns) if dialect == "postgresql" else _sqlite(table, columns):
            op.execute(statement)
    if dialect == "sqlite":
        for statement in _sqlite_statistics():
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in SEARCHABLE:
        if dialect == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
            continue
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_search_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {table}_search")
