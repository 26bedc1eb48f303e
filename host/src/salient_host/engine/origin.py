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

from pydantic import BaseModel
from pydantic_ai import RunContext
from pydantic_ai.toolsets import ToolsetTool, WrapperToolset

from salient_host.mcp.contracts import ArgumentContract


class LeadSource(BaseModel):
    """What a lead's `source` carries, which is also what the web chat records of where a chat started."""

    page: str | None = None
    referrer: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None


# The crm server's `create_lead(source=...)` must take every field of LeadSource (checked against its published
# input schema before the host writes one).
LEAD_SOURCE = ArgumentContract("create_lead", "source", LeadSource)
SOURCE_KEYS = tuple(LeadSource.model_fields)


def lead_source(origin: Mapping[str, str]) -> dict[str, str]:
    """The part of a session's origin a lead's `source` can carry."""
    return {key: value for key in SOURCE_KEYS if (value := origin.get(key))}


@dataclass
class LeadOriginToolset(WrapperToolset[Any]):
    """Fills `source` of the `create_lead` calls to one server from the session's origin; see the module docstring.

    It wraps one server's tools (inside the `<server>_` prefix), so it sees the server's own tool names. Before it
    fills one in, it checks that the server's published `create_lead` still takes every field of a lead's source
    (`LEAD_SOURCE`), and raises ContractError when it does not.
    """

    origin: Mapping[str, str] = field(default_factory=dict[str, str])
    server: str = ""

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        source = lead_source(self.origin)
        if source and name == LEAD_SOURCE.tool:
            LEAD_SOURCE.check(self.server, tool.tool_def.parameters_json_schema)
            given = tool_args.get("source")
            tool_args = {**tool_args, "source": {**(given if isinstance(given, dict) else {}), **source}}
        return await super().call_tool(name, tool_args, ctx, tool)
