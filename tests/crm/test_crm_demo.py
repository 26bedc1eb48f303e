"""The demo slice: deterministic, the demo company's reps, 50+ contacts, companies and deals."""

from __future__ import annotations

from collections import Counter

from crm_support import call
from fastmcp import Client
from salient_crm.demo import OWNERS
from salient_crm.server import build_server
from salient_crm.settings import CrmSettings


async def _summary(url: str) -> dict[str, object]:
    async with Client(build_server(CrmSettings(db=url, demo=True))) as client:
        counts = {
            t: (await call(client, "search_records", object_type=t, limit=1))["total"]
            for t in ("contact", "company", "deal", "activity")
        }
        deals = await call(client, "search_records", object_type="deal", sort="name", limit=100)
        stages = Counter(d["properties"]["stage"] for d in deals["items"])
        first = await call(client, "get_records", object_type="contact", ids=["1"])
        return {
            "counts": counts,
            "deals": [(d["properties"]["name"], d["properties"]["amount"]) for d in deals["items"]],
            "stages": stages,
            "first": first["records"][0]["associations"],
        }


async def test_demo_slice_is_deterministic_and_complete(db_url: str, tmp_path) -> None:
    summary = await _summary(db_url)
    counts = summary["counts"]
    assert isinstance(counts, dict)
    assert counts["contact"] >= 50 and counts["company"] >= 50 and counts["deal"] >= 50 and counts["activity"] >= 50
    assert summary["first"] == {"activity": ["1"], "company": ["1"], "deal": ["1"]}
    again = await _summary(f"sqlite:///{tmp_path / 'second.db'}")
    assert again == summary
    # Loading twice into the same database changes nothing.
    assert await _summary(db_url) == summary


async def test_demo_owners_match_the_demo_company() -> None:
    assert {(o.id, o.name, o.email) for o in OWNERS} == {
        ("maya-chen", "Maya Chen", "maya.chen@brightwell.example"),
        ("daniel-okafor", "Daniel Okafor", "daniel.okafor@brightwell.example"),
        ("priya-raman", "Priya Raman", "priya.raman@brightwell.example"),
        ("tom-becker", "Tom Becker", "tom.becker@brightwell.example"),
        ("grace-liu", "Grace Liu", "grace.liu@brightwell.example"),
        ("olivia-hart", "Olivia Hart", "olivia.hart@brightwell.example"),
        ("lukas-meyer", "Lukas Meyer", "lukas.meyer@brightwell.example"),
        ("sam-rivera", "Sam Rivera", "sam.rivera@brightwell.example"),
    }
