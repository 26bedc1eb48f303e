"""find_availability latency over HTTP: a team of 10 reps, a 14-day window, 500 existing bookings.

The database is seeded in-process on SQLite; queries run against `salient-scheduling --http` with its clock
pinned, as stateless (2026-07-28) tools/call requests.

    uv run python bench/scheduling_availability.py [--calls 100] [--bookings 100,500,5000]

One row per bookings count, so growth with the calendar's size shows. Each call is followed by a
`list_meeting_types` on the same server (one small read): its p50 is the per-call floor the search is measured
against, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from common import BIN, Goal, free_port, mcp_call, mcp_headers, print_table, process, record, record_scale, summary_ms
from salient_core.db import Database
from salient_core.migrate import upgrade
from salient_scheduling.models import Booking, MeetingType, Rep
from salient_scheduling.server import MIGRATIONS

NOW = datetime(2027, 3, 31, 16, 0, tzinfo=UTC)
ZONES = ["America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York", "Europe/Berlin"]
HEADERS = mcp_headers("find_availability")
FLOOR_HEADERS = mcp_headers("list_meeting_types")


async def seed(url: str, bookings: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    db = Database(url)
    try:
        await upgrade(db, *MIGRATIONS)
        async with db.transaction(account="demo") as session:
            hours = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
            reps = [
                Rep(
                    account_id="demo",
                    key=f"rep-{i}",
                    name=f"Rep {i}",
                    email=f"rep{i}@example.com",
                    role="AE",
                    time_zone=ZONES[i % len(ZONES)],
                    working_hours=hours,
                    teams=["bench"],
                    territories=[],
                    lock_version=0,
                )
                for i in range(10)
            ]
            demo = MeetingType(
                account_id="demo",
                key="product-demo",
                title="Product demo",
                duration_min=30,
                buffer_before_min=10,
                buffer_after_min=10,
                min_notice_min=240,
                horizon_days=30,
                slot_step_min=15,
                location="Video",
            )
            session.add_all([*reps, demo])
            await session.flush()
            for n in range(bookings):
                start = NOW + timedelta(minutes=15 * rng.randrange(4 * 24 * 14))
                session.add(
                    Booking(
                        id=f"bk_bench{n:05d}",
                        account_id="demo",
                        rep_id=rng.choice(reps).id,
                        meeting_type_id=demo.id,
                        status="confirmed",
                        starts_at=start,
                        ends_at=start + timedelta(minutes=30),
                        buffer_before_min=10,
                        buffer_after_min=10,
                        attendee_name="Bench",
                        attendee_email="bench@example.com",
                        attendee_time_zone="UTC",
                        notes="",
                        ical_uid=f"bk_bench{n:05d}@bench",
                        sequence=0,
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
    finally:
        await db.close()


async def measure(url: str, calls: int) -> tuple[list[float], list[float]]:
    """find_availability latencies, and those of the `list_meeting_types` call after each (the floor)."""
    args = {
        "meeting_type": "product-demo",
        "team": "bench",
        "window_start": (NOW + timedelta(days=1)).isoformat(),
        "window_end": (NOW + timedelta(days=15)).isoformat(),
        "time_zone": "Australia/Sydney",
        "max_slots": 20,
    }
    samples, floor = [], []
    async with httpx.AsyncClient(timeout=30) as http:
        first = await http.post(url, json=mcp_call(0, "find_availability", args), headers=HEADERS)
        assert first.status_code == 200 and '"slots"' in first.text, first.text[:300]
        for i in range(calls):
            began = time.perf_counter()
            r = await http.post(url, json=mcp_call(i + 1, "find_availability", args), headers=HEADERS)
            samples.append(time.perf_counter() - began)
            assert r.status_code == 200 and 'isError":true' not in r.text.replace(" ", ""), r.text[:300]
            began = time.perf_counter()
            r = await http.post(url, json=mcp_call(i + 1, "list_meeting_types", {}), headers=FLOOR_HEADERS)
            floor.append(time.perf_counter() - began)
            assert r.status_code == 200 and 'isError":true' not in r.text.replace(" ", ""), r.text[:300]
    return samples, floor


def run(bookings: int, calls: int) -> tuple[dict[str, float], dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="salient-bench-") as home:
        url = f"sqlite:///{Path(home) / 'scheduling.db'}"
        asyncio.run(seed(url, bookings))
        port = free_port()
        server = [str(BIN / "salient-scheduling"), "--http", "--port", str(port), "--db", url, "--log-level", "WARNING"]
        env = {"XDG_DATA_HOME": home, "SALIENT_SCHEDULING_NOW": NOW.isoformat()}
        with process(server, health_url=f"http://127.0.0.1:{port}/healthz", env=env):
            samples, floor = asyncio.run(measure(f"http://127.0.0.1:{port}/mcp", calls))
            return summary_ms(samples), summary_ms(floor)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--bookings", default="500", help="comma-separated counts, e.g. 100,500,5000")
    options = parser.parse_args()
    rows = []
    counts = [int(n) for n in options.bookings.split(",")]
    headline = 500 if 500 in counts else counts[-1]  # the row: 500 bookings
    for bookings in counts:
        stats, floor = run(bookings, options.calls)
        rows.append([bookings, stats["p50"], stats["p95"], stats["p99"], stats["mean"], floor["p50"]])
        record_scale("scheduling find_availability p50, team of 10, 14 days (bookings)", bookings, stats["p50"], "ms")
        if bookings == headline:
            record(
                f"scheduling find_availability p50, team of 10, 14 days, {bookings:,} bookings",
                stats["p50"],
                "ms",
                baseline=floor["p50"],
                vs="list_meeting_types p50, same server",
                goal=Goal("<=", 15.0),
            )
    print_table(
        f"find_availability over HTTP: team of 10, 14-day window ({options.calls} calls per row)",
        ["bookings", "p50 ms", "p95 ms", "p99 ms", "mean ms", "list_meeting_types p50 ms"],
        rows,
    )


if __name__ == "__main__":
    main()
