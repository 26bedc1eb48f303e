"""Secrets out of tool arguments before they are shown or stored; the rules live in core, shared with the servers."""

from salient_core.redact import REDACTED, SECRET_KEY, redact

__all__ = ["REDACTED", "SECRET_KEY", "redact"]
