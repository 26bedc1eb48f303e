"""The host's contracts with the servers, checked against what real servers publish over MCP.

The real crm, scheduling and crossfeed servers carry every field the host reads; a server standing in under the
crm name with a drifted schema (drifted_crm.py) gets a ContractError naming server, tool and field, and is sent
nothing the drift would have spoiled.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from engine_support import collect, engine_for, of_type, scripted, tool_result
from host_support import stdio_server
from pydantic_ai import ModelMessage
from pydantic_ai.models.function import AgentInfo
from salient_host.config.schema import ServerConfig
from salient_host.engine.events import TurnFailed, TurnFinished
from salient_host.engine.origin import LEAD_SOURCE
from salient_host.errors import SalientHostError
from salient_host.mcp.contracts import Contract, ContractError, call, published_by_server
from salient_host.mcp.supervision import SupervisedToolset
from salient_host.mcp.toolsets import mcp_toolset
from salient_host.summaries.contracts import (
    BOOK_MEETING,
    CREATE_LEAD,
    FIND_REP,
    GET_BOOKING,
    LOG_ACTIVITY,
    RESCHEDULE_MEETING,
    SEARCH_RECORDS,
    UPSERT_CONTACT,
)

DRIFTED = Path(__file__).resolve().parents[1] / "drifted_crm.py"

READ_BY_THE_HOST: dict[str, list[Contract[Any]]] = {
    "crm": [SEARCH_RECORDS, LOG_ACTIVITY, UPSERT_CONTACT, CREATE_LEAD],
    "scheduling": [GET_BOOKING, BOOK_MEETING, RESCHEDULE_MEETING],
    "crossfeed": [FIND_REP],
}


def drifted_crm(calls: Path) -> dict[str, Any]:
    return {"command": sys.executable, "args": [str(DRIFTED), str(calls)], "init_timeout": 30}


@asynccontextmanager
async def held(servers: dict[str, dict[str, Any]], base: Path) -> AsyncIterator[dict[str, SupervisedToolset]]:
    """Each server supervised and connected (all at once), as a conversation holds them."""
    supervised = {
        name: SupervisedToolset(name, mcp_toolset(name, ServerConfig(**raw), base)) for name, raw in servers.items()
    }
    async with AsyncExitStack() as stack:
        await asyncio.gather(*(stack.enter_async_context(s) for s in supervised.values()))
        assert all(s.status.state == "up" for s in supervised.values()), [s.status for s in supervised.values()]
        yield supervised


async def test_the_real_servers_publish_what_the_host_reads(tmp_path: Path) -> None:
    servers = {name: stdio_server(name, tmp_path / f"{name}.db") for name in READ_BY_THE_HOST}
    async with held(servers, tmp_path) as supervised:
        published = await published_by_server(supervised)
        for server, contracts in READ_BY_THE_HOST.items():
            for contract in contracts:
                contract.check(server, published[server].get(contract.tool))
        LEAD_SOURCE.check("crm", published["crm"]["create_lead"].input_schema)
        page = await call(supervised["crm"], SEARCH_RECORDS, {"object_type": "contact", "limit": 5}, read_only=True)
    assert page.items and all(record.id and isinstance(record.properties, dict) for record in page.items)


async def test_a_drifted_server_gets_a_contract_error_naming_server_tool_and_field(tmp_path: Path) -> None:
    calls = tmp_path / "calls.txt"
    calls.touch()
    async with held({"crm": drifted_crm(calls)}, tmp_path) as supervised:
        crm = supervised["crm"]
        with pytest.raises(ContractError) as searched:
            await call(crm, SEARCH_RECORDS, {"object_type": "contact", "query": "a@b.io"}, read_only=True)
        with pytest.raises(ContractError) as logged:
            await call(
                crm, LOG_ACTIVITY, {"type": "email", "subject": "s", "body": "b", "associations": []}, read_only=True
            )
        with pytest.raises(ContractError) as booked:
            await call(crm, GET_BOOKING, {"booking_id": "bk_1"}, read_only=True)
        published = await published_by_server(supervised)
        with pytest.raises(ContractError) as upserted:
            UPSERT_CONTACT.check("crm", published["crm"]["upsert_contact"])
        with pytest.raises(ContractError) as lead:
            LEAD_SOURCE.check("crm", published["crm"]["create_lead"].input_schema)
    cases = [
        (searched, "search_records", "'items[].properties' is gone"),
        (logged, "log_activity", "'record.id' is integer, the host reads string"),
        (booked, "get_booking", "the server does not offer this tool"),
        (upserted, "upsert_contact", "'contact.properties' is gone"),
        (lead, "create_lead", "'source.utm_term' is gone"),
    ]
    for raised, tool, field in cases:
        error = raised.value
        assert isinstance(error, SalientHostError)
        assert (error.server, error.tool) == ("crm", tool)
        assert f"'crm' server's tool {tool!r}" in str(error) and field in str(error), str(error)
    # Checked before sending: the drifted server was called for nothing.
    assert calls.read_text() == ""


async def test_a_result_that_lacks_what_the_host_reads_is_a_contract_error_without_a_schema() -> None:
    # A result read from a conversation's history while its server cannot be asked: validated all the same.
    with pytest.raises(ContractError, match=r"'book_meeting'.*result field 'booking.rep'"):
        BOOK_MEETING.parse(
            "scheduling", None, {"booking": {"id": "bk_1"}, "applied": True, "replayed": False}, checked=False
        )
    made = {"id": "bk_1", "status": "confirmed", "title": "Demo", "start": "s", "start_local": "l"}
    rep = {"name": "Ann", "email": "ann@example.com", "time_zone": "UTC"}
    parsed = BOOK_MEETING.parse(
        "scheduling", None, {"booking": made | {"rep": rep}, "applied": True, "replayed": False}, checked=False
    )
    assert parsed.booking.rep.email == "ann@example.com"


async def test_a_lead_from_a_chat_with_an_origin_is_refused_by_a_drifted_crm(tmp_path: Path) -> None:
    calls = tmp_path / "calls.txt"
    calls.touch()

    def script(messages: list[ModelMessage], info: AgentInfo) -> Any:
        if tool_result(messages) is None:
            return [("crm_create_lead", {"title": "Kim's lead"})]
        return "done"

    servers = {"crm": drifted_crm(calls)}
    async with engine_for(tmp_path, scripted(script), servers=servers) as engine:
        session = await engine.start(account="demo", agent="sales", origin={"page": "/pricing", "utm_term": "crm"})
        events = await collect(engine.send(session.id, "I want a demo", account="demo", client_message_id="m-1"))
    failed = of_type(events, TurnFailed)
    assert failed and not of_type(events, TurnFinished), events
    assert failed[-1].code == "server_contract", failed
    assert "The crm server does not match this host's version" in failed[-1].message
    assert calls.read_text() == ""  # the lead was not created without its source
