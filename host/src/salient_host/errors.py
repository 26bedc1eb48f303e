"""The root of every error the host raises, so callers (the web layer, the CLI) can sort them by kind.

SalientHostError
└── ContractError           a server's published tool schema no longer carries what the host reads (mcp/)
"""

from __future__ import annotations


class SalientHostError(Exception):
    """Anything the host refuses or cannot do, said in words a user or operator can act on."""
