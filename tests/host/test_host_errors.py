"""One error root for the host: every exception class it defines descends from SalientHostError, and the web layer
answers each branch of that tree by class (status, code, message)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import salient_host
from fastapi import FastAPI
from salient_host.config.problems import ConfigError
from salient_host.config.schema import Config
from salient_host.engine.agents import ServerUnavailable, UnknownAgent
from salient_host.engine.errors import AgentNotAllowed, DecisionMismatch, EmptyMessage, SessionNotFound
from salient_host.engine.message_rules import MessageRefused
from salient_host.engine.turn import TurnError
from salient_host.errors import SalientHostError
from salient_host.llm.budgets import BudgetExceeded
from salient_host.llm.choice import ModelUnavailable
from salient_host.mail.errors import BadUnsubscribeToken, InvalidAddress, MailConfigError, TransientFailure
from salient_host.mcp.contracts import ContractError
from salient_host.mcp.supervision import ServerDown
from salient_host.memory.store import DuplicateClientMessage
from salient_host.problems import Problem
from salient_host.suite.install import InstallRefused
from salient_host.summaries.result import SummaryError, SummaryUnavailable
from salient_host.web.errors import NO_SESSION, RateLimited, install_error_handlers


def host_exception_classes() -> list[type[BaseException]]:
    """Every exception class defined in a module of salient_host (each module imported)."""
    found = []
    for module_info in pkgutil.walk_packages(salient_host.__path__, "salient_host."):
        if ".migrations." in module_info.name:  # Alembic revision scripts, run by Alembic only
            continue
        module = importlib.import_module(module_info.name)
        found += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, BaseException) and cls.__module__ == module.__name__
        ]
    return found


def test_every_host_exception_descends_from_the_root() -> None:
    classes = host_exception_classes()
    assert len(classes) >= 30, classes  # the walk found the rooms' errors, not nothing
    assert [cls.__qualname__ for cls in classes if not issubclass(cls, SalientHostError)] == []


def test_the_root_docstring_draws_every_branch() -> None:
    tree = salient_host.errors.__doc__ or ""
    missing = [cls.__name__ for cls in host_exception_classes() if cls.__name__ not in tree]
    assert missing == []


@dataclass(frozen=True)
class Case:
    error: SalientHostError
    status: int
    code: str
    message: str | None = None  # None: a 5xx, whose message shows no detail


CONFIG = Config.model_validate({"agents": {}, "servers": {}}, context={"source": Path("config/salient.yaml")})
CASES = [
    Case(SessionNotFound("s_1"), 404, "no_session", NO_SESSION),
    Case(AgentNotAllowed("no account 'x'"), 404, "no_session", NO_SESSION),
    Case(EmptyMessage(), 422, "invalid_request", "The message is empty."),
    Case(DecisionMismatch(["a"], []), 422, "invalid_request"),
    Case(MessageRefused("message_too_long", "The message has 5 characters; the limit is 4."), 422, "message_too_long"),
    Case(UnknownAgent(CONFIG, "ghost"), 404, "no_agent"),
    Case(DuplicateClientMessage("m-1"), 409, "duplicate_message", "M-1."),
    Case(BudgetExceeded("the account's budget is spent"), 429, "budget_exceeded", "The account's budget is spent."),
    Case(SummaryError("nothing to summarise yet"), 422, "summary_refused", "Nothing to summarise yet."),
    Case(SummaryUnavailable("the mail queue failed"), 503, "summary_unavailable"),
    Case(InvalidAddress("not-an-address", "it has no @"), 422, "invalid_address"),
    Case(BadUnsubscribeToken("the link has expired"), 400, "bad_token", "The link has expired."),
    Case(MailConfigError("no SALIENT_MAIL_SECRET"), 503, "mail_unavailable"),
    Case(TransientFailure("SMTP 451"), 503, "mail_unavailable"),
    Case(ModelUnavailable("no model"), 503, "no_model"),
    Case(ServerDown("crm is down"), 503, "server_unavailable"),
    Case(ServerUnavailable("crm", "refused"), 503, "server_unavailable"),
    Case(ContractError("crm", "search_records", ["field 'items' is gone"]), 502, "server_contract"),
    Case(TurnError("internal", "boom"), 500, "turn_failed"),
    Case(ConfigError([Problem("salient.yaml", "agents", "missing", "add one")]), 500, "config_error"),
    Case(InstallRefused("not JSON"), 500, "internal"),
    Case(SalientHostError("anything else"), 500, "internal"),
    Case(RateLimited("messages", 2.5), 429, "rate_limited", "Too many messages. Please wait 3 seconds and try again."),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: type(c.error).__name__)
async def test_the_web_answers_each_branch_by_class(case: Case) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/api/fail")
    async def fail() -> None:
        raise case.error

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/api/fail")
    body = response.json()
    assert (response.status_code, body["error"]) == (case.status, case.code)
    if case.message is not None:
        assert body["message"] == case.message
    elif case.status >= 500:
        # Internals (a server's name, a file) stay in the log; the answer names the kind and an incident.
        assert str(case.error) not in body["message"] and "incident" in body["message"]
    else:
        assert body["message"].lower().startswith(str(case.error)[:10].lower())
