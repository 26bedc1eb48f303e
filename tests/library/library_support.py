"""Fixtures for the library tests: the embedding model on disk, settings over both vector stores, a service,
an MCP client, and a Chroma server started from the chromadb package itself.

The main modules run on three backends: SQLite with embedded Chroma, PostgreSQL with embedded Chroma, and SQLite
with a Chroma server (`chroma run`, one per test run or parallel worker, a fresh Chroma database per test). That
covers each database and each vector store without running the full product of the two.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fastmcp import Client
from salient_core.db import Database
from salient_core.migrate import upgrade
from salient_library.embeddings import missing_files
from salient_library.server import MIGRATIONS, build_server
from salient_library.service import LibraryService
from salient_library.settings import LibrarySettings
from support import console_script, free_port, fresh_postgres_database, require_postgres, serve_process

MODEL_DIR = (Path(__file__).parents[2] / "../shared/models/all-MiniLM-L6-v2/onnx").resolve()
CHROMA = console_script("chroma")
BACKENDS = ("sqlite+embedded", "postgres+embedded", "sqlite+chroma-server")
LOOPBACK_ONLY = ["127.0.0.1/32"]


def require_model() -> Path:
    missing = missing_files(MODEL_DIR)
    if missing:
        pytest.skip(
            f"embedding model not at {MODEL_DIR} (missing {', '.join(missing)}); see ../shared/models/README.md"
        )
    return MODEL_DIR


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Chroma server from the installed chromadb package (`chroma run`) on a free loopback port."""
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    args = [CHROMA, "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with serve_process(args, ready_url=f"{url}/api/v2/heartbeat", log=path / "server.log", timeout=60, env=env):
        yield url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def db_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """The library tests' database: SQLite or PostgreSQL, as the backend says (overrides the root fixture)."""
    if backend.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    await require_postgres()
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def chroma(backend: str, request: pytest.FixtureRequest) -> str | None:
    """The Chroma server's URL for the server backend, else None (embedded under the data directory)."""
    return request.getfixturevalue("chroma_server") if backend.endswith("chroma-server") else None


@pytest.fixture
def docs_root(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    root.mkdir()
    return root


@pytest.fixture
def settings(db_url: str, chroma: str | None, tmp_path: Path, docs_root: Path) -> LibrarySettings:
    """Settings with the model, a fresh vector store, one file root, and URLs on 127.0.0.1 allowed."""
    return LibrarySettings(
        db=db_url,
        data_dir=tmp_path / "data",
        model_dir=require_model(),
        file_roots=[docs_root],
        chunk_chars=400,
        chroma=chroma,
        chroma_database=f"test-{uuid.uuid4().hex[:12]}",  # the server is shared by every test
        url_allow_networks=LOOPBACK_ONLY,
        fetch_timeout=5,
    )


@pytest.fixture
async def service(settings: LibrarySettings) -> AsyncIterator[LibraryService]:
    async with open_service(settings) as opened:
        yield opened


class open_service:
    """A migrated database and a `LibraryService` over it, both closed on exit."""

    def __init__(self, settings: LibrarySettings, **options: object) -> None:
        self.settings = settings
        self.options = options
        self.db: Database | None = None
        self.service: LibraryService | None = None

    async def __aenter__(self) -> LibraryService:
        self.db = Database(self.settings.database_url("library"))
        await upgrade(self.db, *MIGRATIONS)
        self.service = LibraryService(self.db, self.settings, **self.options)  # pyright: ignore[reportArgumentType]
        return self.service

    async def __aexit__(self, *_exc: object) -> None:
        if self.service is not None:
            await self.service.jobs.cancel_all()
            await asyncio.to_thread(self.service.close)
        if self.db is not None:
            await self.db.close()


@pytest.fixture
async def client(settings: LibrarySettings) -> AsyncIterator[Client]:
    async with Client(build_server(settings)) as c:
        yield c


async def wait_done(client: Client, job_id: str) -> dict:
    """Poll ingest_status until the job has finished; its last status."""
    for _ in range(1200):
        job = (await client.call_tool("ingest_status", {"job_id": job_id})).structured_content
        assert job is not None
        if job["state"] not in ("queued", "running"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")
