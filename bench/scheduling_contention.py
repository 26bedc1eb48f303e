"""book_meeting under contention over HTTP: many callers racing for one slot, and for many different slots.

The same 10-rep team as `scheduling_availability.py`, on SQLite, against `salient-scheduling --http` with its
clock pinned. Each round fires its calls at once (stateless tools/call POSTs, one connection each):
- one slot: `--callers` bookings of the same rep and start; exactly one must win, every other gets a conflict;
- many slots: `--callers` bookings of distinct free slots across the team; all must win.

    uv run python bench/scheduling_contention.py [--callers 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from common import BIN, free_port, mcp_call, mcp_headers, print_table, process
from scheduling_availability import NOW, seed


async def call(url: str, tool: str, args: dict[str, Any], request_id: int) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=120) as http:
        r = await http.post(url, json=mcp_call(request_id, tool, args), headers=mcp_headers(tool))
        return r.json()["result"]


def booking(slot: dict[str, Any], n: int) -> dict[str, Any]:
    return {
        "meeting_type": "product-demo",
        "rep": slot["rep"],
        "start": slot["start"],
        "attendee": {"name": f"Visitor {n}", "email": f"visitor{n}@example.com", "time_zone": "Australia/Sydney"},
        "idempotency_key": f"bench-booking-{n:05d}",
    }


async def rounds(url: str, callers: int) -> list[list[object]]:
    window = {
        "meeting_type": "product-demo",
        "team": "bench",
        "window_start": (NOW + timedelta(days=1)).isoformat(),
        "window_end": (NOW + timedelta(days=15)).isoformat(),
        "max_slots": 100,  # the tool's maximum
        "distribution": "round_robin",
    }
    slots = (await call(url, "find_availability", window, 0))["structuredContent"]["slots"]
    # Neighbouring slots of one rep overlap once the meeting and its buffers are counted: keep, per rep, only
    # slots at least 50 minutes apart (30 min + 10 + 10), so every booking of the second round can succeed.
    apart: list[dict[str, Any]] = []
    last = {slots[0]["rep"]: datetime.fromisoformat(slots[0]["start"])}  # the first round books slots[0]
    for slot in slots[1:]:
        start = datetime.fromisoformat(slot["start"])
        if slot["rep"] not in last or start - last[slot["rep"]] >= timedelta(minutes=50):
            apart.append(slot)
            last[slot["rep"]] = start
    rows: list[list[object]] = []
    for label, chosen in (("one slot", [slots[0]] * callers), ("many slots", apart[:callers])):
        started = time.perf_counter()
        results = await asyncio.gather(
            *(
                call(url, "book_meeting", booking(slot, i + (0 if label == "one slot" else 1000)), i + 1)
                for i, slot in enumerate(chosen)
            )
        )
        elapsed = time.perf_counter() - started
        won = sum(1 for r in results if not r.get("isError"))
        lost = [r for r in results if r.get("isError")]
        kinds = {json.dumps(r["content"][0]["text"])[:60] for r in lost}
        expected = 1 if label == "one slot" else len(chosen)
        assert won == expected, (label, won, list(kinds)[:3])
        rows.append([label, len(chosen), won, len(lost), elapsed * 1000, len(chosen) / elapsed])
    return rows


def main(callers: int) -> None:
    with tempfile.TemporaryDirectory(prefix="salient-bench-") as home:
        url = f"sqlite:///{Path(home) / 'scheduling.db'}"
        asyncio.run(seed(url, 0))
        port = free_port()
        server = [str(BIN / "salient-scheduling"), "--http", "--port", str(port), "--db", url, "--log-level", "WARNING"]
        env = {"XDG_DATA_HOME": home, "SALIENT_SCHEDULING_NOW": NOW.isoformat()}
        with process(server, health_url=f"http://127.0.0.1:{port}/healthz", env=env):
            rows = asyncio.run(rounds(f"http://127.0.0.1:{port}/mcp", callers))
    print_table(
        "book_meeting under contention over HTTP (SQLite)",
        ["round", "callers", "booked", "conflicts", "wall ms", "calls/s"],
        rows,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--callers", type=int, default=50)
    main(parser.parse_args().callers)
