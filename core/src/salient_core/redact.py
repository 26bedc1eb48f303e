"""Secrets out of tool arguments before they are shown or stored: a call's `password` is nobody's business.

The host redacts the tool calls it records; every server redacts the arguments in its audit log of writes.
"""

from __future__ import annotations

import re
from typing import Any, cast

REDACTED = "[redacted]"
# Key names whose values are credentials. `idempotency_key` and `key` alone are not secrets; `api_key` is.
SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?$|token|secret|api[-_]?key|access[-_]?key|private[-_]?key|authori[sz]ation|^auth$"
    r"|cookie|credential|signature",
    re.IGNORECASE,
)


def redact(value: Any) -> Any:
    """A copy of `value` with every value under a credential-like key replaced, at any depth."""
    if isinstance(value, dict):
        return {k: REDACTED if SECRET_KEY.search(str(k)) else redact(v) for k, v in cast(dict[Any, Any], value).items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in cast(list[Any] | tuple[Any, ...], value)]
    return value
