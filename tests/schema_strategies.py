"""Hypothesis strategies for the JSON Schemas that Salient's tools publish (pydantic's output, refs inlined).

Covers what those schemas use: `type` (one or a list), `enum`, `const`, `anyOf`/`oneOf`, string length, `format`
(date-time, date, email, uri), number bounds, arrays with `items` and sizes, objects with `properties`, `required`
and `additionalProperties`. Values are drawn near the edges a schema allows (empty strings, bounds, far dates),
where servers break. Strategies are built for a schema, not checked against it: a caller that needs certainty
validates the value with `jsonschema`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

JSON_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")
MAX_ITEMS = 4
MAX_TEXT = 60

zones = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
FORMATS: dict[str, st.SearchStrategy[str]] = {
    "date-time": st.one_of(
        st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-03-29T01:30:00+00:00"]),
        st.datetimes(timezones=zones).map(lambda moment: moment.isoformat()),
        st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)).map(
            lambda moment: moment.isoformat()
        ),
    ),
    "date": st.dates().map(lambda day: day.isoformat()),
    "email": st.from_regex(r"\A[a-z0-9._+-]{1,12}@[a-z0-9-]{1,12}\.[a-z]{2,6}\Z"),
    "uri": st.from_regex(r"\Ahttps?://[a-z0-9-]{1,12}\.[a-z]{2,6}/[a-z0-9/_-]{0,20}\Z"),
}


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that `schema` accepts (for the keywords listed in the module docstring)."""
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            rest = {name: value for name, value in schema.items() if name != key}
            return st.one_of([from_schema({**rest, **branch}) for branch in schema[key]])
    kinds = schema.get("type", JSON_TYPES)
    if isinstance(kinds, str):
        kinds = [kinds]
    return st.one_of([_of_type(kind, schema) for kind in kinds])


def _of_type(kind: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if kind == "integer":
            low = None if low is None else int(low) + (1 if "exclusiveMinimum" in schema else 0)
            high = None if high is None else int(high) - (1 if "exclusiveMaximum" in schema else 0)
            return st.integers(min_value=low, max_value=high)
        return st.floats(
            min_value=low,
            max_value=high,
            exclude_min="exclusiveMinimum" in schema,
            exclude_max="exclusiveMaximum" in schema,
            allow_nan=False,
            allow_infinity=False,
        )
    if kind == "string":
        if schema.get("format") in FORMATS:
            return FORMATS[schema["format"]]
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        low = schema.get("minLength", 0)
        return st.text(min_size=low, max_size=max(low, min(schema.get("maxLength", MAX_TEXT), MAX_TEXT)))
    if kind == "array":
        low = schema.get("minItems", 0)
        high = max(low, min(schema.get("maxItems", MAX_ITEMS), MAX_ITEMS))
        return st.lists(from_schema(schema.get("items", {})), min_size=low, max_size=high)
    return _object(schema)


def _object(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = [name for name in schema.get("required", []) if name in properties]
    optional = {name: from_schema(sub) for name, sub in properties.items() if name not in required}
    fixed = st.fixed_dictionaries({name: from_schema(properties[name]) for name in required}, optional=optional)
    extra = schema.get("additionalProperties", not properties)
    if extra is False or not isinstance(extra, dict | bool):
        return fixed
    values = from_schema(extra) if isinstance(extra, dict) else st.one_of(st.none(), st.integers(), st.text(max_size=8))
    more = st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: k not in properties), values, max_size=3)
    return st.builds(lambda known, unknown: {**unknown, **known}, fixed, more)
