"""Library throughput: embeddings against Chroma's own function, ingest and re-ingest, search at scale.

1. Embedding: the same chunk texts through the library's `MiniLM` (one ONNX session, padding per batch) and
   Chroma's `ONNXMiniLM_L6_V2` (padding to 256 tokens), from the same model files, in this process.
2. Ingest of the demo corpus into a fresh SQLite database and embedded Chroma, then the same corpus again
   (unchanged: every document is skipped by content hash).
3. `search` (hybrid) p50 over HTTP against `salient-library --http` on a collection of `--chunks` chunks,
   generated from the demo corpus's sentences.

The model comes from SALIENT_LIBRARY_MODEL_DIR (the Makefile sets it) or ../shared/models beside the project.

    uv run python bench/library_ingest.py [--chunks 2000] [--texts 256] [--queries 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2
from common import BIN, free_port, mcp_call, mcp_headers, print_table, process, summary_ms
from salient_core.db import Database
from salient_core.migrate import upgrade
from salient_library.demo import DEMO_COLLECTION, ingest_demo
from salient_library.demo_corpus import load_docs
from salient_library.embeddings import MiniLM
from salient_library.server import MIGRATIONS
from salient_library.service import LibraryService
from salient_library.settings import LibrarySettings
from salient_library.sources import plan_paths

ROOT = Path(__file__).resolve().parent.parent
HEADERS = mcp_headers("search")
QUESTIONS = [
    "return window for a rollator",
    "does the wheelchair fold for the car",
    "blood pressure cuff size for large arms",
    "how long is the warranty on scooters",
    "can I pay with my HSA card",
    "shipping to Alaska",
    "pulse oximeter accuracy with cold hands",
    "replacement battery for a travel scooter",
]


def model_dir() -> Path:
    configured = os.environ.get("SALIENT_LIBRARY_MODEL_DIR")
    return Path(configured) if configured else ROOT.parent / "shared/models/all-MiniLM-L6-v2/onnx"


def corpus_sentences() -> list[str]:
    sentences: list[str] = []
    for doc in load_docs():
        for _heading, text in doc.sections:
            sentences += [s.strip() + "." for s in str(text).split(".") if len(s.split()) > 4]
    return sentences


def embedding_throughput(texts: list[str]) -> list[list[object]]:
    ours = MiniLM(model_dir())
    ours.embed(texts[:4])  # load the session outside the timing
    chroma = ONNXMiniLM_L6_V2()
    chroma.DOWNLOAD_PATH = model_dir().parent
    chroma(texts[:4])
    start = time.perf_counter()
    mine = ours.embed(texts)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    theirs = np.array(chroma(texts))
    chroma_s = time.perf_counter() - start
    cosine = float(np.min(np.sum(mine * theirs, axis=1) / np.linalg.norm(theirs, axis=1)))
    n = len(texts)
    return [
        ["Chroma ONNXMiniLM_L6_V2 (pads to 256)", n / chroma_s, 1.0, "-"],
        ["library MiniLM (pads per batch)", n / ours_s, chroma_s / ours_s, f"{cosine:.7f}"],
    ]


async def ingest_timings(home: Path) -> tuple[float, float, int]:
    settings = LibrarySettings(data_dir=home, model_dir=model_dir(), db=f"sqlite:///{home / 'library.db'}")
    db = Database(settings.database_url("library"))
    await upgrade(db, *MIGRATIONS)
    service = LibraryService(db, settings)
    start = time.perf_counter()
    first = await ingest_demo(service, "demo")
    first_s = time.perf_counter() - start
    start = time.perf_counter()
    again = await ingest_demo(service, "demo")
    again_s = time.perf_counter() - start
    assert again.unchanged == first.added and again.added == 0, again
    await db.close()
    return first_s, again_s, first.added


async def build_large(home: Path, chunks: int, seed: int = 5) -> None:
    """Write generated Markdown files totalling about `chunks` chunks and ingest them into collection `big`."""
    rng = random.Random(seed)
    sentences = corpus_sentences()
    docs = home / "big"
    docs.mkdir()
    per_doc = 20
    settings = LibrarySettings(data_dir=home, model_dir=model_dir(), db=f"sqlite:///{home / 'library.db'}")
    chars = settings.chunk_chars - settings.chunk_overlap
    for i in range(max(1, chunks // per_doc)):
        sections = []
        for j in range(per_doc):
            body = []
            while sum(len(s) for s in body) < chars:
                body.append(rng.choice(sentences))
            sections.append(f"## Section {j + 1}\n\n" + " ".join(body))
        (docs / f"doc-{i:05}.md").write_text(f"# Generated guide {i}\n\n" + "\n\n".join(sections))
    db = Database(settings.database_url("library"))
    await upgrade(db, *MIGRATIONS)
    service = LibraryService(db, settings)
    plan = plan_paths([str(docs)], roots=[docs], max_bytes=settings.max_file_bytes)
    await service.ingest("demo", "big", plan, tags=[])
    await db.close()


async def search_latency(url: str, queries: int) -> list[float]:
    samples = []
    async with httpx.AsyncClient(timeout=120) as http:
        for i in range(queries + 5):
            args = {"query": QUESTIONS[i % len(QUESTIONS)], "collection": "big", "top_k": 5}
            start = time.perf_counter()
            r = await http.post(url, json=mcp_call(i, "search", args), headers=HEADERS)
            elapsed = time.perf_counter() - start
            result = r.json()["result"]
            assert not result.get("isError") and result["structuredContent"]["hits"], result
            if i >= 5:  # the first calls build the lexical index
                samples.append(elapsed)
    return samples


def main(chunks: int, n_texts: int, queries: int) -> None:
    rng = random.Random(1)
    sentences = corpus_sentences()
    # Padding waste depends on length: short chunks (a sentence or two, like FAQ answers) gain most; chunks near
    # the 256-token cap gain little. Both are shown.
    for label, low, high in (("short chunks, 1-2 sentences", 1, 2), ("long chunks, 6-10 sentences", 6, 10)):
        texts = [" ".join(rng.sample(sentences, rng.randint(low, high))) for _ in range(n_texts)]
        print_table(
            f"embedding {n_texts} {label} (chunks/s)",
            ["function", "chunks/s", "ratio", "min cosine to Chroma"],
            embedding_throughput(texts),
        )
    with tempfile.TemporaryDirectory(prefix="salient-bench-") as tmp:
        first_s, again_s, added = asyncio.run(ingest_timings(Path(tmp)))
    print_table(
        f"ingest of the demo corpus ({added} documents, collection {DEMO_COLLECTION!r})",
        ["run", "seconds", "ratio"],
        [["first ingest", first_s, 1.0], ["re-ingest, unchanged", again_s, first_s / again_s]],
    )
    with tempfile.TemporaryDirectory(prefix="salient-bench-") as tmp:
        home = Path(tmp)
        start = time.perf_counter()
        asyncio.run(build_large(home, chunks))
        build_s = time.perf_counter() - start
        port = free_port()
        server = [
            str(BIN / "salient-library"),
            "--db",
            f"sqlite:///{home / 'library.db'}",
            "--http",
            "--port",
            str(port),
            "--log-level",
            "WARNING",
        ]
        env = {"XDG_DATA_HOME": str(home.parent), "SALIENT_LIBRARY_DATA_DIR": str(home)}
        env["SALIENT_LIBRARY_MODEL_DIR"] = str(model_dir())
        with process(server, health_url=f"http://127.0.0.1:{port}/healthz", env=env):
            samples = asyncio.run(search_latency(f"http://127.0.0.1:{port}/mcp", queries))
    s = summary_ms(samples)
    print_table(
        f"hybrid search over HTTP on ~{chunks:,} chunks ({queries} queries, ms)",
        ["build + ingest (s)", "p50", "p95", "p99"],
        [[build_s, s["p50"], s["p95"], s["p99"]]],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=2_000, help="Size of the search collection (20,000 takes long).")
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    main(args.chunks, args.texts, args.queries)
