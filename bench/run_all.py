"""Run every benchmark in turn; each prints its own table. `make bench` calls this."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
BENCHES = [
    "tools_list_size.py",
    "stdio_cold_start.py",
    "http_latency.py",
    "catalog_search.py",
    "scheduling_availability.py",
]

if __name__ == "__main__":
    failed = [name for name in BENCHES if subprocess.run([sys.executable, str(HERE / name)]).returncode != 0]
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")
