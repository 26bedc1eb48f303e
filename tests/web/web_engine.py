"""The real conversation engine for the web tests: real MCP servers over HTTP, a scripted streaming FunctionModel.

Servers (one process each for the whole test run): `library` is tests/host/tiny_server.py offering a read-only
`search` that echoes its `text`; `crm` is the real `salient-crm` with the demo company (its `archive_record` is
destructive, so the agent's `approval: ask` holds it for a person).

The model's script, by what the visitor last wrote:
- "delete" or "archive": `crm_search_records` for the newest contact, then `crm_archive_record` on it (held for
  approval). A name with markup in it ("delete the contact <img ...>") is searched for and, found nowhere, passed as
  the id, so the approval card carries the markup. After the decision: "Done: the contact N is archived.", "OK, I
  left the contact N as it is." or, when the archive failed, what the server said.
- "xss": `library_search` with a script-injection attempt as its argument; the echo (the tool's result) and an answer
  full of script-injection attempts (as a poisoned document might carry).
- "code": an answer with a fenced code block, no tool.
- "long": `library_search` with a 6,000-character text (its echo is longer than a person is shown), then the
  cited answer.
- "slow": an answer that takes `SLOW_S` seconds to start (for stopping a turn), no tool.
- anything else: `library_search`, then an answer citing a library source as a Markdown link.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any

from engine_support import Step, scripted
from host_support import TINY_SERVER, write_config
from pydantic_ai import ModelMessage, ModelRequest, RetryPromptPart, ToolReturnPart, UserPromptPart
from pydantic_ai.models import Model
from pydantic_ai.models.function import AgentInfo, FunctionModel
from salient_host.config.load import load_config
from salient_host.engine.conversation import ConversationEngine
from salient_host.memory import Store
from support import free_port, serve_process

CITED_ANSWER = (
    "According to our [Returns and exchanges policy](https://brightwell.example/help/returns-policy), unused items "
    "can be returned within **30 days** of delivery. Mobility aids need the original packaging."
)
XSS_ANSWER = (
    "Here is what the document says: <script>window.__xss = 'script'</script> "
    '<img src="x" onerror="window.__xss = \'img\'"> '
    "[click me](javascript:window.__xss='link') "
    '<a href="javascript:window.__xss=1">raw link</a> '
    "<iframe src=\"javascript:window.__xss='iframe'\"></iframe> and that is all."
)
XSS_ARGUMENT = "<img src=x onerror=\"window.__xss='argument'\"><script>window.__xss='argument'</script>"
CODE_ANSWER = "Use this to check the battery:\n\n```python\nprint('battery ok')\n```\n\nThat's it."
INSTRUCTIONS = "Answer from the library; archive CRM records only when asked."
MODEL_NAME = "scripted-web"
SLOW_S = 30.0
LONG_TEXT = "walker " * 857 + "end"  # 6,002 characters
SLOW_ANSWER = "Finally, here is the slow answer."


def _prompt(messages: list[ModelMessage]) -> str:
    """What the visitor last wrote."""
    for message in reversed(messages):
        if isinstance(message, ModelRequest):
            for part in reversed(message.parts):
                if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                    return part.content
    return ""


def _injected_name(prompt: str) -> str | None:
    match = re.search(r"contact (<.*)$", prompt)
    return match.group(1) if match else None


def _archive(messages: list[ModelMessage], prompt: str) -> Step:
    last = messages[-1].parts[-1]
    name = _injected_name(prompt)
    if isinstance(last, UserPromptPart):
        return [("crm_search_records", {"object_type": "contact", "query": name or "", "limit": 1})]
    if isinstance(last, ToolReturnPart) and last.tool_name == "crm_search_records":
        items = last.content.get("items", []) if isinstance(last.content, dict) else []
        record = items[0]["id"] if items and name is None else name or "unknown"
        return [("crm_archive_record", {"object_type": "contact", "id": record})]
    record = _archived_id(messages)
    if isinstance(last, ToolReturnPart) and last.outcome == "denied":
        return f"OK, I left the contact {record} as it is."
    if isinstance(last, ToolReturnPart):
        return f"Done: the contact {record} is archived."
    error = last.content if isinstance(last, RetryPromptPart) else "no answer"
    return f"The contact {record} could not be archived: {error}"


def _archived_id(messages: list[ModelMessage]) -> str:
    for message in reversed(messages):
        for part in getattr(message, "parts", []):
            if getattr(part, "tool_name", None) == "crm_archive_record" and getattr(part, "part_kind", "") == (
                "tool-call"
            ):
                return str(part.args_as_dict().get("id"))
    return "unknown"


async def _slow() -> Step:
    await asyncio.sleep(SLOW_S)
    return SLOW_ANSWER


def script(messages: list[ModelMessage], info: AgentInfo) -> Step | Awaitable[Step]:
    prompt = _prompt(messages)
    lowered = prompt.lower()
    last = messages[-1].parts[-1]
    if "delete" in lowered or "archive" in lowered:
        return _archive(messages, prompt)
    if "code" in lowered:
        return CODE_ANSWER
    if "slow" in lowered:
        return _slow()
    if "long" in lowered and isinstance(last, UserPromptPart):
        return [("library_search", {"text": LONG_TEXT})]
    if "xss" in lowered:
        if isinstance(last, UserPromptPart):
            return [("library_search", {"text": XSS_ARGUMENT})]
        return f"The library returned: {getattr(last, 'content', '')}\n\n{XSS_ANSWER}"
    if isinstance(last, UserPromptPart):
        return [("library_search", {"text": prompt[:80]})]
    return CITED_ANSWER


def web_model() -> FunctionModel:
    return scripted(script, MODEL_NAME)


def web_config(directory: Path, servers: dict[str, str]) -> Path:
    """The host configuration of the web tests: the servers by URL, agents `sales` and `support`, two accounts."""
    raw = {
        "servers": {name: {"url": url, "init_timeout": 30} for name, url in servers.items()},
        "agents": {
            "sales": {
                "description": "web test agent",
                "instructions": "agents/test.md",
                "servers": {"library": {"tools": ["search"]}, "crm": {"tools": ["search_records", "archive_record"]}},
            },
            "support": {
                "description": "web test agent, reads only",
                "instructions": "agents/test.md",
                "servers": {"library": {"tools": ["search"]}},
                "approval": "deny",
            },
        },
        # Each account reaches the HTTP servers with credentials of its own, as the host requires. These servers run
        # without tokens (loopback, no auth), so they ignore the header and serve their demo data to both: the web
        # tests are about the web layer; tests/host/engine/test_host_accounts.py shows the servers' own isolation.
        "accounts": {
            name: {
                "agents": agents,
                "servers": {
                    s: {"headers": {"Authorization": f"Bearer ${{{name.upper()}_WEB_TOKEN:-none}}"}} for s in servers
                },
            }
            for name, agents in (("demo", ["sales", "support"]), ("acme", ["sales"]))
        },
        # FunctionModel has no price in genai-prices: priced here, so cost shows as it would for a real model.
        "prices": {MODEL_NAME: {"input_usd_per_million": 2.0, "output_usd_per_million": 8.0}},
    }
    return write_config(directory, raw, instructions=INSTRUCTIONS)


@contextlib.asynccontextmanager
async def web_engine(
    directory: Path, servers: dict[str, str], model: Model | None = None
) -> AsyncIterator[ConversationEngine]:
    """A ConversationEngine over a fresh SQLite store, driven by the script above (or by `model`)."""
    config = load_config(web_config(directory / "config", servers), {})
    store = await Store.open(f"sqlite:///{directory / 'host.db'}")
    try:
        async with ConversationEngine(config, store, model=model or web_model()) as engine:
            yield engine
    finally:
        await store.close()


@contextlib.contextmanager
def tiny_http_server(log: Path, *tools: str) -> Iterator[str]:
    """tests/host/tiny_server.py over streamable HTTP on a free loopback port; yields its MCP URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    args = [sys.executable, str(TINY_SERVER), "--http", str(port), *tools]
    # Any HTTP answer means uvicorn listens (the MCP endpoint refuses a bare GET).
    with serve_process(args, ready_url=url, log=log, timeout=30, ready=lambda _response: True):
        yield url


def tool_calls_of(history: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(c["server"], c["tool"]) for m in history for c in m.get("tool_calls", [])]
