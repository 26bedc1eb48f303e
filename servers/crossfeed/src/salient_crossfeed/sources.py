"""Reading import files (CSV, JSON, YAML) into validated records, each with the line it came from.

A file holds one kind of record (CSV always; the kind comes from `--kind` or the file's name, e.g.
`orders.csv`), or, as JSON/YAML, a mapping from kinds to lists (`products: [...]`, `orders: [...]`).
CSV rows of one territory (one row per rule) or one order (one row per line) are grouped by `id`/`order_id`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from salient_core.errors import ImportFailed

from salient_crossfeed.records import KINDS, Record

RULE_LISTS = ("countries", "regions", "postal_prefixes", "industries", "email_domains")


@dataclass
class Parsed:
    """Validated records per kind, each with where it came from, plus the problems found on the way."""

    records: dict[str, list[tuple[str, Record]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, kind: str, where: str, data: Any) -> None:
        try:
            record = KINDS[kind].model_validate(data)
        except ValidationError as exc:
            self.problems.append(f"{where}: {describe(exc)}")
            return
        self.records.setdefault(kind, []).append((where, record))


def describe(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in error.errors(include_url=False))


def normal_kind(name: str) -> str | None:
    kind = name.strip().lower().replace("-", "_")
    return kind if kind in KINDS else None


def parse_file(path: Path, *, kind: str | None = None) -> Parsed:
    if not path.is_file():
        raise ImportFailed(f"No file at {str(path)!r}.", [])
    wanted = normal_kind(kind) if kind else normal_kind(path.stem)
    if kind and wanted is None:
        raise ImportFailed(f"Unknown kind {kind!r}; use one of {', '.join(KINDS)}.", [])
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if wanted is None:
            raise ImportFailed(
                f"Cannot tell what {path.name!r} holds; pass --kind ({', '.join(KINDS)}) or name the file after it.",
                [],
            )
        return parse_csv(text, wanted)
    if suffix in (".json", ".yaml", ".yml"):
        return parse_document(text, path.name, wanted if kind else None)
    raise ImportFailed(f"Cannot import {path.name!r}: use a .csv, .json, .yaml or .yml file.", [])


# -- CSV -----------------------------------------------------------------------------------------------------


def _rule_from_row(row: dict[str, str]) -> dict[str, Any]:
    rule: dict[str, Any] = {k: [v.strip() for v in row[k].split("|") if v.strip()] for k in RULE_LISTS if row.get(k)}
    if row.get("postal_ranges"):
        rule["postal_ranges"] = [part.split("..", 1) for part in row["postal_ranges"].split("|") if part.strip()]
    for key in ("size_min", "size_max"):
        if row.get(key):
            rule[key] = row[key]
    return rule


def parse_csv(text: str, kind: str) -> Parsed:
    parsed = Parsed()
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ImportFailed("The CSV file is empty; line 1 must name the columns.", [])
    groups: dict[str, tuple[str, dict[str, Any]]] = {}
    for row in reader:
        where = f"line {reader.line_num}"
        cells = {k.strip(): v.strip() for k, v in row.items() if k and isinstance(v, str) and v.strip()}
        if None in row:
            parsed.problems.append(f"{where}: more cells than columns")
            continue
        if kind == "territories":
            key = cells.get("id", "")
            rule = _rule_from_row(cells)
            head = {k: v for k, v in cells.items() if k in ("id", "name", "priority", "fallback")}
            _group(parsed, groups, key, where, head, "rules", rule if rule else None)
        elif kind == "orders":
            key = cells.get("order_id", "")
            line = {k: cells[k] for k in ("sku", "quantity") if k in cells}
            head = {k: v for k, v in cells.items() if k in ("order_id", "customer", "date")}
            _group(parsed, groups, key, where, head, "lines", line)
        else:
            parsed.add(kind, where, cells)
    for where, data in groups.values():
        parsed.add(kind, where, data)
    return parsed


def _group(
    parsed: Parsed,
    groups: dict[str, tuple[str, dict[str, Any]]],
    key: str,
    where: str,
    head: dict[str, Any],
    child: str,
    item: dict[str, Any] | None,
) -> None:
    """Collect rows sharing `key` into one record; rows that disagree on the shared fields are reported."""
    if key not in groups:
        groups[key] = (where, {**head, child: []})
    first_where, data = groups[key]
    clash = [k for k, v in head.items() if k in data and data[k] != v]
    if clash:
        parsed.problems.append(f"{where}: {clash[0]} {head[clash[0]]!r} differs from {first_where} of {key!r}")
        return
    if item is not None:
        data[child].append(item)


# -- JSON and YAML -------------------------------------------------------------------------------------------


def _lines_of(text: str) -> Callable[[str, int], int | None]:
    """Line numbers of the items of each top-level list, from the YAML node tree (JSON is YAML too)."""
    import yaml  # see parse_document

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        root = None
    sections: dict[str, list[int]] = {}
    if isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            if isinstance(value_node, yaml.SequenceNode):
                sections[str(key_node.value)] = [n.start_mark.line + 1 for n in value_node.value]
    elif isinstance(root, yaml.SequenceNode):
        sections[""] = [n.start_mark.line + 1 for n in root.value]

    def line(section: str, index: int) -> int | None:
        found = sections.get(section, [])
        return found[index] if index < len(found) else None

    return line


def parse_document(text: str, name: str, kind: str | None) -> Parsed:
    # PyYAML loads with the first document read (an import, the first demo load), not on every server start.
    import yaml

    try:
        data = json.loads(text) if name.lower().endswith(".json") else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"{name} is not valid JSON: line {exc.lineno}: {exc.msg}.", []) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}: " if mark is not None else ""
        raise ImportFailed(f"{name} is not valid YAML: {at}{getattr(exc, 'problem', exc)}.", []) from exc
    line = _lines_of(text)
    if isinstance(data, list):
        if kind is None:
            raise ImportFailed(f"{name} holds a list; pass --kind to say what it lists ({', '.join(KINDS)}).", [])
        sections = {"": (kind, data)}
    elif isinstance(data, dict):
        sections = {}
        for key, items in data.items():
            section = normal_kind(str(key))
            if section is None or (kind is not None and section != kind):
                raise ImportFailed(f"{name}: unknown section {key!r}; use {', '.join(KINDS)}.", [])
            if not isinstance(items, list):
                raise ImportFailed(f"{name}: section {key!r} must be a list.", [])
            sections[str(key)] = (section, items)
    else:
        raise ImportFailed(f"{name} must hold a list of records or a mapping of kinds to lists.", [])
    parsed = Parsed()
    for section_key, (section, items) in sections.items():
        flat_orders: dict[str, tuple[str, dict[str, Any]]] = {}
        for i, item in enumerate(items):
            number = line(section_key, i)
            label = f"{section_key or section}[{i}]"
            where = f"line {number} ({label})" if number else label
            if section == "orders" and isinstance(item, dict) and "lines" not in item and "sku" in item:
                # One item per order line, as exported by most shops: group them like CSV rows.
                head = {k: v for k, v in item.items() if k not in ("sku", "quantity")}
                line_item = {k: item[k] for k in ("sku", "quantity") if k in item}
                _group(parsed, flat_orders, str(item.get("order_id", "")), where, head, "lines", line_item)
                continue
            parsed.add(section, where, item)
        for where, data in flat_orders.values():
            parsed.add(section, where, data)
    return parsed
