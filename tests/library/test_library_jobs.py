"""Ingest runs as a background job: status, progress, report, cancel."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastmcp import Client
from library_support import wait_done
from salient_library.service import LibraryService


async def test_job_reports_progress_and_result(client: Client, docs_root: Path) -> None:
    for i in range(3):
        (docs_root / f"doc{i}.md").write_text(f"# Doc {i}\n\nWheelchair cushion number {i}.")
    started = (await client.call_tool("ingest", {"collection": "docs", "paths": [str(docs_root)]})).structured_content
    assert started is not None and started["state"] in ("queued", "running") and started["total"] == 3
    job = await wait_done(client, started["id"])
    assert job["state"] == "done" and job["done"] == job["total"]
    assert (job["report"]["added"], job["report"]["problems"]) == (3, [])
    listed = (await client.call_tool("list_sources", {"collection": "docs", "limit": 2})).structured_content
    assert listed is not None and listed["total"] == 3 and len(listed["items"]) == 2 and listed["next_cursor"]


async def test_cancel_stops_between_documents_and_leaves_none_half_written(
    service: LibraryService, docs_root: Path
) -> None:
    for i in range(40):
        (docs_root / f"doc{i:02}.md").write_text(f"# Doc {i}\n\n" + f"Shower chair note {i}. " * 200)
    plan = service.plan(paths=[str(docs_root)], text=None, title=None)
    job = await service.start_ingest("demo", "docs", plan, tags=[])
    for _ in range(400):
        if service.jobs.get("demo", job.id).done >= 1:
            break
        await asyncio.sleep(0.01)
    cancelled = await service.jobs.cancel("demo", job.id)
    assert cancelled.state == "cancelled" and cancelled.finished_at is not None
    sources = await service.list_sources("demo", collection="docs", limit=100, cursor=None)
    assert 1 <= sources.total < 40
    # Every stored source has exactly its chunks in Chroma: nothing half-written.
    assert service.store.count("demo", "docs") == sum(s.chunks for s in sources.items)
