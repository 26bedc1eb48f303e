"""What the web tests do as a browser would over plain HTTP: open the chat page, keep its cookies and CSRF token."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

CONFIG = re.compile(r'<script type="application/json" id="chat-config">(.*?)</script>', re.S)


@dataclass
class Frame:
    id: str | None
    event: str
    data: dict[str, Any]


def page_config(html: str) -> dict[str, Any]:
    match = CONFIG.search(html)
    assert match, "the chat page carries its configuration"
    return json.loads(match.group(1))


async def open_chat(client: httpx.AsyncClient, account: str = "demo", agent: str = "sales") -> str:
    """Load the chat page (which sets the CSRF cookie) and return the page's CSRF token."""
    response = await client.get(f"/chat/{account}/{agent}")
    assert response.status_code == 200, response.text
    return page_config(response.text)["csrf"]


async def start_session(
    client: httpx.AsyncClient, csrf: str, *, account: str = "demo", agent: str = "sales"
) -> dict[str, Any]:
    response = await client.post(
        "/api/sessions", json={"account": account, "agent": agent}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 201, response.text
    return response.json()


def message_id() -> str:
    return uuid.uuid4().hex


def parse_sse(text: str) -> list[Frame]:
    frames = []
    for block in re.split(r"\r?\n\r?\n", text):
        fields: dict[str, str] = {}
        data: list[str] = []
        for line in block.splitlines():
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            else:
                fields[name] = value
        if data:
            frames.append(
                Frame(id=fields.get("id"), event=fields.get("event", "message"), data=json.loads("\n".join(data)))
            )
    return frames
