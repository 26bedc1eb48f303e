"""The HTTP API: start a session, send a message (JSON reply or SSE stream), list history, approve or deny calls.

The chat page's own script uses these routes with its cookie and CSRF token; API clients use the `token` that
`POST /api/sessions` returns as `Authorization: Bearer <token>`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sse_starlette import EventSourceResponse

from salient_host.engine.agents import UnknownAgent
from salient_host.engine.errors import AgentNotAllowed
from salient_host.engine.events import TurnEvent
from salient_host.engine.message_rules import checked_message
from salient_host.engine.origin import SOURCE_KEYS
from salient_host.web.context import WebContext, web
from salient_host.web.errors import NotFound
from salient_host.web.security import SessionRef, session_cookie_name, set_cookie
from salient_host.web.streaming import collect, shown_message, sse_frames

ORIGIN_KEYS = SOURCE_KEYS  # what a chat records of where it started is what the CRM lead's source takes
ClientMessageId = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_-]{8,64}$",
        description="Made by the client per message and kept until its turn ends; sending it again resumes.",
    ),
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartSession(Body):
    agent: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The agent to talk to.")
    account: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Default: the host's.")
    origin: dict[str, str] = Field(
        default_factory=dict, description=f"Where the chat was opened: {', '.join(ORIGIN_KEYS)}."
    )

    @field_validator("origin")
    @classmethod
    def _origin(cls, origin: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(origin) - set(ORIGIN_KEYS))
        if unknown:
            raise ValueError(f"unknown keys {unknown}; allowed: {', '.join(ORIGIN_KEYS)}")
        return {k: v[:2000] for k, v in origin.items() if v}


class SendMessage(Body):
    text: str = Field(min_length=1, description="The visitor's message (Markdown is shown as typed).")
    client_message_id: ClientMessageId
    after_seq: int = Field(-1, ge=-1, description="Resume after this event (Last-Event-ID wins when larger).")


class Decide(Body):
    decisions: dict[str, bool] = Field(min_length=1, description="call_id -> true (approve) or false (deny).")
    client_message_id: ClientMessageId
    after_seq: int = Field(-1, ge=-1)


class SessionOut(BaseModel):
    id: str
    account: str
    agent: str
    created_at: datetime
    title: str | None
    origin: dict[str, str]


class StartedSession(SessionOut):
    token: str = Field(description="Send as `Authorization: Bearer <token>` on this session's routes.")


class ErrorOut(BaseModel):
    error: str
    message: str


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in [
        (403, "CSRF token missing or wrong (cookie-authenticated requests)"),
        (404, "No such session, or not yours"),
        (413, "Request body too large"),
        (422, "Malformed body"),
        (429, "Rate limited; see Retry-After"),
    ]
}
TURN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The turn's result as JSON, or with `Accept: text/event-stream` its events as SSE "
        "(event names: text, tool_started, tool_finished, approval, notice, finished, failed; id = the turn's seq). "
        "A failed turn says what happened in words for the visitor, and `retry` whether sending again may help.",
        "content": {"text/event-stream": {}},
    },
    **ERRORS,
}

router = APIRouter(prefix="/api", tags=["chat"], responses=ERRORS)


def _out(info: Any) -> dict[str, Any]:
    return {k: getattr(info, k) for k in ("id", "account", "agent", "created_at", "title", "origin")}


def _after_seq(body_after: int, last_event_id: str | None) -> int:
    if last_event_id and last_event_id.strip().lstrip("-").isdigit():
        return max(body_after, int(last_event_id.strip()))
    return body_after


async def _turn_response(request: Request, ctx: WebContext, events: AsyncIterator[TurnEvent]) -> Response:
    """Answer with the turn's events as SSE, or with its result as JSON.

    The first event is awaited before answering, so a session the engine refuses is a 404, not a broken stream.
    """
    # The engine's refusals of the request itself (an unknown session: 404; an empty message, decisions that do not
    # match the calls waiting: 422) are raised by the first step and answered by class (errors.py); everything
    # inside a turn arrives as TurnFailed.
    try:
        first = await anext(events)
    except StopAsyncIteration:
        first = None
    stream = _prepend(first, events)
    if "text/event-stream" in request.headers.get("accept", ""):
        return EventSourceResponse(
            sse_frames(stream), ping=ctx.settings.sse_ping_s, headers={"Cache-Control": "no-store"}
        )
    return JSONResponse(await collect(stream))


async def _prepend(first: TurnEvent | None, rest: AsyncIterator[TurnEvent]) -> AsyncIterator[TurnEvent]:
    try:
        if first is None:
            return
        yield first
        async for event in rest:
            yield event
    finally:
        close = getattr(rest, "aclose", None)
        if close is not None:
            await close()


def _events(call: Callable[[], AsyncIterator[TurnEvent]]) -> AsyncIterator[TurnEvent]:
    """Start following a turn; an engine that refuses the session right away is a 404 too (errors.py)."""
    return call()


async def _ref(request: Request, session_id: str, ctx: Annotated[WebContext, Depends(web)]) -> SessionRef:
    ref = ctx.request_ref(request, session_id)
    await ctx.session(ref)
    return ref


@router.post("/sessions", status_code=201, response_model=StartedSession, summary="Start a chat session")
async def start_session(body: StartSession, request: Request, ctx: Annotated[WebContext, Depends(web)]) -> Response:
    """Start a session with an agent; the answer carries a bearer `token` and sets the session cookie."""
    account = body.account or ctx.settings.default_account
    if not ctx.settings.offers(account, body.agent):
        raise NotFound("no_agent", f"Account {account!r} offers no agent {body.agent!r} on the web.")
    await ctx.limit_ip(request, "new chats from your address")
    try:
        info = await ctx.conversations.start(account=account, agent=body.agent, origin=body.origin or None)
    except (AgentNotAllowed, UnknownAgent) as exc:
        raise NotFound("no_agent", f"Account {account!r} offers no agent {body.agent!r} on the web ({exc}).") from None
    token = ctx.keys.session_token(SessionRef(session_id=info.id, account=account, agent=body.agent))
    response = JSONResponse(StartedSession(**_out(info), token=token).model_dump(mode="json"), status_code=201)
    set_cookie(
        response,
        request,
        ctx.settings,
        session_cookie_name(account, body.agent),
        token,
        max_age=ctx.settings.session_days * 86400,
    )
    return response


@router.get("/sessions/{session_id}", response_model=SessionOut, summary="Describe a session")
async def get_session(
    ref: Annotated[SessionRef, Depends(_ref)], ctx: Annotated[WebContext, Depends(web)]
) -> dict[str, Any]:
    return _out(await ctx.session(ref))


@router.get("/sessions/{session_id}/messages", summary="List a session's messages")
async def list_messages(
    ref: Annotated[SessionRef, Depends(_ref)], ctx: Annotated[WebContext, Depends(web)]
) -> list[dict[str, Any]]:
    """Messages as a person sees them, oldest first; assistant text also as sanitised `html`, with tool calls."""
    messages = await ctx.conversations.history(ref.session_id, account=ref.account)
    return [shown_message(m) for m in messages]


@router.post(
    "/sessions/{session_id}/messages",
    summary="Send a message (JSON reply or SSE stream)",
    responses=TURN_RESPONSES,
    response_model=None,
)
async def send_message(
    body: SendMessage,
    request: Request,
    ref: Annotated[SessionRef, Depends(_ref)],
    ctx: Annotated[WebContext, Depends(web)],
    last_event_id: Annotated[str | None, Header()] = None,
) -> Response:
    """Store the message and run the turn. Sending the same `client_message_id` again resumes that turn's events
    after `Last-Event-ID` / `after_seq`, without storing or running the message twice."""
    text = checked_message(body.text, ctx.settings.max_message_chars)  # MessageRefused: 422 (errors.py)
    await ctx.limit_ip(request, "messages from your address")
    await ctx.limit_session(ref.session_id, "messages in this chat")
    events = _events(
        lambda: ctx.conversations.send(
            ref.session_id,
            text,
            account=ref.account,
            client_message_id=body.client_message_id,
            after_seq=_after_seq(body.after_seq, last_event_id),
        )
    )
    return await _turn_response(request, ctx, events)


@router.post(
    "/sessions/{session_id}/decisions",
    summary="Approve or deny held-back tool calls",
    responses=TURN_RESPONSES,
    response_model=None,
)
async def decide(
    body: Decide,
    request: Request,
    ref: Annotated[SessionRef, Depends(_ref)],
    ctx: Annotated[WebContext, Depends(web)],
    last_event_id: Annotated[str | None, Header()] = None,
) -> Response:
    """Decide the destructive calls the last turn is waiting on (by `call_id`), then continue the turn."""
    await ctx.limit_ip(request, "requests from your address")
    await ctx.limit_session(ref.session_id, "requests in this chat")
    events = _events(
        lambda: ctx.conversations.decide(
            ref.session_id,
            body.decisions,
            account=ref.account,
            client_message_id=body.client_message_id,
            after_seq=_after_seq(body.after_seq, last_event_id),
        )
    )
    return await _turn_response(request, ctx, events)


class Stopped(BaseModel):
    stopped: bool = Field(description="Whether a turn was running (it ends with a `failed` event, code `stopped`).")


@router.post("/sessions/{session_id}/stop", response_model=Stopped, summary="Stop the running turn")
async def stop(ref: Annotated[SessionRef, Depends(_ref)], ctx: Annotated[WebContext, Depends(web)]) -> Stopped:
    """Stop the session's running turn on the server (not just its stream); what it said so far is not kept."""
    stopped = await ctx.conversations.stop(ref.session_id, account=ref.account)
    return Stopped(stopped=stopped)
