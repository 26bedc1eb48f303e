"""A 50,000-product catalog: import rate, then search_products latency end to end over HTTP.

Products are generated from the demo catalog (its categories, brands, attribute shapes and words), so the
vocabulary and filters look like a real store's. Import runs in-process on SQLite (the CLI's code path);
search runs against `salient-catalog --http` over 200 varied queries: words, typos, synonyms, filters, browsing.

    uv run python bench/catalog_search.py [--products 50000] [--queries 200]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import random
import tempfile
import time
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
from common import BIN, free_port, mcp_call, mcp_headers, print_table, process, summary_ms
from salient_catalog import importer
from salient_catalog.server import MIGRATIONS
from salient_core.db import Database
from salient_core.migrate import upgrade

HEADERS = mcp_headers("search_products")
MODIFIERS = ["Pro", "Plus", "Lite", "Max", "Air", "Classic", "Elite", "Go", "Prime", "Sport", "Care", "Flex"]


def generate(n: int, seed: int = 7) -> dict[str, Any]:
    demo = json.loads((files("salient_catalog") / "demo" / "catalog.json").read_text())
    rng = random.Random(seed)
    products = []
    for i in range(n):
        base = copy.deepcopy(rng.choice(demo["products"]))
        suffix = f"{rng.choice(MODIFIERS)} {i % 997}"
        base["handle"] = f"{base['handle']}-{i}"
        base["name"] = f"{base['name']} {suffix}"
        base["url"] = f"https://brightwell.example/products/{base['handle']}"
        for j, v in enumerate(base["variants"]):
            v["sku"] = f"G{i}-{j}"
            price = float(v["price"]) * rng.uniform(0.7, 1.4)
            v["price"] = f"{price:.2f}"
            v["compare_at_price"] = f"{price * 1.15:.2f}" if rng.random() < 0.2 else None
            v["stock"] = rng.choice([0, 1, 3, 8, 20, 50])
        for key, value in list(base["attributes"].items()):
            if isinstance(value, float):
                base["attributes"][key] = round(value * rng.uniform(0.8, 1.2), 1)
        products.append(base)
    return {"categories": demo["categories"], "synonyms": demo["synonyms"], "products": products}


def queries(data: dict[str, Any], n: int, seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    names = [p["name"] for p in data["products"][:2000]]
    leaves = [c["slug"] for c in data["categories"] if c["parent"]]
    out: list[dict[str, Any]] = []
    while len(out) < n:
        words = rng.choice(names).split()
        kind = len(out) % 8
        if kind == 0:
            out.append({"query": " ".join(rng.sample(words, min(2, len(words))))})
        elif kind == 1:
            word = max(words, key=len)
            pos = rng.randrange(1, len(word) - 1)
            out.append({"query": word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]})  # a transposition typo
        elif kind == 2:
            out.append({"query": rng.choice(["bp monitor", "walker with seat", "hoyer lift", "spo2 monitor"])})
        elif kind == 3:
            out.append({"query": rng.choice(words), "price_max": rng.choice([50, 100, 300, 600]), "in_stock": True})
        elif kind == 4:
            out.append({"category": rng.choice(leaves), "sort": rng.choice(["price_asc", "price_desc", "name"])})
        elif kind == 5:
            out.append({"query": " ".join(words[:3]), "detail": "full", "limit": 5})
        elif kind == 6:
            out.append({"query": "folding wheelchair", "attributes": {"foldable": True}, "price_max": 600})
        else:
            out.append({"query": f"{rng.choice(words)} {rng.choice(words)} {rng.choice(MODIFIERS).lower()}"})
    return out


async def search_latency(url: str, plan: list[dict[str, Any]]) -> tuple[float, list[float], int]:
    async with httpx.AsyncClient(timeout=120) as http:
        start = time.perf_counter()
        first = await http.post(url, json=mcp_call(0, "search_products", {"query": "wheelchair"}), headers=HEADERS)
        first_ms = (time.perf_counter() - start) * 1000
        assert "result" in first.json(), first.text
        samples, empty = [], 0
        for i, args in enumerate(plan):
            start = time.perf_counter()
            r = await http.post(url, json=mcp_call(i + 1, "search_products", args), headers=HEADERS)
            samples.append(time.perf_counter() - start)
            result = r.json()["result"]
            assert not result.get("isError"), (args, result)
            empty += result["structuredContent"]["total"] == 0
    return first_ms, samples, empty


def main(n: int, n_queries: int) -> None:
    data = generate(n)
    with tempfile.TemporaryDirectory(prefix="salient-bench-") as home:
        url = f"sqlite:///{Path(home) / 'catalog.db'}"

        async def load() -> tuple[float, float, importer.ImportReport]:
            db = Database(url)
            await upgrade(db, *MIGRATIONS)
            start = time.perf_counter()
            parsed = importer.parse_json(copy.deepcopy(data))
            parsed_at = time.perf_counter()
            report = await importer.write(db, "demo", parsed)
            done = time.perf_counter()
            again = await importer.write(db, "demo", importer.parse_json(copy.deepcopy(data)))
            assert again.unchanged == n, again
            await db.close()
            return parsed_at - start, done - start, report

        parse_s, total_s, report = asyncio.run(load())
        assert report.created == n, report
        port = free_port()
        server = [str(BIN / "salient-catalog"), "--db", url, "--http", "--port", str(port), "--log-level", "WARNING"]
        with process(server, health_url=f"http://127.0.0.1:{port}/healthz", env={"XDG_DATA_HOME": home}):
            first_ms, samples, empty = asyncio.run(
                search_latency(f"http://127.0.0.1:{port}/mcp", queries(data, n_queries))
            )
    s = summary_ms(samples)
    print_table(
        f"import of {n:,} generated products into SQLite",
        ["step", "seconds", "products/s"],
        [["validate (parse)", parse_s, n / parse_s], ["parse + write, one transaction", total_s, n / total_s]],
    )
    print_table(
        f"search_products over HTTP, {len(samples)} varied queries on {n:,} products (ms)",
        ["first call (builds index)", "p50", "p95", "p99", "mean", "queries with no hit"],
        [[first_ms, s["p50"], s["p95"], s["p99"], s["mean"], empty]],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    main(args.products, args.queries)
