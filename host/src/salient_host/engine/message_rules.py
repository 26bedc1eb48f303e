"""What a person's message may be, the same for every way in: `salient chat`, `salient ask`, the web chat and API.

A message is refused before anything is stored or started when it is empty or longer than `MAX_MESSAGE_CHARS`
(the web's `SALIENT_WEB_MAX_MESSAGE_CHARS` defaults to it).
"""

from __future__ import annotations

from typing import Literal

from salient_host.errors import SalientHostError

MAX_MESSAGE_CHARS = 4000


class MessageRefused(SalientHostError):
    """A message that cannot be sent; the text says what to change."""

    def __init__(self, code: Literal["invalid_request", "message_too_long"], message: str) -> None:
        super().__init__(message)
        self.code = code


def checked_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` without its surrounding white space; MessageRefused when it is empty or over `limit` characters."""
    text = text.strip()
    if not text:
        raise MessageRefused("invalid_request", "The message is empty. Type something to send.")
    if len(text) > limit:
        raise MessageRefused(
            "message_too_long",
            f"The message has {len(text)} characters; the limit is {limit}. "
            "Shorten it or split it into several messages.",
        )
    return text
