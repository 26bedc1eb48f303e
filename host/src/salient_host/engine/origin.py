"""Where a conversation started (page, referrer, UTM tags), filled into the CRM lead by the host, not by the model.

The web chat records the page a chat was opened on in the session's `origin`. The lead the agent creates must
carry it, but the values come from the visitor's browser: putting them into the model's instructions would let
a crafted `utm_campaign` speak to the model, and asking the model to copy them invites typos. So the host
fills them in: a call to a server's `create_lead` tool gets `source` from the origin (overriding what the model
wrote for the same keys, keeping what the model gave for keys the origin lacks). Other calls pass unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic_ai import RunContext
from pydantic_ai.toolsets import ToolsetTool, WrapperToolset

# The keys of the crm server's `create_lead(source=...)`, which are also the keys the web chat records.
SOURCE_KEYS = ("page", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def lead_source(origin: Mapping[str, str]) -> dict[str, str]:
    """The part of a session's origin a lead's `source` can carry."""
    return {key: value for key in SOURCE_KEYS if (value := origin.get(key))}


@dataclass
class LeadOriginToolset(WrapperToolset[Any]):
    """Fills `source` of the `create_lead` calls to one server from the session's origin; see the module docstring.

    It wraps one server's tools (inside the `<server>_` prefix), so it sees the server's own tool names.
    """

    origin: Mapping[str, str] = field(default_factory=dict)

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        source = lead_source(self.origin)
        if source and name == "create_lead":
            given = tool_args.get("source")
            tool_args = {**tool_args, "source": {**(given if isinstance(given, dict) else {}), **source}}
        return await super().call_tool(name, tool_args, ctx, tool)
