"""The demo company's CRM slice (Brightwell Home Health): its sales reps, pipelines, and generated customers.

Records are generated with `random.Random(42)`, so every run makes the same contacts, companies and deals.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

from salient_crm.backends.base import SearchQuery
from salient_crm.backends.local import LocalBackend
from salient_crm.schemas import Owner, Pipeline, PropertyValue, Ref, Stage

log = logging.getLogger(__name__)


def _owner(key: str, name: str, role: str, tz: str, *teams: str) -> Owner:
    email = f"{key.replace('-', '.')}@brightwell.example"
    return Owner(id=key, name=name, email=email, role=role, time_zone=tz, teams=list(teams))


# The sales team of config/demo/README.md, the same reps every server knows.
OWNERS = [
    _owner("maya-chen", "Maya Chen", "AE", "America/Los_Angeles", "sales-us", "us-west"),
    _owner("daniel-okafor", "Daniel Okafor", "AE", "America/Denver", "sales-us", "us-central"),
    _owner("priya-raman", "Priya Raman", "AE", "America/New_York", "sales-us", "us-east"),
    _owner("tom-becker", "Tom Becker", "SE", "America/Chicago", "solutions"),
    _owner("grace-liu", "Grace Liu", "CSM", "America/New_York", "success", "key-accounts"),
    _owner("olivia-hart", "Olivia Hart", "AE", "Australia/Sydney", "sales-intl", "apac"),
    _owner("lukas-meyer", "Lukas Meyer", "AE", "Europe/Berlin", "sales-intl", "emea"),
    _owner("sam-rivera", "Sam Rivera", "AE (inside sales, the fallback)", "America/Denver", "sales-us", "fallback"),
]


def _stages(*rows: tuple[str, str, float, bool, bool]) -> list[Stage]:
    return [
        Stage(id=i, label=lbl, position=n, probability=p, closed=c, won=w) for n, (i, lbl, p, c, w) in enumerate(rows)
    ]


PIPELINES = [
    Pipeline(
        id="sales",
        label="New business",
        stages=_stages(
            ("discovery", "Discovery", 0.1, False, False),
            ("demo-scheduled", "Demo scheduled", 0.3, False, False),
            ("proposal", "Proposal sent", 0.5, False, False),
            ("negotiation", "Negotiation", 0.7, False, False),
            ("closed-won", "Closed won", 1.0, True, True),
            ("closed-lost", "Closed lost", 0.0, True, False),
        ),
    ),
    Pipeline(
        id="renewals",
        label="Service plan renewals",
        stages=_stages(
            ("renewal-due", "Renewal due", 0.6, False, False),
            ("renewal-quoted", "Quote sent", 0.8, False, False),
            ("renewed", "Renewed", 1.0, True, True),
            ("churned", "Churned", 0.0, True, False),
        ),
    ),
]

FIRST = [
    "Ana",
    "Ben",
    "Chloe",
    "David",
    "Elena",
    "Farid",
    "Gina",
    "Hiro",
    "Isla",
    "Jamal",
    "Kate",
    "Luis",
    "Mia",
    "Noah",
    "Olga",
    "Pete",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Uma",
    "Victor",
    "Wendy",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Alvarez",
    "Brooks",
    "Carter",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Khan",
    "Lopez",
    "Moreau",
    "Nguyen",
    "Olsen",
    "Patel",
    "Quist",
    "Reyes",
    "Schmidt",
    "Tanaka",
    "Varga",
    "Walsh",
]
PLACES = [
    ("US", "CA", "Sacramento", "maya-chen"),
    ("US", "WA", "Seattle", "maya-chen"),
    ("US", "TX", "Austin", "daniel-okafor"),
    ("US", "IL", "Chicago", "daniel-okafor"),
    ("US", "NY", "Albany", "priya-raman"),
    ("US", "MA", "Boston", "priya-raman"),
    ("AU", "NSW", "Sydney", "olivia-hart"),
    ("DE", "BE", "Berlin", "lukas-meyer"),
    ("GB", "ENG", "Leeds", "lukas-meyer"),
    ("BR", "SP", "Sao Paulo", "sam-rivera"),
]
KINDS = [
    ("clinic", "Clinic"),
    ("care-home", "Care Home"),
    ("pharmacy", "Pharmacy"),
    ("rehab", "Rehab Center"),
    ("home-care", "Home Care"),
]
PRODUCTS = [
    "folding wheelchairs",
    "hospital beds",
    "blood pressure monitors",
    "patient lifts",
    "rollators",
    "pulse oximeters",
    "shower chairs",
    "compression socks",
]
JOBS = ["Practice Manager", "Director of Nursing", "Procurement Lead", "Owner", "Care Coordinator", "Physiotherapist"]
NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


async def load_demo(service: object, account: str) -> None:
    """Load the demo slice into `account` unless it already has contacts (local backend only)."""
    backend = getattr(service, "backend", None)
    if not isinstance(backend, LocalBackend):
        log.warning("--demo loads data into the local backend only; HubSpot is left as it is")
        return
    if (await backend.search(account, "contact", SearchQuery(limit=1)))[1]:
        return
    await load_demo_into(backend, account)


async def load_demo_into(backend: LocalBackend, account: str) -> None:
    rng = random.Random(42)
    await backend.load_reference(account, OWNERS, PIPELINES)
    companies: list[Ref] = []
    for n in range(55):
        country, region, city, owner = PLACES[n % len(PLACES)]
        kind, suffix = KINDS[n % len(KINDS)]
        name = f"{rng.choice(LAST)} {city} {suffix} {n + 1}"
        size = rng.choice([8, 25, 60, 140, 250, 600])
        values: dict[str, PropertyValue] = {
            "name": name,
            "domain": f"{name.lower().replace(' ', '-')}.example",
            "industry": kind,
            "employees": size,
            "country": country,
            "region": region,
            "city": city,
            "owner_id": "grace-liu" if kind in ("clinic", "care-home") and size >= 200 else owner,
        }
        created = await backend.create(account, "company", values)
        companies.append(Ref(object_type="company", id=created.record.id))
    contacts: list[Ref] = []
    for n in range(60):
        first, last = FIRST[n % len(FIRST)], LAST[(n * 7) % len(LAST)]
        company = companies[n % len(companies)]
        place = PLACES[(n % len(companies)) % len(PLACES)]
        result = await backend.upsert_contact(
            account,
            f"{first}.{last}{n}@example.com".lower(),
            {
                "first_name": first,
                "last_name": last,
                "job_title": rng.choice(JOBS),
                "city": place[2],
                "country": place[0],
                "owner_id": place[3],
                "lifecycle_stage": rng.choice(["lead", "marketingqualifiedlead", "opportunity", "customer"]),
            },
        )
        ref = Ref(object_type="contact", id=result.contact.id)
        contacts.append(ref)
        await backend.associate(account, ref, company)
    sales = PIPELINES[0].stages
    for n in range(55):
        contact, company = contacts[n % len(contacts)], companies[n % len(companies)]
        stage = rng.choice(sales[:4]) if n % 3 else rng.choice(sales[4:])
        product = rng.choice(PRODUCTS)
        deal: dict[str, PropertyValue] = {
            "name": f"{product.capitalize()} for site {n + 1}",
            "amount": f"{rng.randrange(800, 60_000, 50)}.00",
            "currency": "USD",
            "pipeline": "sales",
            "stage": stage.id,
            "close_date": (NOW + timedelta(days=rng.randint(-60, 90))).date().isoformat(),
            "owner_id": PLACES[(n % len(companies)) % len(PLACES)][3],
        }
        created = await backend.create(account, "deal", deal, associations=[contact, company])
        kind = rng.choice(["note", "call", "email", "meeting"])
        activity: dict[str, PropertyValue] = {
            "type": kind,
            "subject": f"{kind.capitalize()} about {product}",
            "body": f"Discussed {product}: quantities, delivery and the service plan.",
            "occurred_at": (NOW - timedelta(days=rng.randint(1, 90), hours=rng.randint(0, 8))).isoformat(),
            "owner_id": deal["owner_id"],
        }
        await backend.create(
            account, "activity", activity, associations=[contact, Ref(object_type="deal", id=created.record.id)]
        )
