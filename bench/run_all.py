"""Run every benchmark in turn, then print one table of the headline figures, each next to its baseline.

Each bench prints its own tables as it runs and records its headline figures (`common.record`) into a file this
script names in `SALIENT_BENCH_RESULTS`; the baseline of each figure was measured by the same bench in the same run,
so the ratio is computed here, never typed. At the end: one table (row | Salient | baseline | ratio | goal | met?),
one of the scaling series (each search's p50 at growing sizes), both also written to `bench/results/latest.md` and
`latest.json` (git-ignored) for a note to paste.

    uv run python bench/run_all.py                      # full sizes: long (an hour or more on a small machine)
    uv run python bench/run_all.py --quick              # small sizes, fewer calls: checks every row is recorded
    uv run python bench/run_all.py --only per_call,crm_search
    make bench ARGS=--quick

`--time-server` (or `mcp-server-time` on PATH) gives the cold-start rows their reference baseline.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import RESULTS_ENV, Goal, console, print_table

HERE = Path(__file__).parent
RESULTS = HERE / "results"


@dataclass(frozen=True)
class Bench:
    """One bench script run: `name` for `--only`; `quick`, the options `--quick` sets (replacing the same options of
    `args`), or None to leave the bench out of a quick run unless `--only` names it."""

    name: str
    script: str
    args: tuple[str, ...] = ()
    quick: tuple[str, ...] | None = ()


# The rows first, in its order; then the benches that record no headline row.
BENCHES = [
    Bench("per_call", "per_call.py", quick=("--calls", "60", "--rounds", "1")),
    Bench(
        "crm_search",
        "crm_search.py",
        ("--sizes", "1000,10000,100000"),
        quick=("--sizes", "1000,10000", "--queries", "20", "--databases", "sqlite"),
    ),
    Bench(
        "scheduling_availability",
        "scheduling_availability.py",
        ("--bookings", "100,500,5000"),
        quick=("--bookings", "100,500", "--calls", "20"),
    ),
    Bench(
        "catalog_search",
        "catalog_search.py",
        ("--sizes", "1000,10000,50000"),
        quick=("--sizes", "1000,5000", "--queries", "40", "--rounds", "1"),
    ),
    Bench("stdio_cold_start", "stdio_cold_start.py", quick=("--rounds", "2")),
    Bench("up_first_chat", "up_first_chat.py", quick=("--runs", "1")),
    Bench("host_overhead", "host_overhead.py", quick=("--turns", "30", "--rounds", "3")),
    Bench(
        "host_overhead_postgresql",
        "host_overhead.py",
        ("--db", "postgresql://postgres@127.0.0.1:5432/postgres"),  # the memory's scratch databases beside it
        quick=("--turns", "30", "--rounds", "3"),
    ),
    Bench(
        "library_ingest",
        "library_ingest.py",
        ("--chunks", "1000,5000,20000"),
        quick=("--chunks", "100,400", "--texts", "32", "--queries", "20", "--rounds", "1"),
    ),
    Bench("tools_list_size", "tools_list_size.py"),
    Bench("http_latency", "http_latency.py", quick=("--calls", "50")),
    Bench(
        "http_latency_crossfeed",
        "http_latency.py",
        (
            "--server",
            "crossfeed",
            "--tool",
            "recommend_cross_sell",
            "--args",
            '{"product_ids": ["BW-WC-AEROLI-18-BLU"]}',
        ),
        quick=None,
    ),
    Bench(
        "http_latency_crm_search",
        "http_latency.py",
        ("--server", "crm", "--tool", "search_records", "--args", '{"object_type": "contact", "query": "care"}'),
        quick=None,
    ),
    Bench(
        "http_latency_crm_upsert",
        "http_latency.py",
        (
            "--server",
            "crm",
            "--tool",
            "upsert_contact",
            "--args",
            '{"email": "bench.visitor@example.com", "first_name": "Bench"}',
        ),
        quick=None,
    ),
    Bench("scheduling_contention", "scheduling_contention.py", quick=None),
    Bench("crossfeed_mining", "crossfeed_mining.py", quick=None),
    Bench("library_eval", "library_eval.py", quick=None),
    Bench("catalog_quality", "catalog_quality.py", quick=None),
]


def command(bench: Bench, quick: bool, time_server: str | None) -> list[str]:
    extra = list(bench.quick or ()) if quick else []
    args, overridden, rest = [], {a for a in extra if a.startswith("--")}, list(bench.args)
    while rest:  # a full-run option the quick ones set again is dropped with its value, so the command reads plainly
        arg = rest.pop(0)
        if arg in overridden:
            if rest and not rest[0].startswith("--"):
                rest.pop(0)
        else:
            args.append(arg)
    args += extra
    if bench.name == "stdio_cold_start" and time_server:
        args += ["--time-server", time_server]
    return [sys.executable, str(HERE / bench.script), *args]


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{text} {unit}".strip()


def goal_text(goal: Goal, unit: str) -> str:
    sign = "≤" if goal.op == "<=" else "≥"
    return f"{sign} {goal.limit:g}x baseline" if goal.on == "ratio" else f"{sign} {goal.limit:g} {unit}"


def headline_rows(entries: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for e in entries:
        ratio = e["value"] / e["baseline"] if e["baseline"] else None
        goal = Goal(**e["goal"]) if e["goal"] else None
        met = goal.met(e["value"], ratio) if goal else None
        baseline = f"{fmt(e['baseline'], e['unit'])} ({e['vs']})" if e["baseline"] is not None else "-"
        rows.append(
            [
                e["row"] + (f" [{e['note']}]" if e["note"] else ""),
                fmt(e["value"], e["unit"]),
                baseline,
                f"{ratio:.2f}x" if ratio is not None else "-",
                goal_text(goal, e["unit"]) if goal else "-",
                {True: "yes", False: "NO", None: "-"}[met],
            ]
        )
    return rows


def scaling_rows(entries: list[dict[str, Any]]) -> list[list[str]]:
    series: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        series.setdefault(e["series"], []).append(e)
    rows = []
    for name, points in series.items():
        points.sort(key=lambda p: p["size"])
        first, last = points[0], points[-1]
        growth = (
            f"{last['value'] / first['value']:.1f}x for {last['size'] / first['size']:.0f}x the size"
            if len(points) > 1 and first["value"]
            else "-"
        )
        rows.append(
            [
                name,
                " → ".join(f"{p['size']:,}" for p in points),
                " → ".join(fmt(p["value"]) for p in points) + f" {first['unit']}",
                growth,
            ]
        )
    return rows


HEADLINE = ["row", "Salient", "baseline (same run)", "ratio", "goal", "met?"]
SCALING = ["series", "sizes", "p50", "growth"]


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def report(entries: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    headline = headline_rows([e for e in entries if e["kind"] == "row"])
    scaling = scaling_rows([e for e in entries if e["kind"] == "scale"])
    console.width = max(console.width, 160)
    title = f"{meta['mode']} run, {meta['date']}, commit {meta['commit']}, load {meta['load']}"
    print_table(f"headline figures, each with its baseline from the same run ({title})", HEADLINE, headline)
    if scaling:
        print_table("search latency as the data grows (same run)", SCALING, scaling)
    if meta["failed"]:
        console.print(f"[red]failed: {', '.join(meta['failed'])}[/red] (their rows are missing above)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps({**meta, "entries": entries}, indent=2) + "\n", encoding="utf-8")
    text = [f"Benchmarks: {title}; {meta['minutes']:.0f} min.", ""]
    if meta["mode"] == "quick":
        text += [
            "Quick run: small sizes and few calls, to check every row is recorded; not a verdict on the goals.",
            "",
        ]
    text += [markdown(HEADLINE, headline), ""]
    if scaling:
        text += ["Scaling:", "", markdown(SCALING, scaling), ""]
    if meta["failed"]:
        text += [f"Failed (rows missing): {', '.join(meta['failed'])}", ""]
    (RESULTS / "latest.md").write_text("\n".join(text), encoding="utf-8")
    console.print(f"written: {RESULTS / 'latest.md'}, {RESULTS / 'latest.json'}")


def commit() -> str:
    found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True)
    return found.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Small sizes and few calls: minutes, not hours.")
    parser.add_argument("--only", default="", help="Comma-separated bench names: " + ", ".join(b.name for b in BENCHES))
    parser.add_argument("--time-server", help="The mcp-server-time executable (default: found on PATH).")
    options = parser.parse_args()
    only = {n.strip() for n in options.only.split(",") if n.strip()}
    unknown = only - {b.name for b in BENCHES}
    if unknown:
        parser.error(f"no bench named {', '.join(sorted(unknown))}; choose from {', '.join(b.name for b in BENCHES)}")
    chosen = [b for b in BENCHES if (b.name in only if only else not options.quick or b.quick is not None)]
    time_server = options.time_server or shutil.which("mcp-server-time")
    started = time.perf_counter()
    failed = []
    with tempfile.TemporaryDirectory(prefix="salient-bench-results-") as scratch:
        sink = Path(scratch) / "entries.jsonl"
        sink.touch()
        for bench in chosen:
            args = command(bench, options.quick, time_server)
            console.rule(f"{bench.name}: {' '.join(args[1:])}")
            if subprocess.run(args, env={**os.environ, RESULTS_ENV: str(sink)}).returncode:
                failed.append(bench.name)
        entries = [json.loads(line) for line in sink.read_text(encoding="utf-8").splitlines() if line]
    load = os.getloadavg()
    meta = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if options.quick else "full",
        "commit": commit(),
        "load": f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}",
        "minutes": (time.perf_counter() - started) / 60,
        "benches": [b.name for b in chosen],
        "failed": failed,
    }
    report(entries, meta)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
