"""Ingesting Markdown, HTML, PDF and text with citations; re-ingesting by content hash."""

from __future__ import annotations

from pathlib import Path

from salient_library.pdf import write_pdf
from salient_library.service import LibraryService

MARKDOWN = """# Returns policy

Intro line about returning things.

## Hygiene items

Opened compression stockings cannot be returned.

### Exceptions

Unopened stockings in sealed packs can be returned within 30 days.
"""

HTML = """<html><head><title>Scooter care</title></head><body>
<nav><a href="/">Home</a> <a href="/shop">Shop now</a> Sitewide navigation menu</nav>
<main><h1>Scooter care</h1><p>Charge the scooter battery after every ride, even short ones, for a longer life.</p>
<h2>Winter storage</h2><p>Keep the scooter above freezing and top up the charge once a month over winter.</p></main>
<footer>Copyright Brightwell. Cookie settings and terms of use.</footer></body></html>"""


async def ingest(service: LibraryService, *paths: Path, collection: str = "docs", tags: list[str] | None = None):
    plan = service.plan(paths=[str(p) for p in paths], text=None, title=None)
    return await service.ingest("demo", collection, plan, tags=tags or [])


async def test_each_format_is_cited_with_heading_or_page(service: LibraryService, docs_root: Path) -> None:
    (docs_root / "returns.md").write_text(MARKDOWN)
    (docs_root / "scooter.html").write_text(HTML)
    (docs_root / "spec.pdf").write_bytes(
        write_pdf(
            [["AeroLite spec sheet", "Weight 11.8 kg"], ["Warranty", "Lifetime frame warranty"]], title="AeroLite"
        )
    )
    (docs_root / "note.txt").write_text("Support phone hours are 8 am to 8 pm Eastern on weekdays.")
    report = await ingest(service, docs_root)
    assert (report.added, report.problems) == (4, [])

    hit = (await service.search("demo", query="sealed stockings exceptions", collection="docs", top_k=1)).hits[0]
    assert hit.citation.title == "Returns policy"
    assert hit.citation.heading == "Returns policy > Hygiene items > Exceptions"
    assert hit.citation.path == str((docs_root / "returns.md").resolve())

    hit = (await service.search("demo", query="winter storage freezing", collection="docs", top_k=1)).hits[0]
    assert (hit.citation.title, hit.citation.heading) == ("Scooter care", "Scooter care > Winter storage")
    html_source = await service.read_source("demo", hit.citation.source_id, start=0, max_chars=10_000)
    assert "navigation" not in html_source.text and "Cookie" not in html_source.text  # boilerplate removed

    hit = (await service.search("demo", query="lifetime frame warranty", collection="docs", top_k=1)).hits[0]
    assert (hit.citation.title, hit.citation.page) == ("AeroLite", 2)

    hit = (await service.search("demo", query="phone hours", collection="docs", top_k=1)).hits[0]
    assert hit.citation.title == "Note" and "8 pm Eastern" in hit.text


async def test_text_ingest_and_read_source_continues(service: LibraryService) -> None:
    text = " ".join(f"Sentence {i} about pill organizers." for i in range(200))
    plan = service.plan(paths=[], text=text, title="Pill organizers")
    report = await service.ingest("demo", "notes", plan, tags=["pharmacy"])
    source_id = report.source_ids[0]
    first = await service.read_source("demo", source_id, start=0, max_chars=1000)
    assert first.next_start == 1000 and first.source.title == "Pill organizers"
    rest = await service.read_source("demo", source_id, start=first.next_start, max_chars=100_000)
    assert first.text + rest.text == text and rest.next_start is None


async def test_reingest_skips_unchanged_replaces_changed_removes_gone(service: LibraryService, docs_root: Path) -> None:
    (docs_root / "a.md").write_text("# Alpha\n\nThe alpha walker folds flat.")
    (docs_root / "b.md").write_text("# Beta\n\nThe beta cane has an LED light.")
    (docs_root / "c.md").write_text("# Gamma\n\nThe gamma bench fits bathtubs.")
    first = await ingest(service, docs_root)
    assert (first.added, first.updated, first.unchanged, first.removed) == (3, 0, 0, 0)

    again = await ingest(service, docs_root)
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 3, 0)

    (docs_root / "b.md").write_text("# Beta\n\nThe beta cane now has a quad base.")
    (docs_root / "c.md").unlink()
    changed = await ingest(service, docs_root)
    assert (changed.added, changed.updated, changed.unchanged, changed.removed) == (0, 1, 1, 1)

    sources = await service.list_sources("demo", collection="docs", limit=10, cursor=None)
    assert sorted(s.title for s in sources.items) == ["Alpha", "Beta"]
    assert service.store.count("demo", "docs") == 2  # the old Beta chunk and Gamma's are gone from Chroma
    hits = (await service.search("demo", query="beta cane", collection="docs", top_k=5)).hits
    assert any("quad base" in h.text for h in hits) and not any("LED" in h.text for h in hits)
    collections = await service.list_collections("demo")
    assert [(c.name, c.sources, c.chunks) for c in collections.collections] == [("docs", 2, 2)]


async def test_filters_by_source_and_tag(service: LibraryService, docs_root: Path) -> None:
    (docs_root / "x.md").write_text("# Walker X\n\nWalker X folds flat for travel.")
    (docs_root / "y.md").write_text("# Walker Y\n\nWalker Y folds flat for travel too.")
    x = await ingest(service, docs_root / "x.md", tags=["walkers", "travel"])
    await ingest(service, docs_root / "y.md", tags=["walkers"])
    by_tag = await service.search("demo", query="folds flat", collection="docs", tags=["travel"])
    assert [h.citation.title for h in by_tag.hits] == ["Walker X"]
    by_source = await service.search("demo", query="folds flat", collection="docs", sources=x.source_ids)
    assert {h.citation.source_id for h in by_source.hits} == set(x.source_ids)
    none = await service.search("demo", query="folds flat", collection="docs", tags=["nothing"])
    assert none.hits == []
