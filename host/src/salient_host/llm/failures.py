"""What a model provider's failure says: its own words, and whether it could be reached at all."""

from __future__ import annotations

from typing import Any

from pydantic_ai.exceptions import ModelHTTPError


def provider_message(exc: BaseException) -> str:
    """The provider's own words when its error body has them (`{"error": {"message": ...}}`), else the exception."""
    body = exc.body if isinstance(exc, ModelHTTPError) else None
    if isinstance(body, dict):
        error: Any = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return (
                f"{error['message']} (HTTP {exc.status_code})" if isinstance(exc, ModelHTTPError) else error["message"]
            )
    return str(exc) or type(exc).__name__


# Exceptions (by class name: httpx, httpx2 and the provider SDKs each have their own) meaning no connection was made.
UNREACHABLE = {"ConnectError", "ConnectTimeout", "APIConnectionError", "APITimeoutError"}


def unreachable(exc: BaseException) -> bool:
    """Whether `exc` means the model's server could not be reached at all (not that it refused the request)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if type(current).__name__ in UNREACHABLE:
            return True
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return False
