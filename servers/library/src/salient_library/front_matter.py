"""YAML front matter of a Markdown document: metadata about the page, not part of its text.

Help centres written in Markdown (Obsidian, Jekyll, Hugo, Docusaurus) open each page with a block such as
`---\\naliases: [Sync]\\npermalink: sync\\n---`. Left in the text it is chunked, returned as a passage and cited,
and its keys compete with the page's words in BM25. Here it is split off and read for the few keys retrieval
uses: the page's title, its aliases (other names a reader may use for it), its tags and its one-line
description (a summary in the author's words, matched lexically as a field of every passage).

A block that is not valid YAML, or not a mapping, is left in the text as it is: a page that merely starts with
a horizontal rule must not lose its opening, and a broken header must not fail the ingest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# The opening `---` on the first line, the block, and a closing `---` (or `...`) on a line of its own.
BLOCK = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)
MAX_BLOCK = 20_000  # a longer "front matter" is a document that starts with a rule, not metadata


@dataclass(frozen=True)
class FrontMatter:
    title: str | None = None
    aliases: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    description: str | None = None


def _words(value: Any) -> list[str]:
    """A YAML string or list of strings as a clean list (Obsidian allows both, and `#tag` or `a, b` forms)."""
    items: list[Any] = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    out: list[str] = []
    for item in items:
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            for part in str(item).split(","):
                word = part.strip().lstrip("#").strip()
                if word and word not in out:
                    out.append(word[:200])
    return out


def split_front_matter(text: str) -> tuple[FrontMatter | None, str]:
    """The front matter of `text` and the text after it; `(None, text)` when there is none or it does not parse."""
    found = BLOCK.match(text)
    if found is None or len(found.group(1)) > MAX_BLOCK:
        return None, text
    # PyYAML loads with the first document that has front matter, not on server start.
    import yaml

    try:
        data = yaml.safe_load(found.group(1))
    except yaml.YAMLError:
        return None, text
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, text
    title, description = data.get("title"), data.get("description")
    matter = FrontMatter(
        title=title.strip()[:500] if isinstance(title, str) and title.strip() else None,
        aliases=_words(data.get("aliases", data.get("alias"))),
        tags=_words(data.get("tags", data.get("tag"))),
        description=description.strip()[:1000] if isinstance(description, str) and description.strip() else None,
    )
    return matter, text[found.end() :]
