"""Hybrid search over the demo help center: the right source first, and fusion beating each ranker alone."""

from __future__ import annotations

from library_support import open_service
from salient_library.demo import DEMO_COLLECTION, DEMO_TAGS, ingest_demo, load_demo
from salient_library.service import LibraryService
from salient_library.sources import Plan, plan_paths

QUESTIONS = [
    ("How many days do I have to send something back?", "Returns and refunds"),
    ("Can I pay with my HSA card?", "Paying with HSA or FSA"),
    ("what does error E2 mean on my monitor", "Blood pressure monitor error codes"),
    ("How much does the BW-WC-AEROLI-18-BLU weigh?", "Stridewell AeroLite Folding Wheelchair - spec sheet"),
    ("What is the seat width of the AeroLite 16?", "Stridewell AeroLite 16 Folding Wheelchair - spec sheet"),
    ("scooter light flashes 4 times", "Voltra scooter flash codes"),
    ("Can I take my mobility scooter on a plane?", "Mobility scooter buying guide"),
    ("Do you bill Medicare?", "Insurance and Medicare"),
]


# Known weaknesses, kept visible (the bench's evaluation tracks such cases): with a product noun in it, the HSA
# question also matches product pages; "walker" never occurs in the rollator guide, and the embedding ranks the
# wheelchair guide's "Seat height" first. The answer must still be among the top 3.
HARDER = [
    ("Can I pay for a blood pressure monitor with my health savings account?", "Paying with HSA or FSA"),
    ("how high should the handles of a walker with a seat be", "Choosing a rollator"),
]


async def test_demo_search(service: LibraryService) -> None:
    report = await ingest_demo(service, "demo")
    assert report.added >= 30 and report.problems == []
    for question, title in QUESTIONS:
        result = await service.search("demo", query=question, collection=DEMO_COLLECTION, top_k=3)
        assert result.hits[0].citation.title == title, (question, [h.citation.title for h in result.hits])
    for question, title in HARDER:
        result = await service.search("demo", query=question, collection=DEMO_COLLECTION, top_k=3)
        assert title in [h.citation.title for h in result.hits], (question, [h.citation.title for h in result.hits])
    spec = (await service.search("demo", query="AeroLite 18 weight kg", collection=DEMO_COLLECTION, top_k=1)).hits[0]
    assert spec.citation.page == 1 and spec.citation.url == "https://brightwell.example/help/aerolite-spec-sheet"
    assert "11.8 kg" in spec.text

    # Noise does not look like a hit: a question the help center cannot answer keeps nothing above 0.2.
    off_topic = await service.search(
        "demo", query="lattice quantum chromodynamics on GPUs", collection=DEMO_COLLECTION, min_score=0.2
    )
    assert off_topic.hits == []

    await check_hybrid_beats_each_ranker_alone(service)

    again = await ingest_demo(service, "demo")
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, report.added)

    # The next start with --demo finds the collection current without opening Chroma (or loading the model).
    async with open_service(service.settings) as restarted:
        await load_demo(restarted, "demo")
        assert restarted.store._client is None  # pyright: ignore[reportPrivateUsage]
        directory = service.settings.data_dir / "library-demo"
        plan = plan_paths([str(directory)], roots=[directory], max_bytes=service.settings.max_file_bytes)
        assert await restarted.ingestor.is_current("demo", DEMO_COLLECTION, plan, tags=DEMO_TAGS)
        # Anything else (other tags, a document more or less) is not current, so the ingest runs as before.
        assert not await restarted.ingestor.is_current("demo", DEMO_COLLECTION, plan, tags=["other"])
        fewer = Plan(items=plan.items[1:])
        assert not await restarted.ingestor.is_current("demo", DEMO_COLLECTION, fewer, tags=DEMO_TAGS)


async def test_ties_are_ordered_by_chunk_id_and_scores_are_bounded(service: LibraryService) -> None:
    for title in ("Copy one", "Copy two", "Copy three"):
        text = "Grab bars must be screwed into wall studs."
        await service.ingest("demo", "docs", service.plan(text=text, title=title), tags=[])
    lexical = await service.search("demo", query="grab bars studs", collection="docs", mode="lexical")
    assert len({h.score for h in lexical.hits}) == 1  # the same words, the same length: a three-way tie
    ids = [h.citation.source_id for h in lexical.hits]
    assert ids == sorted(ids)  # chunk ids start with the source id
    for mode in ("lexical", "dense", "hybrid"):
        first = await service.search("demo", query="grab bars studs", collection="docs", mode=mode)
        again = await service.search("demo", query="grab bars studs", collection="docs", mode=mode)
        assert [h.citation.source_id for h in first.hits] == [h.citation.source_id for h in again.hits]
        assert len(first.hits) == 3 and all(0 <= h.score <= 1 for h in first.hits)


async def check_hybrid_beats_each_ranker_alone(service: LibraryService) -> None:
    """Codes need the lexical side (the embedding confuses near-identical spec sheets), paraphrases the dense side
    (they share no words with the answer): only the fusion puts the answer first for all of them."""
    mixed = [
        ("BW-WC-AEROLI-16-BLK seat width", "Stridewell AeroLite 16 Folding Wheelchair - spec sheet"),
        ("AeroLite 18 seat height", "Stridewell AeroLite Folding Wheelchair - spec sheet"),
        ("BW-SC-SCOUT3-BLU range per charge", "Voltra Scout 3-Wheel Travel Scooter - spec sheet"),
        ("How do I ring customer service?", "Contacting support"),
        ("The buggy got really hot and quit", "Voltra scooter flash codes"),
        ("parcel came crushed, what now", "Return authorization and reason codes"),
    ]
    firsts = {}
    for mode in ("lexical", "dense", "hybrid"):
        right = 0
        for query, title in mixed:
            result = await service.search("demo", query=query, collection=DEMO_COLLECTION, top_k=5, mode=mode)
            right += bool(result.hits) and result.hits[0].citation.title == title
        firsts[mode] = right
    assert firsts["hybrid"] == len(mixed) > max(firsts["lexical"], firsts["dense"]), firsts


async def test_passages_the_lexical_index_lacks_are_read_from_the_store(service: LibraryService) -> None:
    """Dense hits come from the in-memory index when it has them, else from Chroma (written since it was built)."""
    for title in ("Grab bars", "Shower chairs", "Raised toilet seats"):
        text = f"{title}: how to choose, fit and clean them at home."
        await service.ingest("demo", "bath", service.plan(text=text, title=title), tags=[])
    vector = service.model.embed(["fitting grab bars"])[0]
    full = service.store.query("demo", "bath", vector, n=3, source_ids=None)
    known = {chunk.id: chunk for chunk, _ in full[1:]}  # the best hit is "not in the index"
    mixed = service.store.query("demo", "bath", vector, n=3, source_ids=None, known=known)
    assert [(c.id, c.text, c.metadata, round(s, 6)) for c, s in mixed] == [
        (c.id, c.text, c.metadata, round(s, 6)) for c, s in full
    ]
    assert mixed[1][0] is known[mixed[1][0].id]  # taken from memory, not read again
