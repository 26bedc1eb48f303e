"""The tool annotations every server publishes: what a call may do to the world, as hints for clients.

Each hint is set explicitly (the MCP defaults assume the worst). `idempotent_hint` means that calling the tool again
with the same arguments has no further effect: a second `archive_record` or `cancel_meeting` of the same record is
refused and changes nothing, so destructive tools are idempotent too. A tool that differs from these three (one
that reaches outside the server, or one that takes a new turn on every call) copies the nearest with its own hint
changed, where the tool is declared.
"""

from __future__ import annotations

from mcp.types import ToolAnnotations

READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
DESTRUCTIVE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False)
