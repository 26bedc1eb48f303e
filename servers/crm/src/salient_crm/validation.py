"""Checking what callers send against the object model, before any backend sees it.

Every function returns values in canonical form (see `backends.base`) or raises an `InvalidInput` that names
the field, the value and what would be accepted.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email
from salient_core.errors import InvalidInput
from salient_core.times import check_instant

from salient_crm.backends.base import Condition, Operator
from salient_crm.errors import InvalidEmail
from salient_crm.objects import SORTABLE_EXTRA, FieldSpec, ObjectType, field_of, fields_of
from salient_crm.schemas import PropertyValue

MAX_STRING = 1000
MAX_TEXT = 20_000
OPERATORS: tuple[Operator, ...] = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "contains", "has_value")


def normalise_email(raw: str) -> str:
    """The address as the CRM keys it: trimmed, validated, domain and local part lower-cased."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(raw, str(exc)) from exc
    # Mail systems treat the local part's case as significant in theory and never in practice; people do not.
    return result.normalized.lower()


def fingerprint(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _bad(spec: FieldSpec, value: Any, expected: str) -> InvalidInput:
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    return InvalidInput(f"Field {spec.name!r} expects {expected}, got {shown}.")


def coerce(spec: FieldSpec, value: Any) -> PropertyValue:
    """One property value in canonical form; None (or an empty string) clears the field."""
    if value is None or (isinstance(value, str) and not value.strip() and spec.type != "text"):
        return None
    match spec.type:
        case "string" | "owner":
            if not isinstance(value, str):
                raise _bad(spec, value, "a string")
            text = value.strip()
            if len(text) > MAX_STRING:
                raise _bad(spec, value, f"at most {MAX_STRING} characters")
            return text
        case "text":
            if not isinstance(value, str) or len(value) > MAX_TEXT:
                raise _bad(spec, value, f"a string of at most {MAX_TEXT} characters")
            return value
        case "email":
            if not isinstance(value, str):
                raise _bad(spec, value, "an email address")
            return normalise_email(value)
        case "enum":
            if value not in spec.options:
                raise _bad(spec, value, f"one of {', '.join(spec.options)}")
            return str(value)
        case "integer":
            number = value if isinstance(value, int) and not isinstance(value, bool) else None
            low, high = spec.bounds or (-(2**31), 2**31 - 1)
            if number is None or not low <= number <= high:
                raise _bad(spec, value, f"a whole number from {low} to {high}")
            return number
        case "decimal":
            try:
                amount = Decimal(str(value)) if not isinstance(value, bool) else None
            except InvalidOperation:
                amount = None
            if amount is None or not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
                raise _bad(spec, value, "a non-negative decimal such as '1250.00'")
            return f"{amount.quantize(Decimal('0.01')):.2f}"
        case "date":
            try:
                if not isinstance(value, str):
                    raise ValueError(value)
                return date.fromisoformat(value).isoformat()
            except ValueError:
                raise _bad(spec, value, "a date YYYY-MM-DD") from None
        case "datetime":
            return iso_utc(parse_datetime(value, spec.name))


def parse_datetime(value: Any, name: str) -> datetime:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{name!r} expects an ISO 8601 datetime with time zone, got {value!r}.") from None
    try:
        return check_instant(moment).astimezone(UTC)
    except ValueError as exc:
        raise InvalidInput(f"{name!r} {value!r} {exc}.") from None


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def writable_properties(object_type: ObjectType, properties: dict[str, Any]) -> dict[str, PropertyValue]:
    """Check names, writability and values of properties a caller wants to set."""
    result: dict[str, PropertyValue] = {}
    for name, value in properties.items():
        spec = field_of(object_type, name)
        assert spec is not None
        if not spec.writable:
            raise InvalidInput(
                f"Field {name!r} of a {object_type} cannot be set with this tool.",
                hint=_setter_hint(object_type, name),
            )
        result[name] = coerce(spec, value)
    return result


def _setter_hint(object_type: ObjectType, name: str) -> str:
    if object_type == "contact" and name == "email":
        return "Call upsert_contact with the new address."
    if object_type == "deal" and name == "stage":
        return "Call move_deal_stage."
    return "It is fixed when the record is created."


def conditions(object_type: ObjectType, filters: dict[str, Any]) -> list[Condition]:
    """`{"country": "US", "amount": {"gte": 1000}, "stage": ["won", "lost"]}` as a list of conditions."""
    result: list[Condition] = []
    for name, wanted in filters.items():
        spec = field_of(object_type, name)
        assert spec is not None
        if isinstance(wanted, dict):
            if not wanted:
                raise InvalidInput(f"Filter {name!r} is empty.", hint=f"Use operators {', '.join(OPERATORS)}.")
            items = list(wanted.items())
        elif isinstance(wanted, list):
            items = [("in", wanted)]
        else:
            items = [("eq", wanted)]
        for op, value in items:
            if op not in OPERATORS:
                raise InvalidInput(f"Unknown operator {op!r} in filter {name!r}.", hint=f"Use {', '.join(OPERATORS)}.")
            if op in ("has_value", "contains") and not isinstance(value, bool if op == "has_value" else str):
                expected = "true or false" if op == "has_value" else "a string"
                raise InvalidInput(f"Operator {op!r} of filter {name!r} expects {expected}, got {value!r}.")
            if op == "has_value":
                result.append(Condition(name, "has_value", value))
            elif op == "contains":
                result.append(Condition(name, "contains", value))
            elif op == "in":
                values = value if isinstance(value, list) else [value]
                result.append(Condition(name, "in", [_filter_value(spec, v) for v in values]))
            else:
                result.append(Condition(name, op, _filter_value(spec, value)))  # pyright: ignore[reportArgumentType]
    return result


def _filter_value(spec: FieldSpec, value: Any) -> PropertyValue:
    coerced = coerce(spec, value)
    if coerced is None:
        raise InvalidInput(f"Filter {spec.name!r} has no value.", hint="Use {'has_value': false} to find empty fields.")
    return coerced


def sort_key(object_type: ObjectType, sort: str) -> tuple[str, bool]:
    """`"-amount"` means amount, descending."""
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name not in SORTABLE_EXTRA:
        field_of(object_type, name, sortable=True)
    return name, descending


def known_fields(object_type: ObjectType) -> list[str]:
    return list(fields_of(object_type))
