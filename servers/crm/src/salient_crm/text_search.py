"""The words of `search_records` matched through a text index instead of a scan of every row.

What matches is the same on both databases, and the same as the plain scan it replaces: the query is split on
whitespace, and every word must occur, ignoring case, inside one searchable field (`objects.FIELDS`), anywhere in
it ("jan" finds "Janet" and "Benjamin"; "lakeside3.example" finds an address at that domain). Words are text: quotes,
`*`, `-`, `:`, `OR`, `NEAR` mean nothing special.

- SQLite: an FTS5 table per record type with the `trigram` tokenizer (`crm_<type>s_search`, external content,
  kept exact by triggers in the writing transaction; migration crm_0002). A word of three or more characters is
  a quoted phrase of its trigrams, so the index answers substring questions. FTS5 cannot look up shorter words;
  they are checked on the record's columns, among the rows the longer words found.
- PostgreSQL: a `pg_trgm` GIN index on the lower-cased fields joined by newlines (`document`), queried with
  `LIKE '%word%'`. A word never holds a newline, so it cannot match across two fields.

The account and archive filters stay in the same statement as the index lookup (see `repository.search`).
"""

from __future__ import annotations

from sqlalchemy import String, and_, column, func, literal_column, or_, select, table
from sqlalchemy.sql.elements import ColumnElement

from salient_crm.objects import FIELDS, ObjectType

# FTS5's trigram tokenizer indexes runs of three characters; a shorter phrase matches no row.
MIN_INDEXED = 3


def searchable(object_type: ObjectType) -> list[str]:
    return [f.name for f in FIELDS[object_type] if f.searchable]


def fts_table(table_name: str) -> str:
    return f"{table_name}_search"


def document(columns: list[str]) -> str:
    """The PostgreSQL expression the trigram index covers; the query must spell it exactly the same way."""
    return "lower(" + " || E'\\n' || ".join(f"coalesce({c}, '')" for c in columns) + ")"


def fts_phrase(word: str) -> str:
    """`word` as an FTS5 string: double quotes make everything inside literal text."""
    return '"' + word.replace('"', '""') + '"'


def _escape_like(word: str) -> str:
    return word.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _scan(model: type, columns: list[str], word: str) -> ColumnElement[bool]:
    """`word` in some column, checked row by row (the old way; for words too short for the index)."""
    return or_(*(func.lower(getattr(model, c)).contains(word, autoescape=True) for c in columns))


def text_match(dialect: str, object_type: ObjectType, model: type, text: str) -> ColumnElement[bool]:
    """A condition on `model` true when every word of `text` is in one of its searchable fields."""
    columns = searchable(object_type)
    words = [w.lower() for w in text.split()]
    if dialect == "postgresql":
        doc = literal_column(document(columns), String())
        return and_(*(doc.like(f"%{_escape_like(w)}%", escape="/") for w in words))
    long_words = [w for w in words if len(w) >= MIN_INDEXED]
    short = [_scan(model, columns, w) for w in words if len(w) < MIN_INDEXED]
    if not long_words:
        return and_(*short)
    name = fts_table(model.__tablename__)
    index = table(name, column("rowid"))
    match = literal_column(name).op("MATCH")(" AND ".join(fts_phrase(w) for w in long_words))
    return and_(model.id.in_(select(index.c.rowid).where(match)), *short)
