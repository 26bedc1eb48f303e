"""The host's rooms import one another in one direction only: no room reaches up into a room that imports it."""

from __future__ import annotations

import ast
from collections import defaultdict
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import salient_host

ROOT = Path(salient_host.__file__).resolve().parent


def room_imports() -> dict[str, set[str]]:
    """Which rooms (sub-packages, or top-level modules such as errors.py) each room imports from."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        room = parts[0] if len(parts) > 1 else path.stem
        graph[room]  # a room that imports nothing is still a room
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("salient_host."):
                target = node.module.split(".")[1]
                if target != room:
                    graph[room].add(target)
    return graph


def test_the_rooms_import_without_a_cycle() -> None:
    graph = room_imports()
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise AssertionError(f"rooms import each other in a cycle: {exc.args[1]}") from None
    assert {"engine", "mcp", "summaries", "mail", "config"} <= set(order)


def test_mail_and_summaries_stand_below_what_uses_them() -> None:
    graph = room_imports()
    assert "config" not in graph["mail"]  # config's schema holds mail's settings
    assert "engine" not in graph["summaries"]  # the engine runs the summaries
