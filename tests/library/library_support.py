"""Fixtures for the library tests: the embedding model on disk, settings, a service and an MCP client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastmcp import Client
from salient_core.db import Database
from salient_core.migrate import upgrade
from salient_library.embeddings import missing_files
from salient_library.server import MIGRATIONS, build_server
from salient_library.service import LibraryService
from salient_library.settings import LibrarySettings

MODEL_DIR = (Path(__file__).parents[2] / "../shared/models/all-MiniLM-L6-v2/onnx").resolve()


def require_model() -> Path:
    missing = missing_files(MODEL_DIR)
    if missing:
        pytest.skip(
            f"embedding model not at {MODEL_DIR} (missing {', '.join(missing)}); see ../shared/models/README.md"
        )
    return MODEL_DIR


@pytest.fixture
def docs_root(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    root.mkdir()
    return root


@pytest.fixture
def settings(db_url: str, tmp_path: Path, docs_root: Path) -> LibrarySettings:
    """Settings on SQLite, then PostgreSQL, with the model, a fresh Chroma directory and one file root."""
    return LibrarySettings(
        db=db_url, data_dir=tmp_path / "data", model_dir=require_model(), file_roots=[docs_root], chunk_chars=400
    )


@pytest.fixture
async def service(settings: LibrarySettings) -> AsyncIterator[LibraryService]:
    db = Database(settings.database_url("library"))
    try:
        await upgrade(db, *MIGRATIONS)
        yield LibraryService(db, settings)
    finally:
        await db.close()


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
