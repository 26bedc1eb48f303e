"""What the outbox needs from a way of sending mail; `SmtpTransport` and `MailgunTransport` provide it."""

from __future__ import annotations

from typing import Protocol


class Transport(Protocol):
    name: str

    async def send(self, mime: bytes, *, sender: str, recipients: list[str]) -> str | None:
        """Hand one composed message over; the provider's id for it, when it gives one.

        Raises `TransientFailure` when trying again later may work and `PermanentFailure` when it will not.
        """
        ...

    async def aclose(self) -> None: ...
