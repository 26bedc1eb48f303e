"""Ranked lexical search over one account's catalog, the same on SQLite and PostgreSQL.

`index.SearchIndex` holds the products in memory and keeps itself up to date; `ranking.search` answers a query;
`filters.filter_mask` and `facets` count what matched. `text` turns words into terms; `documents` holds the
records passed between them.
"""

from salient_catalog.search.documents import Filters, IndexedCategory, IndexedProduct, IndexedVariant, Ranked
from salient_catalog.search.index import SearchIndex
from salient_catalog.search.text import normalize_value

__all__ = ["Filters", "IndexedCategory", "IndexedProduct", "IndexedVariant", "Ranked", "SearchIndex", "normalize_value"]
