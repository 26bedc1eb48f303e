"""The demo company's knowledge base (Brightwell Home Health), ingested into collection `help-center`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from salient_library.demo_corpus import write_corpus
from salient_library.schemas import IngestReport
from salient_library.sources import Plan, plan_paths

if TYPE_CHECKING:
    from salient_library.service import LibraryService

DEMO_COLLECTION = "help-center"
DEMO_TAGS = ["demo"]


async def load_demo(service: LibraryService, account: str) -> None:
    """Ingest the demo help center into `account`; unchanged documents are skipped on later starts.

    When the collection already holds exactly the demo's documents, unchanged, nothing else is done: a seeded start
    neither opens Chroma nor loads the embedding model while its first requests are being answered.
    """
    plan = _demo_plan(service)
    if await service.ingestor.is_current(account, DEMO_COLLECTION, plan, tags=DEMO_TAGS):
        return
    await service.ingest(account, DEMO_COLLECTION, plan, tags=DEMO_TAGS)


async def ingest_demo(service: LibraryService, account: str) -> IngestReport:
    plan = _demo_plan(service)
    return await service.ingest(account, DEMO_COLLECTION, plan, tags=DEMO_TAGS)


def _demo_plan(service: LibraryService) -> Plan:
    directory = service.settings.data_dir / "library-demo"
    urls = write_corpus(directory)
    plan = plan_paths([str(directory)], roots=[directory], max_bytes=service.settings.max_file_bytes, urls=urls)
    return plan
