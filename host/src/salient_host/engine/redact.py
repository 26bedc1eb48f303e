"""Secrets out of tool arguments before they are shown or stored; the rules live in core, shared with the servers."""

import json
from typing import Any

from pydantic_core import to_jsonable_python
from salient_core.redact import REDACTED, SECRET_KEY, redact

__all__ = ["REDACTED", "RESULT_CHARS", "SECRET_KEY", "redact", "shown_result"]

RESULT_CHARS = 2000  # of a tool's result shown to a person (the model saw all of it)


def shown_result(value: Any, max_chars: int = RESULT_CHARS) -> Any:
    """A tool's result as a person may see it: JSON data with secrets redacted like arguments, and when its JSON is
    longer than `max_chars`, that much of it as text with how much was left out."""
    data = redact(to_jsonable_python(value, fallback=str))
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    if len(text) <= max_chars:
        return data
    return f"{text[:max_chars]}… ({len(text) - max_chars:,} more characters not shown)"
