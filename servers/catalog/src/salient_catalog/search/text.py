"""How text becomes index terms: lower-case words, English Snowball stems, stopwords, attribute values."""

from __future__ import annotations

import re
from collections.abc import Iterable

import snowballstemmer

from salient_catalog.schemas import AttributeValue

_STOPWORD_TEXT = """a an and any are as at be best by can do does for from have i in is it me my need of on or our show
some that the this to under over with you your what which looking want cheap cheapest"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"[a-z0-9]+")
_STEMMER = snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def stem(token: str) -> str:
    """A word's stem; numbers stay as they are."""
    return token if token.isdigit() else _STEMMER.stemWord(token)


def stem_all(tokens: Iterable[str]) -> list[str]:
    return _STEMMER.stemWords(list(tokens))


def normalize_value(value: AttributeValue) -> str:
    """Attribute values compare case-insensitively; `True` and `"true"` are the same."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().lower()
