"""search_records through the text index (FTS5 on SQLite, pg_trgm on PostgreSQL): what the index could get wrong.

Every case runs on the local backend over SQLite and over PostgreSQL. `expected` is the meaning of a query written
out in Python (every word, ignoring case, inside one searchable field); the index must agree with it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from crm_support import call, new_contact, new_deal, prepare
from fastmcp import Client
from salient_core.app import CORE_MIGRATIONS
from salient_core.db import Database, utcnow
from salient_core.migrate import upgrade
from salient_crm.backends.base import SearchQuery
from salient_crm.models import Contact
from salient_crm.objects import FIELDS
from salient_crm.repository import MODELS, search_conditions
from salient_crm.server import CRM_MIGRATIONS, MIGRATIONS, build_server
from salient_crm.settings import CrmSettings
from salient_crm.text_search import text_match
from sqlalchemy import func, insert, select, text
from support import fresh_postgres_database, require_postgres

PEOPLE = [
    ("ada@lakeside.example", "Ada", "Lovelace", "Lakeside Clinic"),
    ("janet.okafor@sunrise.example", "Janet", "Okafor", "Sunrise Care Home"),
    ("ben@harbor-rehab.example", "Benjamin", "Chen", "Harbor Rehab"),
    ("zoe@oak.example", "Zoë", "Ærøskøbing", "Oak Dental"),
    ("quote@odd.example", 'Ann "Nan"', "O'Neil-Smith", "Near: OR * Co"),
    ("mixed@odd.example", "Mei", "李", "北京 Trading"),
]


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'search.db'}"
        return
    await require_postgres()
    async with fresh_postgres_database() as url:
        yield url


def server(url: str, account: str = "demo") -> Client:
    return Client(build_server(CrmSettings(db=url, account=account)))  # pyright: ignore[reportCallIssue]


async def found(client: Client, query: str, object_type: str = "contact") -> tuple[list[str], int]:
    sort = "email" if object_type == "contact" else "created_at"
    page = await call(client, "search_records", object_type=object_type, query=query, sort=sort, limit=100)
    return [r["properties"]["email"] if object_type == "contact" else r["id"] for r in page["items"]], page["total"]


def expected(query: str) -> list[str]:
    words = [w.lower() for w in query.split()]
    fields = [f.name for f in FIELDS["contact"] if f.searchable]
    keys = ("email", "first_name", "last_name", "company_name")
    rows: list[dict[str, str]] = [dict(zip(keys, p, strict=True)) for p in PEOPLE]
    hits = [r for r in rows if all(any(w in (r.get(f) or "").lower() for f in fields) for w in words)]
    return sorted(r["email"] for r in hits)


async def add_people(client: Client) -> dict[str, str]:
    ids = {}
    for email, first, last, company in PEOPLE:
        ids[email] = await new_contact(client, email, first_name=first, last_name=last, company_name=company)
    return ids


QUERIES = [
    "jan",  # a prefix
    "anet",  # inside a word
    "LOVELACE",
    "ada lovelace",
    "ada chen",  # both words, no one contact: nothing
    "lakeside.example",  # a domain
    "ben@harbor",
    "harbor-rehab",
    "ad",  # shorter than a trigram
    "ad lake",
    "zoë",
    "Ærø",
    "李",
    "北京",
    '"',
    '"nan"',
    '"Nan"',
    "o'neil",
    "*",
    "ada*",
    "NEAR",
    "near:",
    "NEAR(ada lovelace)",
    "-",
    "-ada",
    "oneil-smith",
    "ada OR chen",
    "OR",
    ":",
    "email:ada",
    "^ada",
    "(",
    "100%",
    "a_a",
    "zzyzx",
]


async def test_words_match_as_plain_text_and_nothing_raises(db_url: str) -> None:
    await prepare(db_url)
    async with server(db_url) as client:
        await add_people(client)
        for query in QUERIES:
            emails, total = await found(client, query)
            assert (query, emails) == (query, expected(query))
            assert total == len(emails)
        assert expected("jan") == ["janet.okafor@sunrise.example"]
        assert expected("Ærø") == ["zoe@oak.example"]
        assert expected('"nan"') == ["quote@odd.example"]


async def test_an_updated_contact_is_found_under_its_new_name_only(db_url: str) -> None:
    await prepare(db_url)
    async with server(db_url) as client:
        ids = await add_people(client)
        ada = ids["ada@lakeside.example"]
        args = {"first_name": "Augusta", "company_name": "Analytical Engines"}
        await call(client, "update_record", object_type="contact", id=ada, properties=args)
        assert await found(client, "augusta analytical") == (["ada@lakeside.example"], 1)
        assert await found(client, "clinic") == ([], 0)  # the old company, in no other field
        assert await found(client, "lovelace") == (["ada@lakeside.example"], 1)
        await call(client, "update_record", object_type="contact", id=ada, properties={"company_name": None})
        assert await found(client, "analytical") == ([], 0)
        await call(client, "upsert_contact", email="ada@lakeside.example", last_name="King")
        assert await found(client, "augusta king") == (["ada@lakeside.example"], 1)
        assert await found(client, "lovelace") == ([], 0)


async def test_an_archived_contact_is_not_found_until_it_comes_back(db_url: str) -> None:
    await prepare(db_url)
    async with server(db_url) as client:
        ids = await add_people(client)
        await call(client, "archive_record", object_type="contact", id=ids["janet.okafor@sunrise.example"])
        assert await found(client, "janet") == ([], 0)
        assert await found(client, "sunrise") == ([], 0)
        assert await found(client, "ok") == ([], 0)  # the short-word path too
        await call(client, "upsert_contact", email="janet.okafor@sunrise.example")
        assert await found(client, "janet") == (["janet.okafor@sunrise.example"], 1)


async def test_another_accounts_records_are_never_found(db_url: str) -> None:
    await prepare(db_url)
    await prepare(db_url, "acme")
    async with server(db_url) as demo, server(db_url, "acme") as acme:
        await add_people(demo)
        await new_contact(acme, "janet@acme.example", first_name="Janet", company_name="Acme")
        assert await found(acme, "janet") == (["janet@acme.example"], 1)
        assert await found(acme, "lovelace") == ([], 0)
        assert await found(acme, "ja") == (["janet@acme.example"], 1)
        assert await found(demo, "janet") == (["janet.okafor@sunrise.example"], 1)
        assert await found(demo, "acme") == ([], 0)


async def test_companies_deals_and_leads_are_indexed(db_url: str) -> None:
    await prepare(db_url)
    async with server(db_url) as client:
        properties = {"name": "Lakeside Clinic", "domain": "lakeside.example"}
        made = await call(
            client, "create_record", object_type="company", properties=properties, idempotency_key="company-lakeside"
        )
        company = made["record"]["id"]
        deal = await new_deal(client, "Beds for Elm House")
        contact = await new_contact(client)
        source = {"page": "/pricing", "utm_campaign": "fall-beds"}
        args = {"source": source, "qualification": {"need": "Two adjustable beds"}, "idempotency_key": "lead-ada-beds"}
        lead = (await call(client, "create_lead", contact_id=contact, **args))["record"]["id"]
        assert await found(client, "lakeside.exam", "company") == ([company], 1)
        assert await found(client, "elm hou", "deal") == ([deal], 1)
        assert await found(client, "adjustable fall", "lead") == ([lead], 1)
        await call(client, "update_record", object_type="deal", id=deal, properties={"name": "Chairs"})
        assert await found(client, "elm", "deal") == ([], 0)
        assert await found(client, "chair", "deal") == ([deal], 1)


def test_the_migration_indexes_every_searchable_field() -> None:
    path = Path(CRM_MIGRATIONS.directory / "versions" / "0002_crm_search.py")
    spec = importlib.util.spec_from_file_location("crm_0002", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    indexed = {table: list(columns) for table, columns in module.SEARCHABLE.items()}
    assert indexed == {
        MODELS[t].__tablename__: [f.name for f in fields if f.searchable] for t, fields in FIELDS.items()
    }


async def test_contacts_present_before_the_upgrade_are_found_after_it(db_url: str) -> None:
    db = Database(db_url)
    try:
        await upgrade(db, CORE_MIGRATIONS)
        await upgrade(db, CRM_MIGRATIONS, target="crm_0001")
        now = utcnow()
        rows: list[dict[str, Any]] = [
            {
                "account_id": "demo",
                "email": e,
                "email_key": e,
                "first_name": f,
                "last_name": last,
                "company_name": c,
                "created_at": now,
                "updated_at": now,
            }
            for e, f, last, c in PEOPLE
        ]
        async with db.transaction() as session:
            await session.execute(insert(Contact), rows)
        await upgrade(db, *MIGRATIONS)
    finally:
        await db.close()
    async with server(db_url) as client:
        assert await found(client, "janet okafor") == (["janet.okafor@sunrise.example"], 1)
        assert await found(client, "lakeside.example") == (["ada@lakeside.example"], 1)
        assert await found(client, "example") == (expected("example"), len(PEOPLE))


async def test_the_text_index_answers_the_query(db_url: str) -> None:
    """The plan starts from the index, not from a walk through the account's rows (or the whole table)."""
    await prepare(db_url)
    db = Database(db_url)
    try:
        where = search_conditions(db.dialect, "demo", "contact", SearchQuery("janet okafor"))
        if db.dialect == "postgresql":  # the words alone: the planner may use no other index for them
            where = [text_match(db.dialect, "contact", Contact, "janet okafor")]
        count = select(func.count()).select_from(Contact).where(*where)
        sql = str(count.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
        async with db.session() as session:
            if db.dialect == "postgresql":
                await session.execute(text("SET enable_seqscan = off"))  # an empty table is cheaper to scan
                plan = "\n".join((await session.execute(text(f"EXPLAIN {sql}"))).scalars())
                assert "ix_crm_contacts_search" in plan, plan
            else:
                plan = "\n".join(r[3] for r in await session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
                assert "SEARCH crm_contacts USING INTEGER PRIMARY KEY" in plan, plan
                assert "SCAN crm_contacts_search VIRTUAL TABLE" in plan, plan
    finally:
        await db.close()
