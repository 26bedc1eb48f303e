"""Catalogs of 1,000 / 10,000 / 50,000 products: import rate, then search_products latency end to end over HTTP.

Products are generated from the demo catalog (its categories, brands, attribute shapes and words), so the
vocabulary and filters look like a real store's. Import runs in-process on SQLite (the CLI's code path);
search runs against `salient-catalog --http` over 200 varied queries: words, typos, synonyms, filters, browsing.
Each search is followed by a `get_product` on the same server: its p50 is the per-call floor the search is
measured against, and each size's p50 is also given as a ratio to the smallest size's (the growth).

    uv run python bench/catalog_search.py [--sizes 1000,10000,50000] [--queries 200] [--rounds 2] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import cProfile
import json
import os
import pstats
import random
import tempfile
import time
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
from common import BIN, Goal, free_port, mcp_call, mcp_headers, print_table, process, record, record_scale, summary_ms
from salient_catalog import importer
from salient_catalog.server import MIGRATIONS
from salient_catalog.service import CatalogService
from salient_core.db import Database
from salient_core.migrate import upgrade

HEADERS = mcp_headers("search_products")
GET_HEADERS = mcp_headers("get_product")
SEARCH_DEFAULTS: dict[str, Any] = {
    "query": "",
    "category": None,
    "price_min": None,
    "price_max": None,
    "in_stock": None,
    "attributes": {},
    "sort": "relevance",
    "limit": 10,
    "cursor": None,
    "detail": "summary",
}
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


async def search_latency(
    url: str, plan: list[dict[str, Any]], probe: str, rounds: int
) -> tuple[float, list[float], list[float], int]:
    """First search, then `rounds` passes of the plan, each query followed by a get_product (the per-call floor)."""
    async with httpx.AsyncClient(timeout=120) as http:
        start = time.perf_counter()
        first = await http.post(url, json=mcp_call(0, "search_products", {"query": "wheelchair"}), headers=HEADERS)
        first_ms = (time.perf_counter() - start) * 1000
        assert first.status_code == 200 and "result" in payload(first), (first.status_code, first.text[:1000])
        samples, floor, empty = [], [], 0
        for _ in range(rounds):
            for i, args in enumerate(plan):
                start = time.perf_counter()
                r = await http.post(url, json=mcp_call(i + 1, "search_products", args), headers=HEADERS)
                samples.append(time.perf_counter() - start)
                result = payload(r)["result"]
                assert not result.get("isError"), (args, result)
                empty += result["structuredContent"]["total"] == 0
                start = time.perf_counter()
                r = await http.post(url, json=mcp_call(i + 1, "get_product", {"id": probe}), headers=GET_HEADERS)
                floor.append(time.perf_counter() - start)
                assert not payload(r)["result"].get("isError"), r.text
    return first_ms, samples, floor, empty


def payload(response: httpx.Response) -> dict[str, Any]:
    """The JSON-RPC reply, sent as JSON or (when the server streamed while a slow call ran) as server-sent events."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        data = [line[5:] for line in response.text.splitlines() if line.startswith("data:") and line[5:].strip()]
        return json.loads(data[-1])
    return response.json()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def load(url: str, data: dict[str, Any]) -> tuple[float, float, importer.ImportReport]:
    db = Database(url)
    await upgrade(db, *MIGRATIONS)
    start = time.perf_counter()
    parsed = importer.parse_json(copy.deepcopy(data))
    parsed_at = time.perf_counter()
    report = await importer.write(db, "demo", parsed)
    done = time.perf_counter()
    await db.close()
    return parsed_at - start, done - start, report


