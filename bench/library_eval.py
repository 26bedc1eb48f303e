"""Retrieval quality of the library on the demo help center: recall@5 and MRR, lexical vs dense vs hybrid.

The questions are in `library_eval.json`, each with the demo documents that answer it (by slug; a hit's citation
URL is `https://brightwell.example/help/<slug>`). The demo is ingested in-process, with the library's own service
and demo code, into a fresh temporary data directory; every question is asked in each mode with top_k=5.

Per question, over the 5 passages returned (several may come from the same document):
recall@5 = share of the answering documents cited at least once; reciprocal rank = 1 / position of the first
passage from an answering document (0 when none). The tables give the means, the same by kind of question,
the questions hybrid misses (where the answering documents rank at depth 50 in each mode), and those where
hybrid ranks the answer lower than one ranker alone.

The set is split in two by a hash of each question's id (not by hand): `dev` and `test`. The fusion's one
parameter, the weight of the dense score (`salient_library.ranking.DENSE_WEIGHT`), is chosen on `dev` only:
`--tune` re-fuses every question's 50 candidates at weights 0 to 1 and prints both halves, so anyone can see
whether the choice carries over to questions it was not chosen on. Results are printed for all questions and
for each half.

Source ids are random (`src_<uuid4>`) and chunk ids start with them, so fused scores that tie are ordered
differently from run to run. To be deterministic the bench draws those ids from a seeded generator; `--seed`
picks another draw, to see how much the figures move on ties alone.

The embedding model comes from SALIENT_LIBRARY_MODEL_DIR, else ../shared/models/all-MiniLM-L6-v2/onnx beside
the repository.

    uv run python bench/library_eval.py [--seed 0] [--check] [--tune]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args
from unittest import mock

from common import console, print_table
from salient_core.db import Database
from salient_core.migrate import upgrade
from salient_library import ingest as ingest_module
from salient_library import repository as repo
from salient_library.demo import DEMO_COLLECTION, ingest_demo
from salient_library.demo_corpus import BASE_URL, load_docs
from salient_library.embeddings import missing_files
from salient_library.ranking import DENSE_WEIGHT, fuse, tokens
from salient_library.retrieval import Mode
from salient_library.server import MIGRATIONS
from salient_library.service import LibraryService
from salient_library.settings import LibrarySettings

HERE = Path(__file__).parent
EVAL_FILE = HERE / "library_eval.json"
MODES: tuple[Mode, ...] = ("lexical", "dense", "hybrid")
assert set(MODES) == set(get_args(Mode))
TOP_K = 5
DEPTH = 50  # how deep to look for a missed answer, to show how far off it was
ACCOUNT = "bench"


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text: str
    sources: frozenset[str]

    @property
    def split(self) -> str:
        return "dev" if hashlib.sha256(self.id.encode()).digest()[0] % 2 == 0 else "test"


@dataclass(frozen=True)
class Candidate:
    slug: str
    chunk_id: str
    similarity: float
    lexical: float


@dataclass
class Outcome:
    ranked: dict[Mode, list[str]] = field(default_factory=dict)  # slug of each returned passage, best first
    candidates: list[Candidate] = field(default_factory=list)  # hybrid's 50 candidates with both scores

    def recall(self, mode: Mode, expected: frozenset[str]) -> float:
        return len(expected & set(self.ranked[mode])) / len(expected)

    def rr(self, mode: Mode, expected: frozenset[str]) -> float:
        for position, slug in enumerate(self.ranked[mode], 1):
            if slug in expected:
                return 1 / position
        return 0.0


class SeededUUID:
    """Stands in for the `uuid` module inside the library's ingest code: uuid4() from a seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def uuid4(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


def model_dir() -> Path:
    configured = os.environ.get("SALIENT_LIBRARY_MODEL_DIR")
    if configured:
        return Path(configured)
    return (HERE.parent / ".." / "shared" / "models" / "all-MiniLM-L6-v2" / "onnx").resolve()


def load_questions(path: Path) -> list[Question]:
    """The evaluation set, checked against the demo corpus: known slugs, unique ids, word-free paraphrases."""
    docs = {doc.slug: doc for doc in load_docs()}
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["collection"] == DEMO_COLLECTION, raw["collection"]
    questions = [Question(q["id"], q["kind"], q["question"], frozenset(q["sources"])) for q in raw["questions"]]
    problems = []
    if len({q.id for q in questions}) != len(questions):
        problems.append("question ids are not unique")
    for q in questions:
        if not q.sources:
            problems.append(f"{q.id}: no sources")
        for slug in sorted(q.sources - docs.keys()):
            problems.append(f"{q.id}: {slug!r} is not a demo document")
        if q.kind == "multi" and len(q.sources) < 2:
            problems.append(f"{q.id}: kind multi with one source")
        if q.kind == "paraphrase":
            for slug in q.sources & docs.keys():
                doc = docs[slug]
                words = set(tokens(" ".join([doc.title, *(f"{h} {t}" for h, t in doc.sections)])))
                shared = sorted(set(tokens(q.text)) & words)
                if shared:
                    problems.append(f"{q.id}: a paraphrase sharing {shared} with {slug}")
    if problems:
        sys.exit("library_eval.json: " + "; ".join(problems))
    return questions


