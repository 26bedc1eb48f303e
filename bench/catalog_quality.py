"""Catalog ranking quality on the judged query set: nDCG@10, MRR of the first product judged 3, and how many
queries put a merely related product (an accessory) first, for the dev and test halves.

Every query in `catalog_judgments.json` goes through the real `CatalogService.search` (the code behind the
`search_products` tool) over the demo catalog imported into a fresh SQLite database. `--compare REV` runs the same
queries against the catalog package as it was at a git revision (exported to a temporary directory and run in a
subprocess), and prints both side by side.

    uv run python bench/catalog_quality.py [--compare main] [--split dev] [--show 5] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

JUDGMENTS = Path(__file__).with_name("catalog_judgments.json")
ROOT = Path(__file__).resolve().parent.parent
K = 10


async def rankings(queries: list[str]) -> dict[str, list[str]]:
    """Each query's first K handles, through the catalog service over the demo catalog."""
    from salient_catalog.demo import load_demo_into
    from salient_catalog.server import MIGRATIONS
    from salient_catalog.service import CatalogService
    from salient_core.db import Database
    from salient_core.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{tmp}/catalog.db")
        try:
            await upgrade(db, *MIGRATIONS)
            await load_demo_into(db, "demo")
            service = CatalogService(db)
            out: dict[str, list[str]] = {}
            for q in queries:
                result = await service.search(
                    "demo",
                    query=q,
                    category=None,
                    price_min=None,
                    price_max=None,
                    in_stock=None,
                    attributes={},
                    sort="relevance",
                    limit=K,
                    cursor=None,
                    detail="summary",
                )
                out[q] = [hit.product.id for hit in result.hits]
            return out
        finally:
            await db.close()


def ndcg(ranked: list[str], grades: dict[str, int]) -> float:
    gains = [(2 ** grades.get(h, 0) - 1) for h in ranked[:K]]
    ideal = sorted((2**g - 1 for g in grades.values()), reverse=True)[:K]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 0.0


def reciprocal_rank(ranked: list[str], grades: dict[str, int]) -> float:
    return next((1 / (i + 1) for i, h in enumerate(ranked[:K]) if grades.get(h) == 3), 0.0)


def scores(judged: list[dict[str, Any]], ranked: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for split in ("dev", "test", "all"):
        part = [q for q in judged if split in ("all", q["split"])]
        n = len(part)
        out[split] = {
            "queries": n,
            "ndcg@10": sum(ndcg(ranked[q["query"]], q["grades"]) for q in part) / n,
            "mrr": sum(reciprocal_rank(ranked[q["query"]], q["grades"]) for q in part) / n,
            "related first": sum(1 for q in part if ranked[q["query"]] and q["grades"].get(ranked[q["query"]][0]) == 1),
            "nothing relevant first": sum(
                1 for q in part if not ranked[q["query"]] or ranked[q["query"]][0] not in q["grades"]
            ),
        }
    return out


def rankings_at(rev: str, queries: list[str]) -> dict[str, list[str]]:
    """The rankings the catalog package at a git revision gives: its source exported, this script run on it."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "servers/catalog/src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        env = {**os.environ, "PYTHONPATH": f"{tmp}/servers/catalog/src"}
        done = subprocess.run(
            [sys.executable, __file__, "--rankings-only"],
            input=json.dumps(queries),
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=tmp,
        )
        return json.loads(done.stdout)


def show(judged: list[dict[str, Any]], ranked: dict[str, list[str]], n: int) -> None:
    worst = sorted(judged, key=lambda q: ndcg(ranked[q["query"]], q["grades"]))[:n]
    for q in worst:
        marks = [f"{h}({q['grades'].get(h, 0)})" for h in ranked[q["query"]][:5]]
        print(f"{ndcg(ranked[q['query']], q['grades']):.3f} {q['query']!r} [{q['split']}]: {', '.join(marks)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", metavar="REV", help="also score the catalog package at this git revision")
    parser.add_argument("--split", choices=["dev", "test", "all"], default="all", help="queries to --show from")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print the N worst queries' top 5")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--rankings-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rankings_only:  # the --compare subprocess: queries on stdin, rankings on stdout
        print(json.dumps(asyncio.run(rankings(json.loads(sys.stdin.read())))))
        return
    judged: list[dict[str, Any]] = json.loads(JUDGMENTS.read_text(encoding="utf-8"))["queries"]
    queries = [q["query"] for q in judged]
    now = scores(judged, ranked := asyncio.run(rankings(queries)))
    before = scores(judged, rankings_at(args.compare, queries)) if args.compare else None
    if args.json:
        print(json.dumps({"now": now, "before": before}, indent=1))
    else:
        header = f"{'split':<6}{'queries':>8}"
        for metric in ("ndcg@10", "mrr", "related first", "nothing relevant first"):
            header += f"{metric:>24}"
        print(header + ("   (before -> now)" if before else ""))
        for split, figures in now.items():
            line = f"{split:<6}{figures['queries']:>8}"
            for metric in ("ndcg@10", "mrr", "related first", "nothing relevant first"):
                value = figures[metric]
                text = f"{value:.3f}" if isinstance(value, float) else str(value)
                if before:
                    old = before[split][metric]
                    text = (f"{old:.3f}" if isinstance(old, float) else str(old)) + " -> " + text
                line += f"{text:>24}"
            print(line)
    if args.show:
        show([q for q in judged if args.split in ("all", q["split"])], ranked, args.show)


if __name__ == "__main__":
    main()
