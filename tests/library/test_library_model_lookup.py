"""Where the library looks for its embedding model when no setting names it, and what it says when it finds none."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastmcp import Client
from library_support import require_model, wait_done
from salient_library import embeddings
from salient_library.embeddings import MODEL_FILES
from salient_library.server import build_server
from salient_library.settings import LibrarySettings


async def ingest_note(settings: LibrarySettings) -> dict:
    async with Client(build_server(settings)) as client:
        job = (await client.call_tool("ingest", {"collection": "kb", "text": "A note.", "title": "Note"})).data
        return await wait_done(client, job.id)


@pytest.fixture
def backend() -> str:
    return "sqlite+embedded"


async def test_without_a_setting_the_model_is_looked_for_in_order_and_every_place_is_named(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = require_model()
    beside = tmp_path / "checkout-sibling" / "shared" / "models" / "all-MiniLM-L6-v2" / "onnx"
    monkeypatch.setattr(embeddings, "beside_checkout", lambda: beside)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # Chroma's cache: empty, and offline (nothing listens)
    for proxy in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")
    monkeypatch.delenv("SALIENT_LIBRARY_MODEL_DIR", raising=False)
    data = tmp_path / "data"
    settings = LibrarySettings(db=db_url, data_dir=data)

    failed = await ingest_note(settings)
    assert failed["state"] == "failed"
    in_data = data / "models" / "all-MiniLM-L6-v2" / "onnx"
    cache = tmp_path / "home" / ".cache" / "chroma" / "onnx_models" / "all-MiniLM-L6-v2" / "onnx"
    places = [f"{str(where)!r} (missing {', '.join(MODEL_FILES)})" for where in (beside, in_data, cache)]
    assert f"Looked in: {'; '.join(places)}." in failed["error"]

    in_data.mkdir(parents=True)  # the data directory's models folder is the second place looked
    for name in MODEL_FILES:
        (in_data / name).symlink_to(model / name)
    assert (await ingest_note(settings))["state"] == "done"
