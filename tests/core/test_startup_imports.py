"""Start-up imports only what the first requests need: heavy optional libraries load on the path that uses them.

One fresh interpreter imports the `salient` command line, then each server's entry module and builds its server
(tool registration included), and reports which of the guarded modules each step brought in.
"""

from __future__ import annotations

import json
import subprocess
import sys

# Loaded on use only: migrations that have work to do, HTTP rate limits, a document of that kind, a backend or
# command chosen by the settings, the vector store once opened.
SERVER_GUARDED = [
    "alembic",
    "mako",
    "limits",
    "redis",
    "chromadb",
    "pypdf",
    "trafilatura",
    "icalendar",
    "nylas",
    "hubspot",
]
# Every `salient` command imports the command line; the database and MCP stacks load with the commands using them.
HOST_GUARDED = ["sqlalchemy", "fastmcp", "mcp", "alembic", "httpx"]
SERVERS = ["catalog", "crm", "scheduling", "crossfeed", "library"]

PROBE = """
import importlib, json, sys
guarded = json.loads(sys.argv[1])
def loaded(names):
    return sorted(name for name in names if name in sys.modules)
report = {}
importlib.import_module("salient_host.cli.main")
report["salient_host.cli.main"] = loaded(json.loads(sys.argv[2]))
for name in json.loads(sys.argv[3]):
    main = importlib.import_module(f"salient_{name}.__main__")
    server = importlib.import_module(f"salient_{name}.server")
    settings = importlib.import_module(f"salient_{name}.settings")
    server.build_server(getattr(settings, name.capitalize() + "Settings")())
    report[name] = loaded(guarded)
print(json.dumps(report))
"""


def test_start_up_leaves_heavy_optional_modules_unloaded(tmp_path) -> None:
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(SERVER_GUARDED), json.dumps(HOST_GUARDED), json.dumps(SERVERS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report == {"salient_host.cli.main": [], **{name: [] for name in SERVERS}}
