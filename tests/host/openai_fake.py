"""An OpenAI-compatible chat completions server for loopback tests: the one stand-in the host tests use.

It behaves like a model that always searches first: asked a question with a `*search_products` tool on offer, it
calls that tool with the question; given the tool's result, it answers by naming the first product found. Request
and response bodies have the real `POST /v1/chat/completions` shapes (non-streaming).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class Received:
    body: dict[str, Any]
    authorization: str | None


@dataclass
class FakeOpenAI:
    requests: list[Received] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self.completions, methods=["POST"])])

    async def completions(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append(Received(body, request.headers.get("authorization")))
        if body.get("stream"):
            return JSONResponse(
                {"error": {"message": "streaming is not supported here", "type": "invalid_request"}}, 400
            )
        messages = body["messages"]
        last = messages[-1]
        if last["role"] == "tool":
            return self._reply(body, {"role": "assistant", "content": _answer_from(last["content"])}, "stop")
        tool = next(
            (t["function"]["name"] for t in body.get("tools", []) if t["function"]["name"].endswith("search_products")),
            None,
        )
        if tool is None:
            return self._reply(body, {"role": "assistant", "content": "I have no product search tool."}, "stop")
        question = _text(last["content"])
        call = {
            "id": f"call_{len(self.requests)}",
            "type": "function",
            "function": {"name": tool, "arguments": json.dumps({"query": question})},
        }
        return self._reply(body, {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls")

    def _reply(self, body: dict[str, Any], message: dict[str, Any], finish: str) -> JSONResponse:
        prompt = sum(len(json.dumps(m)) for m in body["messages"]) // 4
        completion = len(json.dumps(message)) // 4
        return JSONResponse(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
            }
        )


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
    hits = result.get("hits") or []
    if not hits:
        return "I found no matching product."
    product = hits[0]["product"]
    price = product["price_from"]
    return f"The best match is {product['name']} at {price['amount']} {price['currency']}."
