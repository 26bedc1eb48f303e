"""A small OpenAI-compatible `/v1/embeddings` server for tests, stateful enough to check what the client sent.

Vectors are hashed bags of words (not normalised: the library must normalise), so texts sharing words are
close. The first `rate_limited` requests get a 429 with `retry-after-ms`, which the openai client must retry.
Rows are returned in reverse order, so the library must put them back by `index`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

WORD = re.compile(r"[a-z0-9]+")


def vector(text: str, dimensions: int) -> list[float]:
    out = [0.0] * dimensions
    for word in WORD.findall(text.lower()):
        out[int(hashlib.md5(word.encode()).hexdigest(), 16) % dimensions] += 1.0
    return out


@dataclass
class FakeEmbeddings:
    key: str
    dimensions: int = 64
    rate_limited: int = 1
    requests: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/embeddings", self.embeddings, methods=["POST"])])

    async def embeddings(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append(body)
        self.authorizations.append(request.headers.get("authorization", ""))
        if self.rate_limited > 0:
            self.rate_limited -= 1
            error = {"error": {"message": "Rate limit reached", "type": "rate_limit_error", "code": "rate_limited"}}
            return JSONResponse(error, status_code=429, headers={"retry-after-ms": "10"})
        if request.headers.get("authorization") != f"Bearer {self.key}":
            error = {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error"}}
            return JSONResponse(error, status_code=401)
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        rows = [
            {"object": "embedding", "index": i, "embedding": vector(text, self.dimensions)}
            for i, text in enumerate(texts)
        ]
        tokens = sum(len(WORD.findall(t)) for t in texts)
        return JSONResponse(
            {
                "object": "list",
                "data": rows[::-1],
                "model": body["model"],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )
