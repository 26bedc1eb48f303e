"""The demo company's knowledge base (Brightwell Home Health), ingested into collection `help-center`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from salient_library.demo_corpus import write_corpus
from salient_library.schemas import IngestReport
from salient_library.sources import plan_paths

if TYPE_CHECKING:
    from salient_library.service import LibraryService

DEMO_COLLECTION = "help-center"


async def load_demo(service: LibraryService, account: str) -> None:
    """Ingest the demo help center into `account`; unchanged documents are skipped on later starts."""
    await ingest_demo(service, account)


async def ingest_demo(service: LibraryService, account: str) -> IngestReport:
    directory = service.settings.data_dir / "library-demo"
    urls = write_corpus(directory)
    plan = plan_paths([str(directory)], roots=[directory], max_bytes=service.settings.max_file_bytes, urls=urls)
    return await service.ingest(account, DEMO_COLLECTION, plan, tags=["demo"])
