"""The lexical arm: literals (codes, file names, template syntax) matched character for character, and titles and
headings as weighted fields."""

from __future__ import annotations

import pytest
from salient_library.ranking import BM25, literals
from salient_library.service import LibraryService


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("publish.css not applied", ["publish.css"]),
        ("{{title}} variable", ["{{title}}"]),
        ("what is in the .obsidian folder?", [".obsidian"]),
        ("> [!warning] block syntax", ["[!warning]"]),
        ("Can I pay with my HSA card?", ["hsa"]),
        ("How much does the BW-WC-AEROLI-18-BLU weigh?", ["bw-wc-aeroli-18-blu"]),
        ('the error says "disk full" again', ["disk full"]),
        ("I'm a student, is there a cheaper price", []),
        ("use it on my iPhone.", []),
    ],
)
def test_literals(query: str, expected: list[str]) -> None:
    assert literals(query) == expected


TEXTS = [
    "Put your styles in publish.css at the root of the vault.",  # the literal
    "Publish your notes. CSS snippets style the app, and publish settings live elsewhere.",  # its words, apart
    "The e2e tests run nightly.",  # "e2" only inside a longer word
    "Error E2 means the cuff is loose.",
]


def test_a_literal_outranks_its_words_apart() -> None:
    index = BM25(TEXTS)
    assert index.search("publish.css", limit=2)[0][0] == 0
    ranked = [i for i, _ in index.search("what does E2 mean", limit=4)]
    assert ranked[0] == 3 and 2 not in ranked  # word edges: "e2e" does not contain the code E2
    # The ceiling counts the literal too, so a passage holding everything scores a share of at most 1.
    scores, ceiling = index.scores("publish.css")
    assert 0 < float(scores.max()) <= ceiling


def test_field_weight_favours_the_passage_a_heading_names() -> None:
    texts = ["Restore a deleted note from the list of earlier copies.", "History of the project and its founders."]
    fields = ["Version history", "About"]
    plain = BM25(texts, fields=fields, field_weight=1.0)
    weighted = BM25(texts, fields=fields, field_weight=3.0)
    query = "version history"
    assert plain.scores(query)[0][0] > 0 and weighted.scores(query)[0][0] > plain.scores(query)[0][0]
    assert weighted.search(query, limit=1)[0][0] == 0


async def test_search_finds_a_template_variable_by_its_syntax(service: LibraryService) -> None:
    documents = {
        "Template variables": "Write {{date}} or {{title}} in a template; each is replaced when the note is made.",
        "Naming notes": "A note's title is its file name; change the title to rename the variable part of a link.",
    }
    for title, text in documents.items():
        await service.ingest("demo", "docs", service.plan(text=text, title=title), tags=[])
    for mode in ("lexical", "hybrid"):
        hits = (await service.search("demo", query="{{title}} variable", collection="docs", mode=mode)).hits
        assert hits[0].citation.title == "Template variables", mode