async def after_writes(url: str, data: dict[str, Any], with_profile: bool) -> list[list[object]]:
    """In-process, on the largest catalog: the first search after a stock change made by this process, and after
    an import of 100 changed products through another connection (another process's write); plus the profile."""
    db = Database(url)
    service = CatalogService(db, revision_ttl=0)
    rows: list[list[object]] = []
    try:
        started = time.perf_counter()
        await service.read.get("demo")
        rows.append(["build the snapshot (in-process)", (time.perf_counter() - started) * 1000])
        wheelchair = {**SEARCH_DEFAULTS, "query": "wheelchair"}
        started = time.perf_counter()
        await service.search("demo", **wheelchair)
        rows.append(["search, nothing changed", (time.perf_counter() - started) * 1000])
        sku = data["products"][0]["variants"][0]["sku"]
        key = f"bench-{time.time_ns()}"
        await service.adjust_stock("demo", sku=sku, delta=1, reason="bench", idempotency_key=key, dry_run=False)
        started = time.perf_counter()
        await service.search("demo", **wheelchair)
        rows.append(["first search after a stock change", (time.perf_counter() - started) * 1000])
        changed = copy.deepcopy(data["products"][:100])
        for p in changed:
            p["description"] += " Refreshed for the new season."
        other = Database(url)
        try:
            subset = {"categories": data["categories"], "synonyms": data["synonyms"], "products": changed}
            await importer.write(other, "demo", importer.parse_json(subset))
        finally:
            await other.close()
        started = time.perf_counter()
        await service.search("demo", **wheelchair)
        rows.append(["first search after 100 products changed elsewhere", (time.perf_counter() - started) * 1000])
        if with_profile:
            plan = queries(data, 200)
            profiler = cProfile.Profile()
            profiler.enable()
            for args in plan:
                await service.search("demo", **{**SEARCH_DEFAULTS, **args})
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    finally:
        await db.close()
    return rows


def main(sizes: list[int], n_queries: int, rounds: int, with_profile: bool) -> None:
    import_rows, search_rows, write_rows = [], [], []
    base_p50 = base_first = None
    for n in sizes:
        data = generate(n)
        plan = queries(data, n_queries)
        with tempfile.TemporaryDirectory(prefix="salient-bench-") as home:
            url = f"sqlite:///{Path(home) / 'catalog.db'}"
            parse_s, total_s, report = asyncio.run(load(url, data))
            assert report.created == n, report
            import_rows.append([f"{n:,}", parse_s, n / parse_s, total_s, n / total_s])
            port = free_port()
            server = [
                str(BIN / "salient-catalog"),
                "--db",
                url,
                "--http",
                "--port",
                str(port),
                "--log-level",
                "WARNING",
            ]
            started = time.perf_counter()
            with process(
                server, health_url=f"http://127.0.0.1:{port}/healthz", env={"XDG_DATA_HOME": home}, timeout=900
            ) as proc:
                ready_s = time.perf_counter() - started
                first_ms, samples, floor, empty = asyncio.run(
                    search_latency(f"http://127.0.0.1:{port}/mcp", plan, data["products"][0]["handle"], rounds)
                )
                rss = rss_mb(proc.pid)
            if n == sizes[-1]:
                write_rows = asyncio.run(after_writes(url, data, with_profile))
        s, f = summary_ms(samples), summary_ms(floor)
        base_p50 = base_p50 or s["p50"]
        base_first = base_first or first_ms
        record_scale("catalog search_products p50 over HTTP", n, s["p50"], "ms")
        if n == sizes[-1]:
            record(
                f"catalog search_products p50, {n:,} products",
                s["p50"],
                "ms",
                baseline=base_p50,
                vs=f"the same at {sizes[0]:,} products",
                goal=Goal("<=", 15.0),
                note=f"get_product p50 {f['p50']:.1f} ms",
            )
            record(
                f"catalog search_products first call, {n:,} products",
                first_ms,
                "ms",
                baseline=base_first,
                vs=f"the same at {sizes[0]:,} products",
                goal=Goal("<=", 1000.0),
                note=f"spawn to ready {ready_s:.1f} s",
            )
        search_rows.append(
            [
                f"{n:,}",
                ready_s,
                first_ms,
                s["p50"],
                s["p95"],
                f["p50"],
                s["p50"] / f["p50"],
                s["p50"] / base_p50,
                rss,
                empty,
            ]
        )
    print_table(
        "import of generated products into SQLite",
        ["products", "validate s", "validated/s", "parse + write s", "written/s"],
        import_rows,
    )
    print_table(
        f"search_products over HTTP, {n_queries} varied queries x {rounds} rounds (ms; load {os.getloadavg()[0]:.1f})",
        [
            "products",
            "spawn to ready s",
            "first call",
            "p50",
            "p95",
            "get_product p50",
            "p50 / get_product",
            f"p50 / {sizes[0]:,}",
            "server RSS MB",
            "no hit",
        ],
        search_rows,
    )
    print_table(f"after writes, in-process, {sizes[-1]:,} products (ms)", ["step", "ms"], write_rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="catalog sizes, comma-separated")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="cProfile the search at the largest size")
    args = parser.parse_args()
    main([int(n) for n in args.sizes.split(",")], args.queries, args.rounds, args.profile)