def slug_of(url: str | None) -> str:
    assert url and url.startswith(BASE_URL), url
    return url.removeprefix(BASE_URL)


async def evaluate(
    questions: list[Question], model: Path, seed: int
) -> tuple[dict[str, Outcome], dict[str, dict[Mode, int]]]:
    """Each question's top-5 slugs per mode; for questions hybrid misses, the best rank of an answer at depth 50."""
    with tempfile.TemporaryDirectory(prefix="salient-bench-") as home:
        # Explicit values win over SALIENT_LIBRARY_* variables: SQLite and Chroma in the scratch directory only.
        fresh: dict[str, Any] = {"data_dir": Path(home), "db": None, "chroma_path": None, "file_roots": []}
        settings = LibrarySettings(**fresh, model_dir=model)
        db = Database(settings.database_url("library"))
        try:
            await upgrade(db, *MIGRATIONS)
            service = LibraryService(db, settings)
            start = time.perf_counter()
            with mock.patch.object(ingest_module, "uuid", SeededUUID(seed)):
                report = await ingest_demo(service, ACCOUNT)
            assert report.added == len(load_docs()) and not report.problems, report
            console.print(f"demo ingested: {report.added} documents in {time.perf_counter() - start:.1f} s")

            async def ranked(query: str, mode: Mode, top_k: int) -> list[str]:
                result = await service.search(ACCOUNT, query=query, collection=DEMO_COLLECTION, top_k=top_k, mode=mode)
                return [slug_of(hit.citation.url) for hit in result.hits]

            async with db.session(account=ACCOUNT) as session:
                state = await repo.collection_state(session, ACCOUNT, DEMO_COLLECTION)
            outcomes: dict[str, Outcome] = {}
            for q in questions:
                outcome = outcomes[q.id] = Outcome()
                for mode in MODES:
                    outcome.ranked[mode] = await ranked(q.text, mode, TOP_K)
                found = await service.retriever.search(
                    ACCOUNT, DEMO_COLLECTION, q.text, state=state, source_ids=None, top_k=DEPTH, mode="hybrid"
                )
                outcome.candidates = [
                    Candidate(slug_of(s.chunk.metadata.get("url")), s.chunk.id, s.similarity or 0.0, s.lexical or 0.0)
                    for s in found
                ]
            deep: dict[str, dict[Mode, int]] = {}
            for q in questions:
                if outcomes[q.id].recall("hybrid", q.sources) < 1:
                    deep[q.id] = {}
                    for mode in MODES:
                        slugs = await ranked(q.text, mode, DEPTH)
                        deep[q.id][mode] = next((i for i, s in enumerate(slugs, 1) if s in q.sources), 0)
            return outcomes, deep
        finally:
            await db.close()


def means(questions: list[Question], outcomes: dict[str, Outcome], mode: Mode) -> tuple[float, float, float]:
    n = len(questions)
    recall = sum(outcomes[q.id].recall(mode, q.sources) for q in questions) / n
    mrr = sum(outcomes[q.id].rr(mode, q.sources) for q in questions) / n
    first = sum(outcomes[q.id].rr(mode, q.sources) == 1 for q in questions) / n
    return recall, mrr, first


