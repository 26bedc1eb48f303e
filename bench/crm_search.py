"""search_records on CRMs of 1,000 to 100,000 contacts, on SQLite and PostgreSQL: the text index against a scan.

Contacts are generated (deterministic names, companies, cities) and written straight into a database migrated by
the crm server. The queries: a name, a company, an email domain, a word in no searchable field with a sort, and a
word that matches nothing. Three rows per database and size: the plain scan search used before the text index
(`lower(column) LIKE '%word%'` over every searchable column, the count and the page, run in process), the same
search through the index in process (`LocalBackend.search`), and through the index end to end against
`salient-crm --http` as stateless tools/call requests.

    uv run python bench/crm_search.py [--sizes 1000,10000,100000] [--queries 100] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from common import BIN, Goal, free_port, mcp_call, mcp_headers, print_table, process, record, record_scale, summary_ms
from salient_core.db import Database, utcnow
from salient_core.migrate import upgrade
from salient_crm.backends.base import SearchQuery
from salient_crm.backends.local import LocalBackend
from salient_crm.models import Contact
from salient_crm.objects import FIELDS
from salient_crm.server import MIGRATIONS
from sqlalchemy import and_, func, insert, or_, select

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
    if db.dialect == "postgresql":  # what autovacuum does after a bulk load; without figures no index looks useful
        async with db.engine.connect() as connection:
            await connection.exec_driver_sql("ANALYZE crm_contacts")
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


def search_query(args: dict[str, Any]) -> SearchQuery:
    sort = args.get("sort", "-created_at")
    return SearchQuery(args["query"], [], sort.lstrip("-"), sort.startswith("-"), 0, args["limit"])


async def measure_scan(url: str, queries: list[dict[str, Any]]) -> list[float]:
    """The search as it was before the text index: every word, `LIKE '%word%'`, on every searchable column."""
    db = Database(url)
    columns = [getattr(Contact, f.name) for f in FIELDS["contact"] if f.searchable]
    samples = []
    for args in queries:
        q = search_query(args)
        start = time.perf_counter()
        words = [w.lower() for w in q.text.split()]
        match = and_(*(or_(*(func.lower(c).contains(w, autoescape=True) for c in columns)) for w in words))
        where = [Contact.account_id == "demo", Contact.archived_at.is_(None), match]
        sort = getattr(Contact, q.sort)
        order = [sort.is_(None), sort.desc() if q.descending else sort.asc(), Contact.id.asc()]
        async with db.session(account="demo") as session:
            await session.scalar(select(func.count()).select_from(Contact).where(*where))
            list(await session.scalars(select(Contact).where(*where).order_by(*order).limit(q.limit)))
        samples.append(time.perf_counter() - start)
    await db.close()
    return samples


async def measure_backend(url: str, queries: list[dict[str, Any]]) -> list[float]:
    db = Database(url)
    backend = LocalBackend(db)
    samples = []
    for args in queries:
        start = time.perf_counter()
        await backend.search("demo", "contact", search_query(args))
        samples.append(time.perf_counter() - start)
    await db.close()
    return samples


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


PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


async def pg_database(name: str, *, drop: bool) -> str:
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"


def run_one(url: str, home: str, contacts: int, queries: int, *, headline: bool) -> list[list[object]]:
    start = time.perf_counter()
    asyncio.run(seed(url, contacts))
    seed_s = time.perf_counter() - start
    work = plan(queries)
    scan = summary_ms(asyncio.run(measure_scan(url, work[: max(10, queries // 5)])))
    asyncio.run(measure_backend(url, work[:5]))  # warm the caches the scan rows also had
    index = summary_ms(asyncio.run(measure_backend(url, work)))
    port = free_port()
    server = [str(BIN / "salient-crm"), "--db", url, "--http", "--port", str(port), "--log-level", "WARNING"]
    with process(server, health_url=f"http://127.0.0.1:{port}/healthz", env={"XDG_DATA_HOME": home}):
        http = summary_ms(asyncio.run(measure(f"http://127.0.0.1:{port}/mcp", work)))
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    record_scale(f"crm search_records p50 over HTTP, {database}", contacts, http["p50"], "ms")
    if headline:
        record(
            f"crm search_records p50 over HTTP, {contacts:,} contacts, {database}",
            http["p50"],
            "ms",
            baseline=scan["p50"],
            vs="LIKE scan, in process",
            goal=Goal("<=", 20.0),
        )
    return [
        [f"{contacts:,}", "LIKE scan (before), in process", seed_s, scan["p50"], scan["p95"]],
        [f"{contacts:,}", "text index, in process", "", index["p50"], index["p95"]],
        [f"{contacts:,}", "text index, over HTTP", "", http["p50"], http["p95"]],
    ]


def main(sizes: list[int], queries: int, databases: list[str]) -> None:
    for database in databases:
        rows: list[list[object]] = []
        for contacts in sizes:
            with tempfile.TemporaryDirectory(prefix="salient-bench-") as home:
                if database == "sqlite":
                    rows += run_one(
                        f"sqlite:///{Path(home) / 'crm.db'}", home, contacts, queries, headline=contacts == sizes[-1]
                    )
                    continue
                name = f"salient_bench_crm_{contacts}"
                url = asyncio.run(pg_database(name, drop=False))
                try:
                    rows += run_one(url, home, contacts, queries, headline=contacts == sizes[-1])
                finally:
                    asyncio.run(pg_database(name, drop=True))
        print_table(
            f"search_records on {database}, {queries} queries (scan: a fifth of them), ms",
            ["contacts", "path", "seed (s)", "p50", "p95"],
            rows,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="Contact counts, comma-separated.")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    main([int(n) for n in args.sizes.split(",")], args.queries, args.databases.split(","))
