"""search_records on a CRM of 100,000 contacts, end to end over HTTP.

Contacts are generated (deterministic names, companies, cities) and written straight into a SQLite database
migrated by the crm server; queries run against `salient-crm --http` as stateless tools/call requests: a
name, a company, an email domain, a city with a filter, and a word that matches nothing.

    uv run python bench/crm_search.py [--contacts 100000] [--queries 100]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from common import BIN, free_port, mcp_call, mcp_headers, print_table, process, summary_ms
from salient_core.db import Database, utcnow
from salient_core.migrate import upgrade
from salient_crm.models import Contact
from salient_crm.server import MIGRATIONS
from sqlalchemy import insert

HEADERS = mcp_headers("search_records")
FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elena", "Femi", "Grace", "Hiro", "Ines", "Jonas", "Kira", "Liam", "Mira"]
LAST = ["Okafor", "Chen", "Raman", "Becker", "Hart", "Meyer", "Rivera", "Liu", "Silva", "Novak", "Kowalski", "Moreau"]
COMPANIES = [
    "Sunrise Care Home",
    "Lakeside Clinic",
    "Harbor Rehab",
    "Pine Valley Seniors",
    "Metro Physio",
    "Oak Dental",
]
CITIES = ["Denver", "Austin", "Boston", "Seattle", "Miami", "Chicago", "Phoenix", "Portland", "Atlanta", "Omaha"]


async def seed(url: str, n: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    db = Database(url)
    await upgrade(db, *MIGRATIONS)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = f"{rng.choice(COMPANIES)} {i % 500}"
        email = f"{first}.{last}.{i}@{company.split()[0].lower()}{i % 500}.example".lower()
        rows.append(
            {
                "account_id": "demo",
                "email": email,
                "email_key": email,
                "first_name": first,
                "last_name": last,
                "company_name": company,
                "city": rng.choice(CITIES),
                "country": "US",
                "lifecycle_stage": rng.choice(["subscriber", "lead", "customer"]),
                "created_at": now,
                "updated_at": now,
            }
        )
    async with db.transaction() as session:
        for start in range(0, n, 5_000):
            await session.execute(insert(Contact), rows[start : start + 5_000])
    await db.close()


def plan(n: int, seed: int = 9) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    queries: list[dict[str, Any]] = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            args = {"query": f"{rng.choice(FIRST)} {rng.choice(LAST)}"}
        elif kind == 1:
            args = {"query": rng.choice(COMPANIES).split()[0]}
        elif kind == 2:
            args = {"query": f"{rng.choice(COMPANIES).split()[0].lower()}{rng.randrange(500)}.example"}
        elif kind == 3:
            args = {"query": rng.choice(CITIES), "sort": "-created_at"}
        else:
            args = {"query": "zzyzx"}
        queries.append({"object_type": "contact", "limit": 20, **args})
    return queries


async def measure(url: str, queries: list[dict[str, Any]]) -> list[float]:
    samples = []
    async with httpx.AsyncClient(timeout=120) as http:
        for i, args in enumerate(queries):
            start = time.perf_counter()
            r = await http.post(url, json=mcp_call(i, "search_records", args), headers=HEADERS)
            samples.append(time.perf_counter() - start)
            result = r.json()["result"]
            assert not result.get("isError"), (args, result)
    return samples


def main(contacts: int, queries: int) -> None:
    with tempfile.TemporaryDirectory(prefix="salient-bench-") as home:
        url = f"sqlite:///{Path(home) / 'crm.db'}"
        start = time.perf_counter()
        asyncio.run(seed(url, contacts))
        seed_s = time.perf_counter() - start
        port = free_port()
        server = [str(BIN / "salient-crm"), "--db", url, "--http", "--port", str(port), "--log-level", "WARNING"]
        with process(server, health_url=f"http://127.0.0.1:{port}/healthz", env={"XDG_DATA_HOME": home}):
            samples = asyncio.run(measure(f"http://127.0.0.1:{port}/mcp", plan(queries)))
    s = summary_ms(samples)
    print_table(
        f"search_records over HTTP on {contacts:,} contacts ({queries} queries, ms)",
        ["seed (s)", "p50", "p95", "p99", "mean"],
        [[seed_s, s["p50"], s["p95"], s["p99"], s["mean"]]],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    main(args.contacts, args.queries)
