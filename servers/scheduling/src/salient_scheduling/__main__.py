"""`salient-scheduling`: serve reps' calendars and bookings over stdio or HTTP, and manage tokens."""

from __future__ import annotations

from salient_core.cli import make_cli

from salient_scheduling.server import SCHEDULING_MIGRATIONS, build_server
from salient_scheduling.settings import SchedulingSettings

app = make_cli(
    "scheduling",
    SchedulingSettings,
    build_server,
    migrations=SCHEDULING_MIGRATIONS,
    help="Salient scheduling MCP server: availability and bookings with sales reps. "
    "Serves stdio by default; --http for streamable HTTP.",
)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
