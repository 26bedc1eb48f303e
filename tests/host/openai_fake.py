"""An OpenAI-compatible chat completions server for loopback tests: the one stand-in the host tests use.

It behaves like a model that always searches first: asked a question with a `*search_products` tool on offer, it
calls that tool with the question; given the tool's result, it answers by naming the first product found. Asked to
"archive contact N" with an `*archive_record` tool on offer, it calls that instead; given a message with an e-mail
address and an `*upsert_contact` tool, it saves the contact (or, asked for a summary with an `email_summary` tool
on offer, e-mails one). Asked for a conversation's e-mail summary (no tools,
the host's summary instructions), it writes one from the transcript. Request
and response bodies have the real `POST /v1/chat/completions` shapes, streamed or not: with `"stream": true` the
answer comes as `chat.completion.chunk` server-sent events (text a word at a time, a tool call's arguments in
fragments) and, when `stream_options.include_usage` asks for it, a last chunk with the usage and no choices.

`hang=True` makes it take requests and never answer (`received` is set when one arrives), for crash tests.
`GET /v1/models` lists the models it serves; with `require_key` every request without that bearer key gets 401.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class Received:
    body: dict[str, Any]
    authorization: str | None


@dataclass
class FakeOpenAI:
    requests: list[Received] = field(default_factory=list)
    hang: bool = False
    received: asyncio.Event = field(default_factory=asyncio.Event)
    require_key: str | None = None

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/chat/completions", self.completions, methods=["POST"]),
                Route("/v1/models", self.models, methods=["GET"]),
            ]
        )

    def _refused(self, request: Request) -> Response | None:
        if self.require_key is None or request.headers.get("authorization") == f"Bearer {self.require_key}":
            return None
        error = {"message": "Incorrect API key provided.", "type": "invalid_request_error", "code": "invalid_api_key"}
        return JSONResponse({"error": error}, 401)

    async def models(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        return JSONResponse({"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model", "owned_by": "fake"}]})

    async def completions(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        body = await request.json()
        self.requests.append(Received(body, request.headers.get("authorization")))
        self.received.set()
        if self.hang:
            while (await request.receive())["type"] != "http.disconnect":  # waits until the client goes away
                pass
            return JSONResponse({"error": {"message": "the client went away"}}, 499)
        message, finish = self._decide(body)
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return StreamingResponse(self._chunks(body, message, finish, include_usage), media_type="text/event-stream")
        return JSONResponse(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": _usage(body, message),
            }
        )

    def _decide(self, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        messages = body["messages"]
        last = messages[-1]
        if last["role"] == "tool":
            return {"role": "assistant", "content": _answer_from(last["content"])}, "stop"
        tools = [t["function"]["name"] for t in body.get("tools", [])]
        question = _text(last["content"])
        system = " ".join(_text(m["content"]) for m in messages if m["role"] == "system")
        if not tools and "e-mail summary of a conversation" in system:
            first = question.split("\n\n")[0].removeprefix("Visitor: ")
            return {"role": "assistant", "content": f"## Summary\n\n- You asked: {first}"}, "stop"
        archive = re.search(r"archive contact (\d+)", question)
        archiver = next((t for t in tools if t.endswith("archive_record")), None)
        email = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", question)
        upserter = next((t for t in tools if t.endswith("upsert_contact")), None)
        if archive and archiver:
            name, arguments = archiver, {"object_type": "contact", "id": archive.group(1)}
        elif email and "summary" in question and "email_summary" in tools:
            name, arguments = "email_summary", {"visitor_email": email.group(0)}
        elif email and upserter:
            name, arguments = upserter, {"email": email.group(0)}
        else:
            search = next((t for t in tools if t.endswith("search_products")), None)
            if search is None:
                return {"role": "assistant", "content": "I have no product search tool."}, "stop"
            name, arguments = search, {"query": question}
        call = {
            "id": f"call_{len(self.requests)}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }
        return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"

    async def _chunks(
        self, body: dict[str, Any], message: dict[str, Any], finish: str, include_usage: bool
    ) -> AsyncIterator[str]:
        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> str:
            payload = {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
            }
            return f"data: {json.dumps(payload)}\n\n"

        yield chunk({"role": "assistant", "content": ""})
        words = (message.get("content") or "").split(" ")
        for piece in [w + " " for w in words[:-1]] + words[-1:]:
            if piece:
                yield chunk({"content": piece})  # a word at a time, as models stream tokens
        for index, call in enumerate(message.get("tool_calls") or []):
            head = {"index": index, "id": call["id"], "type": "function"}
            yield chunk({"tool_calls": [{**head, "function": {"name": call["function"]["name"], "arguments": ""}}]})
            arguments = call["function"]["arguments"]
            for start in range(0, len(arguments), 7):
                yield chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[start : start + 7]}}]})
        yield chunk({}, finish)
        if include_usage:
            payload = {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [],
                "usage": _usage(body, message),
            }
            yield f"data: {json.dumps(payload)}\n\n"
        yield "data: [DONE]\n\n"


def _usage(body: dict[str, Any], message: dict[str, Any]) -> dict[str, int]:
    prompt = sum(len(json.dumps(m)) for m in body["messages"]) // 4
    completion = len(json.dumps(message)) // 4
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _text(content: Any) -> str:
    """A message's text: a plain string, or the text parts of a content list."""
    if isinstance(content, str):
        return content
    return " ".join(part.get("text", "") for part in content if part.get("type") == "text")


def _answer_from(tool_content: Any) -> str:
    try:
        result = json.loads(_text(tool_content))
    except json.JSONDecodeError:
        return f"The search said: {_text(tool_content)}"
    if "record" in result:
        return f"Contact {result['record']['id']} is archived: {result['record']['archived']}."
    if "sent_to" in result:
        return f"The summary is {result['status']}: sent to {', '.join(result['sent_to'])}."
    if "contact" in result:
        return f"Thanks, I saved your details ({result['contact']['properties']['email']})."
    hits = result.get("hits") or []
    if not hits:
        return "I found no matching product."
    product = hits[0]["product"]
    price = product["price_from"]
    return f"The best match is {product['name']} at {price['amount']} {price['currency']}."
