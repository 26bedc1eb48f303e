"""`salient sessions` and `usage` at a terminal's width: readable at 80 columns, ids by prefix, one cost wording."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from host_support import clean_env, run_salient
from salient_host.memory import Store
from salient_host.memory.models import Session
from salient_host.memory.store import new_id

LONG_TITLE = "Which of your talking glucose meters works with the app my mother already uses at home"


async def stored_sessions(db: str) -> list[Session]:
    """17 sessions (so two share an id's first character), one with a priced and an unpriced request."""
    store = await Store.open(db)
    try:
        sessions = [await store.create_session(account="demo", agent="sales") for _ in range(17)]
        for session in sessions:
            await store.add_message(session, turn_id=new_id(), role="user", text=LONG_TITLE)
        for cost in (Decimal("0.0125"), None):
            await store.record_request(
                sessions[0], turn_id=new_id(), provider="openai", model="house", input_tokens=10,
                output_tokens=5, cost_usd=cost, latency_ms=3.0,
            )  # fmt: skip
    finally:
        await store.close()
    return sessions


async def test_sessions_list_at_80_columns_and_show_by_prefix(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'host.db'}"
    sessions = await stored_sessions(db)
    narrow = clean_env(COLUMNS="80")
    listed = await run_salient("sessions", "list", "--db", db, env=narrow)
    assert listed.code == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), listed.stdout
    for session in sessions:  # one line per session: nothing wrapped
        [row] = [line for line in lines if session.id[:12] in line]
        assert (
            session.id not in row and "…" in row and "unpriced" in row if session is sessions[0] else "$0.0000" in row
        )

    by_start: dict[str, list[str]] = defaultdict(list)
    for session in sessions:
        by_start[session.id[0]].append(session.id)
    shared = next(ids for ids in by_start.values() if len(ids) > 1)
    unique = await run_salient("sessions", "show", sessions[0].id[:12], "--db", db, env=narrow)
    ambiguous = await run_salient("sessions", "show", shared[0][0], "--db", db)
    assert unique.code == 0, unique.stderr
    assert unique.stdout.startswith(sessions[0].id) and "$0.0125 + 1 unpriced" in unique.stdout
    assert ambiguous.code == 2 and ambiguous.stdout == ""
    assert f"{shared[0][0]!r} starts more than one session id; give more of it:" in ambiguous.stderr
    assert all(session_id in ambiguous.stderr for session_id in shared)


async def test_unknown_cost_reads_the_same_everywhere(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'host.db'}"
    [first, *_] = await stored_sessions(db)
    wide = clean_env(COLUMNS="200")
    usage, exported = (
        await run_salient("usage", "--db", db, env=wide),
        await run_salient("sessions", "export", first.id, "--db", db, "-f", "markdown"),
    )
    assert usage.code == 0 and exported.code == 0
    assert "$0.0125 + 1 unpriced" in usage.stdout, usage.stdout
    assert "cost: $0.0125 + 1 unpriced" in exported.stdout, exported.stdout
