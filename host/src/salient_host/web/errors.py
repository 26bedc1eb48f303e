"""What the web app refuses, and how the refusal looks: JSON for the API, a small page for a browser.

    WebError                status, a stable `code` and a message that says what to do
    ├── BadRequest          400
    ├── Unauthorized        401  (admin without a valid token)
    ├── Forbidden           403  (CSRF token missing or wrong)
    ├── NotFound            404  (also a session of another account: nothing about it is revealed)
    ├── TooLarge            413
    ├── Unprocessable       422  (a well-formed body the chat cannot take: empty or too long a message)
    └── RateLimited         429  with Retry-After

Malformed bodies are FastAPI's `RequestValidationError`, answered with 422 and one sentence per problem.

Every other host error (salient_host/errors.py draws the tree) that reaches the app is answered by its class through
`HOST_ERRORS`: the most specific class listed decides the status and code. Below 500 the error's own message is
the answer (it says what to do); from 500 up the message may name internals (a server, a file), so the answer
says only what kind of failure it was and the host's log has the rest under an incident id.
"""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from salient_host.config.problems import ConfigError
from salient_host.engine.agents import ServerUnavailable, UnknownAgent
from salient_host.engine.errors import AgentNotAllowed, ConversationError, SessionNotFound
from salient_host.engine.message_rules import MessageRefused
from salient_host.engine.turn import TurnError
from salient_host.errors import SalientHostError
from salient_host.llm.budgets import BudgetExceeded
from salient_host.llm.choice import ModelUnavailable
from salient_host.mail.errors import BadUnsubscribeToken, InvalidAddress, MailError
from salient_host.mcp.contracts import ContractError
from salient_host.mcp.supervision import ServerDown
from salient_host.memory.store import DuplicateClientMessage
from salient_host.summaries.result import SummaryError, SummaryUnavailable

log = logging.getLogger(__name__)

# Deliberately the same whether the session is unknown or another account's: nothing about it is revealed.
NO_SESSION = "No such session, or it is not yours. Start a new one with POST /api/sessions."


class WebError(SalientHostError):
    status = 400

    def __init__(self, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or {}


class BadRequest(WebError):
    status = 400


class Unauthorized(WebError):
    status = 401


class Forbidden(WebError):
    status = 403


class NotFound(WebError):
    status = 404


class TooLarge(WebError):
    status = 413


class Unprocessable(WebError):
    status = 422


class RateLimited(WebError):
    status = 429

    def __init__(self, what: str, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(
            "rate_limited",
            f"Too many {what}. Please wait {seconds} second{'s' if seconds != 1 else ''} and try again.",
            headers={"Retry-After": str(seconds)},
        )
        self.retry_after = seconds


@dataclass(frozen=True)
class Answer:
    """How the web answers one branch of the host's error tree; `message` None: the error's own words."""

    status: int
    code: str
    message: str | None = None


HOST_ERRORS: dict[type[SalientHostError], Answer] = {
    SessionNotFound: Answer(404, "no_session", NO_SESSION),
    AgentNotAllowed: Answer(404, "no_session", NO_SESSION),
    ConversationError: Answer(422, "invalid_request"),
    MessageRefused: Answer(422, "invalid_request"),  # its own `code` (message_too_long) when it has one
    UnknownAgent: Answer(404, "no_agent"),
    DuplicateClientMessage: Answer(409, "duplicate_message"),
    BudgetExceeded: Answer(429, "budget_exceeded"),
    SummaryError: Answer(422, "summary_refused"),
    SummaryUnavailable: Answer(503, "summary_unavailable"),
    InvalidAddress: Answer(422, "invalid_address"),
    BadUnsubscribeToken: Answer(400, "bad_token"),
    MailError: Answer(503, "mail_unavailable"),
    ModelUnavailable: Answer(503, "no_model"),
    ServerDown: Answer(503, "server_unavailable"),
    ServerUnavailable: Answer(503, "server_unavailable"),
    ContractError: Answer(502, "server_contract"),
    TurnError: Answer(500, "turn_failed"),
    ConfigError: Answer(500, "config_error"),
    SalientHostError: Answer(500, "internal"),
}


def answer_for(exc: SalientHostError) -> tuple[int, str, str]:
    """The status, code and message the web answers `exc` with (see the module docstring)."""
    if isinstance(exc, WebError):
        return exc.status, exc.code, exc.message
    answer = next(HOST_ERRORS[kind] for kind in type(exc).__mro__ if kind in HOST_ERRORS)
    code = exc.code if isinstance(exc, MessageRefused) else answer.code
    if answer.message is not None:
        return answer.status, code, answer.message
    if answer.status < 500:
        text = str(exc)
        return answer.status, code, f"{text[:1].upper()}{text[1:]}".rstrip(".") + "."
    incident = uuid.uuid4().hex[:12]
    log.error("%s (incident %s): %s", type(exc).__name__, incident, exc, exc_info=exc)
    return answer.status, code, f"The service could not answer ({code}); the host's log has incident {incident}."


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path == "/openapi.json":
        return False
    return "text/html" in request.headers.get("accept", "")


def error_response(request: Request, status: int, code: str, message: str, headers: dict[str, str]) -> Response:
    if wants_html(request):
        templates = request.app.state.templates
        return templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message}, status_code=status, headers=headers
        )
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {error.get('msg', 'invalid')}")
    return "The request was not understood. " + "; ".join(parts) + "."


def install_error_handlers(app: FastAPI) -> None:
    async def on_web_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, WebError)
        return error_response(request, exc.status, exc.code, exc.message, exc.headers)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(request, 422, "invalid_request", _validation_message(exc), {})

    async def on_host_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SalientHostError)
        status, code, message = answer_for(exc)
        return error_response(request, status, code, message, {})

    app.add_exception_handler(WebError, on_web_error)
    app.add_exception_handler(SalientHostError, on_host_error)
    app.add_exception_handler(RequestValidationError, on_validation)
