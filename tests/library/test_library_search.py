"""Hybrid search over the demo help center: the right source first, and fusion beating each ranker alone."""

from __future__ import annotations

import pytest
from salient_library.demo import DEMO_COLLECTION, ingest_demo
from salient_library.service import LibraryService

QUESTIONS = [
    ("How many days do I have to send something back?", "Returns and refunds"),
    ("Can I pay with my HSA card?", "Paying with HSA or FSA"),
    ("what does error E2 mean on my monitor", "Blood pressure monitor error codes"),
    ("How much does the AeroLite wheelchair weigh?", "Stridewell AeroLite Folding Wheelchair - spec sheet"),
    ("Can I take my mobility scooter on a plane?", "Mobility scooter buying guide"),
    ("Do you bill Medicare?", "Insurance and Medicare"),
    ("how high should the handles of a walker with a seat be", "Choosing a rollator"),
]


# Known weakness, kept visible: with a product noun in it, the HSA question ranks the warranty page (which names
# Pulsetrue monitors) first and the HSA page second; the bench's evaluation is the place to track such cases.
HARDER = ("Can I pay for a blood pressure monitor with my health savings account?", "Paying with HSA or FSA")


@pytest.fixture
async def demo(service: LibraryService) -> LibraryService:
    report = await ingest_demo(service, "demo")
    assert report.added >= 30 and report.problems == []
    return service


async def test_demo_questions_find_the_right_source_first(demo: LibraryService) -> None:
    for question, title in QUESTIONS:
        result = await demo.search("demo", query=question, collection=DEMO_COLLECTION, top_k=3)
        assert result.hits[0].citation.title == title, (question, [h.citation.title for h in result.hits])
    question, title = HARDER
    result = await demo.search("demo", query=question, collection=DEMO_COLLECTION, top_k=3)
    assert title in [h.citation.title for h in result.hits]
    spec = (await demo.search("demo", query="AeroLite weight kg", collection=DEMO_COLLECTION, top_k=1)).hits[0]
    assert spec.citation.page == 1 and spec.citation.url == "https://brightwell.example/help/aerolite-spec-sheet"
    assert "11.8 kg" in spec.text


async def test_demo_reingest_is_all_unchanged(demo: LibraryService) -> None:
    again = await ingest_demo(demo, "demo")
    assert again.added == again.updated == again.removed == 0 and again.unchanged >= 30


async def test_hybrid_beats_each_ranker_alone(service: LibraryService) -> None:
    """A product code plus a paraphrase: BM25 prefers the spare-parts list (the code three times), the embedding
    prefers the generic pain-relief note (no code); only the fusion puts the maternity TENS page, second in both,
    first."""
    docs = {
        "Maternity TENS": "The BW-TN-MATERN TENS unit gives drug-free relief from labour pain during childbirth, "
        "with a boost button for contractions and a timer.",
        "Spares": "BW-TN-MATERN pads, BW-TN-MATERN leads, BW-TN-MATERN clips for pain relief.",
        "Labour pain relief": "Labour pain relief options.",
        "Childbirth comfort": "Easing contractions naturally: breathing, warm baths and massage.",
        "Back care": "BW-TN-MATERN users in labour: warm back wraps.",
    }
    for title, text in docs.items():
        await service.ingest("demo", "docs", service.plan(paths=[], text=text, title=title), tags=[])
    query = "BW-TN-MATERN labour pain relief"
    firsts = {}
    for mode in ("lexical", "dense", "hybrid"):
        result = await service.search("demo", query=query, collection="docs", top_k=5, mode=mode)
        firsts[mode] = result.hits[0].citation.title
    assert firsts == {"lexical": "Spares", "dense": "Labour pain relief", "hybrid": "Maternity TENS"}