def report(questions: list[Question], outcomes: dict[str, Outcome], deep: dict[str, dict[Mode, int]]) -> bool:
    overall = {mode: means(questions, outcomes, mode) for mode in MODES}
    rows = []
    for label, subset in (
        ("all", questions),
        ("dev", [q for q in questions if q.split == "dev"]),
        ("test", [q for q in questions if q.split == "test"]),
    ):
        for mode in MODES:
            rows.append([f"{label} ({len(subset)})", mode, *(f"{v:.3f}" for v in means(subset, outcomes, mode))])
    print_table(
        f"library search on the demo help center: {len(questions)} questions, top_k={TOP_K}, "
        f"dense weight {DENSE_WEIGHT}",
        ["questions", "mode", "recall@5", "MRR", "answer first"],
        rows,
    )

    kinds = sorted({q.kind for q in questions})
    rows = []
    for kind in kinds:
        subset = [q for q in questions if q.kind == kind]
        cells = [f"{r:.2f} / {m:.2f}" for r, m, _ in (means(subset, outcomes, mode) for mode in MODES)]
        rows.append([kind, len(subset), *cells])
    print_table("by kind of question (recall@5 / MRR)", ["kind", "questions", *MODES], rows)

    by_id = {q.id: q for q in questions}
    rows = []
    for qid, ranks in deep.items():
        q = by_id[qid]
        rows.append(
            [
                qid,
                q.text,
                ", ".join(sorted(q.sources)),
                *(str(ranks[mode] or f">{DEPTH}") for mode in MODES),
            ]
        )
    if rows:
        print_table(
            f"questions hybrid misses: best rank of an answering document, at depth {DEPTH}",
            ["id", "question", "expected", *MODES],
            rows,
        )
    else:
        console.print(f"hybrid misses no question: every answering document is in its top {TOP_K}")

    rows = []
    for q in questions:
        rr = {mode: outcomes[q.id].rr(mode, q.sources) for mode in MODES}
        if rr["hybrid"] < max(rr["lexical"], rr["dense"]):
            rows.append([q.id, q.text, *(f"{rr[mode]:.2f}" for mode in MODES)])
    if rows:
        print_table(
            "questions where hybrid ranks the answer lower than one ranker alone (reciprocal rank)",
            ["id", "question", *MODES],
            rows,
        )

    hybrid = overall["hybrid"]
    for i, name in ((0, "recall@5"), (1, "MRR")):
        best_alone = max(overall["lexical"][i], overall["dense"][i])
        verdict = "beats" if hybrid[i] > best_alone else ("ties" if hybrid[i] == best_alone else "loses to")
        colour = {"beats": "green", "ties": "yellow"}.get(verdict, "red")
        console.print(
            f"{name}: hybrid {hybrid[i]:.3f} [{colour}]{verdict}[/{colour}] the best single ranker ({best_alone:.3f})"
        )
    return all(hybrid[i] > max(overall["lexical"][i], overall["dense"][i]) for i in (0, 1))


def refused(outcome: Outcome, weight: float) -> list[str]:
    """The top-5 slugs when the candidates are fused at `weight` (the library's own `fuse` and tie order)."""
    order = sorted(outcome.candidates, key=lambda c: (-fuse(c.similarity, c.lexical, dense_weight=weight), c.chunk_id))
    return [c.slug for c in order[:TOP_K]]


def tune(questions: list[Question], outcomes: dict[str, Outcome]) -> None:
    """Recall@5 and MRR of hybrid at each dense weight, on dev (where the weight is chosen) and test."""
    rows = []
    dev_size = sum(q.split == "dev" for q in questions)
    best: tuple[float, float, float] | None = None
    for step in range(21):
        weight = step / 20
        cells: list[str] = []
        for split in ("dev", "test"):
            subset = [q for q in questions if q.split == split]
            recall = mrr = 0.0
            for q in subset:
                probe = Outcome(ranked={"hybrid": refused(outcomes[q.id], weight)})
                recall += probe.recall("hybrid", q.sources)
                mrr += probe.rr("hybrid", q.sources)
            cells += [f"{recall / len(subset):.3f}", f"{mrr / len(subset):.3f}"]
            if split == "dev" and (best is None or (mrr, recall) > (best[1], best[2])):
                best = (weight, mrr, recall)
        rows.append([f"{weight:.2f}" + (" (current)" if abs(weight - DENSE_WEIGHT) < 1e-9 else ""), *cells])
    print_table(
        "hybrid at each dense weight (0 = lexical only, 1 = dense only); choose on dev",
        ["dense weight", "dev recall@5", "dev MRR", "test recall@5", "test MRR"],
        rows,
    )
    if best is not None:
        console.print(
            f"best on dev: dense weight {best[0]:.2f} (MRR {best[1] / dev_size:.3f}, "
            f"recall@5 {best[2] / dev_size:.3f}; ties go to the lower weight)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--eval", type=Path, default=EVAL_FILE, help="The evaluation set (JSON).")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the source ids (they break ties).")
    parser.add_argument("--check", action="store_true", help="Exit 1 unless hybrid beats both rankers alone.")
    parser.add_argument("--tune", action="store_true", help="Also sweep the dense weight on the dev half.")
    args = parser.parse_args()

    questions = load_questions(args.eval)
    model = model_dir()
    missing = missing_files(model)
    if missing:
        sys.exit(f"embedding model not at {model} (missing {', '.join(missing)}); set SALIENT_LIBRARY_MODEL_DIR")
    start = time.perf_counter()
    outcomes, deep = asyncio.run(evaluate(questions, model, args.seed))
    beats = report(questions, outcomes, deep)
    if args.tune:
        tune(questions, outcomes)
    console.print(f"{len(questions)} questions x {len(MODES)} modes in {time.perf_counter() - start:.1f} s")
    if args.check and not beats:
        sys.exit(1)


if __name__ == "__main__":
    main()
