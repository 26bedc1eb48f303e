"""What a tool, resource or prompt is handed besides its arguments: the server's state and the caller's account.

Both are fastmcp dependencies (`Depends`): a parameter whose default is one is filled on every call, left out of
the published input schema, and never taken from the client (fastmcp drops an argument sent under its name).

    async def get_booking(
        booking_id: BookingId,
        service: BookingService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> BookingOut:
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from fastmcp.dependencies import Depends
from fastmcp.server.dependencies import get_context

from salient_core.app import Runtime, ServerSpec, runtime

S = TypeVar("S")


def CurrentState(spec: ServerSpec[S, Any]) -> S:
    """The state `spec.open_state` opened when the server started (a service object), typed as that state."""
    del spec  # only types the result: a process serves one spec, whose state the lifespan put in the Runtime
    return cast(S, Depends(_state))


def CurrentAccount() -> str:
    """The account of the request's caller: from its verified token over HTTP, the configured account over stdio."""
    return Depends(_account)


def _runtime() -> Runtime[Any]:
    return runtime(get_context())


def _state() -> Any:
    return _runtime().state


def _account() -> str:
    return _runtime().caller().account
