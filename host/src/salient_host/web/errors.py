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
"""

from __future__ import annotations

import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response


class WebError(Exception):
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

    app.add_exception_handler(WebError, on_web_error)
    app.add_exception_handler(RequestValidationError, on_validation)
