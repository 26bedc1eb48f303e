"""Run every benchmark in turn; each prints its own table. `make bench` calls this."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
BENCHES = [
    ["tools_list_size.py"],
    ["stdio_cold_start.py"],
    ["http_latency.py"],
    ["per_call.py"],
    [
        "http_latency.py",
        "--server",
        "crossfeed",
        "--tool",
        "recommend_cross_sell",
        "--args",
        '{"product_ids": ["BW-WC-AEROLI-18-BLU"]}',
    ],
    [
        "http_latency.py",
        "--server",
        "crm",
        "--tool",
        "search_records",
        "--args",
        '{"object_type": "contact", "query": "care"}',
    ],
    [
        "http_latency.py",
        "--server",
        "crm",
        "--tool",
        "upsert_contact",
        "--args",
        '{"email": "bench.visitor@example.com", "first_name": "Bench"}',
    ],
    ["catalog_search.py"],
    ["crm_search.py"],
    ["scheduling_availability.py"],
    ["scheduling_contention.py"],
    ["crossfeed_mining.py"],
    ["library_ingest.py"],
    ["library_eval.py"],
    ["host_overhead.py"],
    ["up_first_chat.py"],
]

if __name__ == "__main__":
    failed = [
        " ".join(bench)
        for bench in BENCHES
        if subprocess.run([sys.executable, str(HERE / bench[0]), *bench[1:]]).returncode
    ]
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")
