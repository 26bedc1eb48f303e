"""Markdown front matter is the page's metadata (title, aliases, tags), never a passage that is returned or cited."""

from __future__ import annotations

from pathlib import Path

import pytest
from salient_library.front_matter import FrontMatter, split_front_matter
from salient_library.service import LibraryService

SYNC = """---
aliases:
  - Obsidian Sync
  - Sync service
cssclasses:
  - list-cards
description: Restore deleted notes and keep every device in step.
permalink: sync
tags: [billing, "#devices"]
publish: true
---

Sync is an add-on service that keeps your notes the same across every device you own.

## Version history

Deleted notes can be restored from version history for twelve months.
"""

TITLED = """---
title: Keyboard shortcuts
permalink: hotkeys
---
# Hotkeys

Press the command palette key to run any command.
"""

BROKEN = """---
aliases: [unclosed
permalink: broken
---
The page about broken headers still has words worth finding: zeppelin moorings.
"""


async def ingest(service: LibraryService, *paths: Path) -> None:
    plan = service.plan(paths=[str(p) for p in paths])
    report = await service.ingest("demo", "docs", plan, tags=["help"])
    assert report.problems == []


async def test_front_matter_is_metadata_not_text(service: LibraryService, docs_root: Path) -> None:
    (docs_root / "introduction-to-sync.md").write_text(SYNC)
    (docs_root / "hotkeys.md").write_text(TITLED)
    await ingest(service, docs_root)

    # The keys and values of the block are in no passage and no source text, so nothing cites them.
    for query in ("aliases permalink sync cssclasses list-cards", "publish true permalink"):
        for mode in ("lexical", "hybrid"):
            result = await service.search("demo", query=query, collection="docs", top_k=10, mode=mode)
            for hit in result.hits:
                assert "permalink" not in hit.text and "cssclasses" not in hit.text and "---" not in hit.text
    sources = {s.title: s for s in (await service.list_sources("demo", collection="docs", limit=10, cursor=None)).items}
    text = (await service.read_source("demo", sources["Introduction to sync"].id, start=0, max_chars=10_000)).text
    assert text.startswith("Sync is an add-on service") and "permalink" not in text

    # The front matter's title wins over the first heading and the file name.
    assert set(sources) == {"Introduction to sync", "Keyboard shortcuts"}
    hit = (await service.search("demo", query="command palette", collection="docs", top_k=1)).hits[0]
    assert hit.citation.title == "Keyboard shortcuts"

    # An alias is another name of the page: a query using only the alias finds it, lexically too.
    hit = (await service.search("demo", query="sync service", collection="docs", top_k=1, mode="lexical")).hits[0]
    assert hit.citation.title == "Introduction to sync"

    # The description is a field of every passage of its page: its words find the page, and no passage quotes it.
    hits = (await service.search("demo", query="in step", collection="docs", top_k=3, mode="lexical")).hits
    assert hits[0].citation.title == "Introduction to sync"
    assert all("in step" not in h.text for h in hits)


async def test_invalid_front_matter_is_kept_as_text(service: LibraryService, docs_root: Path) -> None:
    (docs_root / "broken.md").write_text(BROKEN)
    await ingest(service, docs_root)
    hit = (await service.search("demo", query="zeppelin moorings", collection="docs", top_k=1)).hits[0]
    assert hit.citation.title == "Broken"
    assert "zeppelin moorings" in hit.text and "aliases: [unclosed" in hit.text


@pytest.mark.parametrize(
    ("text", "matter", "rest"),
    [
        ("---\ntitle: Hi\naliases: One, Two\ntags: '#a'\n---\nBody", FrontMatter("Hi", ["One", "Two"], ["a"]), "Body"),
        ("---\ndescription: ' Short. '\n---\nBody", FrontMatter(description="Short."), "Body"),
        ("---\n---\nBody", FrontMatter(), "Body"),
        ("---\nalias: Solo\ntitle: 3\n...\nBody", FrontMatter(None, ["Solo"]), "Body"),
        ("---\n- a list\n---\nBody", None, "---\n- a list\n---\nBody"),  # not a mapping: text
        ("---\nkey: [bad\n---\nBody", None, "---\nkey: [bad\n---\nBody"),  # not YAML: text
        ("Intro\n---\ntitle: x\n---\n", None, "Intro\n---\ntitle: x\n---\n"),  # not at the start
        ("---\nno closing line\n", None, "---\nno closing line\n"),
    ],
)
def test_split_front_matter(text: str, matter: FrontMatter | None, rest: str) -> None:
    assert split_front_matter(text) == (matter, rest)
