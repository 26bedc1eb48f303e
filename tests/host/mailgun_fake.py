"""A stateful stand-in for Mailgun's sending API: `POST /v3/{domain}/messages.mime`, with its real shapes.

Requests need HTTP basic auth `api:<key>`; a wrong key gets Mailgun's `401` with the plain-text body `Forbidden`.
The body is multipart: `to` (one field per recipient) and `message` (the MIME file). Success is
`{"id": "<...@domain>", "message": "Queued. Thank you."}`; errors are `{"message": "..."}` (400 for a missing
parameter, 404 for an unknown domain). `fail_next(status, retry_after=..., times=...)` makes the next requests
answer 429 or 5xx, as Mailgun does under load.
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

FAILURE_TEXT = {429: "Too many requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass
class Stored:
    id: str
    domain: str
    to: list[str]
    message: EmailMessage


@dataclass
class Failure:
    status: int
    retry_after: str | None
    times: int


@dataclass
class FakeMailgun:
    api_key: str
    domains: set[str] = field(default_factory=lambda: {"mg.acme.example"})
    stored: list[Stored] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # every answer given, in order
    _failures: list[Failure] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v3/{domain}/messages.mime", self.send_mime, methods=["POST"])])

    def fail_next(self, status: int, *, retry_after: str | None = None, times: int = 1) -> None:
        self._failures.append(Failure(status, retry_after, times))

    def to(self, address: str) -> list[Stored]:
        return [s for s in self.stored if address in s.to]

    async def send_mime(self, request: Request) -> Response:
        response = await self._answer(request)
        self.statuses.append(response.status_code)
        return response

    async def _answer(self, request: Request) -> Response:
        if not self._authorised(request.headers.get("authorization", "")):
            return PlainTextResponse("Forbidden", 401)
        if self._failures:
            failure = self._failures[0]
            failure.times -= 1
            if failure.times <= 0:
                self._failures.pop(0)
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return JSONResponse({"message": FAILURE_TEXT.get(failure.status, "error")}, failure.status, headers)
        domain = request.path_params["domain"]
        if domain not in self.domains:
            return JSONResponse({"message": f"Domain not found: {domain}"}, 404)
        async with request.form() as form:  # closes the uploaded file's spool
            to = [str(v) for v in form.getlist("to")]
            upload = form.get("message")
            if not to:
                return JSONResponse({"message": "'to' parameter is missing"}, 400)
            if not isinstance(upload, UploadFile):
                return JSONResponse({"message": "'message' parameter is missing"}, 400)
            message = BytesParser(policy=policy.default).parsebytes(await upload.read())
        assert isinstance(message, EmailMessage)
        stored_id = f"<20260302090000.{next(self._ids)}@{domain}>"
        self.stored.append(Stored(stored_id, domain, to, message))
        return JSONResponse({"id": stored_id, "message": "Queued. Thank you."})

    def _authorised(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, key = base64.b64decode(value).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == "api" and key == self.api_key
