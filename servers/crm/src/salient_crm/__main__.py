"""`salient-crm`: serve the CRM over stdio or HTTP, and manage tokens."""

from __future__ import annotations

from salient_core.cli import make_cli

from salient_crm.server import build_server
from salient_crm.settings import CrmSettings

app = make_cli(
    "crm",
    CrmSettings,
    build_server,
    help="Salient crm MCP server: contacts, companies, leads, deals, activities and visitor profiles, "
    "in its own database or in HubSpot. Serves stdio by default; --http for streamable HTTP.",
)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
