"""Retrieval quality of the library on an unseen help centre (Obsidian Help), against plain BM25 over the same chunks.

The demo help centre is saturated (recall@5 0.99); this set is not. The corpus is the English Obsidian Help
vault (github.com/obsidianmd/obsidian-help, `en/`, 173 Markdown pages with front matter). Its repository states
no licence, so it is not committed here: pass the `en` directory with `--docs` (a clone at the commit in
`library_help_eval.json`). Only the questions and their judgments are committed.

Each page is ingested with the library's own service (the code behind the `ingest` tool) from the directory, and
every question asked with its `search` (top_k 10) in each mode, flat and with `group_by_source`. Pages are the
unit: a passage counts as its page (its path under `--docs`, without `.md`), passages of a page already seen
are skipped, so recall@5 is the share of a question's answering pages among the first five distinct pages, and
MRR@10 the reciprocal rank of the first answering page among the distinct pages of the ten passages.

`bm25` is the baseline: textbook Okapi BM25 (k1 1.5, b 0.75) over the very chunks the library stored, each
chunk's text as stored, lowercased words, no stemming.

Questions are `paraphrase` (a customer's words, avoiding the page's vocabulary) or `exact` (hinging on a literal
term: a command, a setting, an error). The split is fixed by a hash of each question's id: `dev` to tune on,
`test` to report.

The data directory (`--data`, default ~/.cache/salient-bench/library-help) is kept between runs: unchanged pages
are not embedded again (the library skips them by content hash), so only the first run pays for embedding.

    uv run python bench/library_help_eval.py --docs /path/to/obsidian-help/en
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from common import console, print_table
from salient_core.db import Database
from salient_core.migrate import upgrade
from salient_library.retrieval import Mode
from salient_library.server import MIGRATIONS
from salient_library.service import LibraryService
from salient_library.settings import LibrarySettings

HERE = Path(__file__).parent
EVAL_FILE = HERE / "library_help_eval.json"
ACCOUNT = "bench"
COLLECTION = "help"
TOP_K = 10
ARMS: tuple[str, ...] = ("bm25", "lexical", "dense", "hybrid", "hybrid-grouped")
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text: str
    pages: frozenset[str]

    @property
    def split(self) -> str:
        return "dev" if hashlib.sha256(self.id.encode()).digest()[0] % 2 == 0 else "test"


@dataclass
class Outcome:
    ranked: dict[str, list[str]] = field(default_factory=dict)  # arm -> distinct pages in rank order

    def recall(self, arm: str, expected: frozenset[str]) -> float:
        return len(set(self.ranked[arm][:5]) & expected) / len(expected)

    def rr(self, arm: str, expected: frozenset[str]) -> float:
        return next((1 / n for n, page in enumerate(self.ranked[arm][:TOP_K], 1) if page in expected), 0.0)


class PlainBM25:
    """Textbook Okapi BM25 over lowercased words: the baseline a lexical arm must at least match."""

    def __init__(self, texts: list[str], *, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.docs = [Counter(WORD.findall(t.lower())) for t in texts]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.average = sum(self.lengths) / len(self.lengths)
        frequency: Counter[str] = Counter()
        for d in self.docs:
            frequency.update(d.keys())
        n = len(self.docs)
        self.idf = {t: math.log((n - f + 0.5) / (f + 0.5) + 1) for t, f in frequency.items()}

    def rank(self, query: str, limit: int) -> list[int]:
        terms = WORD.findall(query.lower())
        scores: list[tuple[float, int]] = []
        for i, d in enumerate(self.docs):
            norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / self.average)
            s = sum(self.idf[t] * d[t] * (self.k1 + 1) / (d[t] + norm) for t in terms if t in d)
            if s > 0:
                scores.append((-s, i))
        return [i for _, i in sorted(scores)[:limit]]


def distinct(pages: list[str]) -> list[str]:
    return list(dict.fromkeys(pages))


def load_questions(path: Path, docs: Path) -> list[Question]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    questions = [Question(q["id"], q["kind"], q["question"], frozenset(q["pages"])) for q in raw["questions"]]
    problems = [
        f"{q.id}: no page {p!r}" for q in questions for p in sorted(q.pages) if not (docs / f"{p}.md").is_file()
    ]
    if len({q.id for q in questions}) != len(questions):
        problems.append("question ids are not unique")
    if problems:
        sys.exit("library_help_eval.json: " + "; ".join(problems))
    return questions


async def evaluate(questions: list[Question], docs: Path, data: Path, model: Path) -> dict[str, Outcome]:
    # Explicit values win over SALIENT_LIBRARY_* variables: SQLite and embedded Chroma in the data directory only.
    explicit: dict[str, Any] = {"data_dir": data, "db": None, "chroma": None, "model_dir": model, "file_roots": [docs]}
    settings = LibrarySettings(**explicit)
    db = Database(settings.database_url("library"))
    service: LibraryService | None = None
    try:
        await upgrade(db, *MIGRATIONS)
        service = LibraryService(db, settings)
        start = time.perf_counter()
        report = await service.ingest(ACCOUNT, COLLECTION, service.plan(paths=[str(docs)]), tags=[])
        console.print(
            f"ingested {report.added} added, {report.updated} updated, {report.unchanged} unchanged "
            f"in {time.perf_counter() - start:.1f} s; problems: {report.problems or 'none'}"
        )
        root = str(docs) + "/"  # resolved by main()

        def page(path: str | None) -> str:
            assert path and path.startswith(root), path
            return path.removeprefix(root).removesuffix(".md")

        chunks = await asyncio.to_thread(service.store.all_chunks, ACCOUNT, COLLECTION)
        console.print(f"{len(chunks)} chunks")
        baseline = PlainBM25([c.text for c in chunks])
        outcomes: dict[str, Outcome] = {}
        for q in questions:
            outcome = outcomes[q.id] = Outcome()
            outcome.ranked["bm25"] = distinct(
                [page(str(chunks[i].metadata.get("origin"))) for i in baseline.rank(q.text, TOP_K)]
            )
            for arm in ARMS[1:]:
                mode = cast(Mode, "hybrid" if arm.startswith("hybrid") else arm)
                result = await service.search(
                    ACCOUNT,
                    query=q.text,
                    collection=COLLECTION,
                    top_k=TOP_K,
                    mode=mode,
                    group_by_source=arm == "hybrid-grouped",
                )
                outcome.ranked[arm] = distinct([page(h.citation.path) for h in result.hits])
        return outcomes
    finally:
        if service is not None:
            await asyncio.to_thread(service.close)
        await db.close()


def report(questions: list[Question], outcomes: dict[str, Outcome], show_misses: bool) -> None:
    rows: list[list[Any]] = []
    for split in ("dev", "test", "all"):
        for kind in ("paraphrase", "exact", "all"):
            chosen = [q for q in questions if split in ("all", q.split) and kind in ("all", q.kind)]
            if not chosen:
                continue
            row: list[Any] = [split, kind, len(chosen)]
            for arm in ARMS:
                r = sum(outcomes[q.id].recall(arm, q.pages) for q in chosen) / len(chosen)
                m = sum(outcomes[q.id].rr(arm, q.pages) for q in chosen) / len(chosen)
                row.append(f"{r:.3f} / {m:.3f}")
            rows.append(row)
    print_table("recall@5 / MRR@10 of distinct pages", ["split", "kind", "n", *ARMS], rows)
    if show_misses:
        for q in questions:
            if q.split == "dev" and outcomes[q.id].recall("hybrid", q.pages) < 1:
                console.print(
                    f"[dev miss] {q.id} {q.text!r} want {sorted(q.pages)} got {outcomes[q.id].ranked['hybrid'][:5]}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--docs", type=Path, required=True, help="The obsidian-help `en` directory.")
    parser.add_argument("--eval", type=Path, default=EVAL_FILE, help="Questions and judgments (JSON).")
    parser.add_argument(
        "--data",
        type=Path,
        default=Path.home() / ".cache" / "salient-bench" / "library-help",
        help="Kept between runs.",
    )
    parser.add_argument("--misses", action="store_true", help="List the dev questions hybrid misses.")
    args = parser.parse_args()
    model = Path(
        os.environ.get("SALIENT_LIBRARY_MODEL_DIR")
        or (HERE.parent / ".." / "shared" / "models" / "all-MiniLM-L6-v2" / "onnx").resolve()
    )
    docs = args.docs.resolve()
    questions = load_questions(args.eval, docs)
    counts = Counter((q.split, q.kind) for q in questions)
    console.print(f"{len(questions)} questions: " + ", ".join(f"{s}/{k} {n}" for (s, k), n in sorted(counts.items())))
    args.data.mkdir(parents=True, exist_ok=True)
    outcomes = asyncio.run(evaluate(questions, docs, args.data, model))
    report(questions, outcomes, args.misses)


if __name__ == "__main__":
    main()
