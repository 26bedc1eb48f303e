"""`salient-crm`: serve the CRM over stdio or HTTP, manage tokens, set a HubSpot portal up for Salient."""

from __future__ import annotations

import typer
from salient_core.cli import console, make_cli, run_async, settings_of

from salient_crm.server import CRM_MIGRATIONS, build_server
from salient_crm.settings import CrmSettings

app = make_cli(
    "crm",
    CrmSettings,
    build_server,
    migrations=CRM_MIGRATIONS,
    help="Salient crm MCP server: contacts, companies, leads, deals, activities and visitor profiles, "
    "in its own database or in HubSpot. Serves stdio by default; --http for streamable HTTP.",
)

hubspot = typer.Typer(help="Work on the HubSpot portal behind the hubspot backend.", no_args_is_help=True)
app.add_typer(hubspot, name="hubspot")


@hubspot.command("setup")
def hubspot_setup(ctx: typer.Context) -> None:
    """Create Salient's custom properties in the HubSpot portal (once per portal; re-running changes nothing)."""
    # The HubSpot client (hubspot-api-client, urllib3) loads for this command only, not for every start of the server.
    from salient_crm.backends.hubspot_api import HubSpotApi
    from salient_crm.backends.hubspot_setup import SetupReport, setup

    settings = settings_of(ctx, CrmSettings)
    if settings.hubspot_token is None or not settings.hubspot_token.get_secret_value():
        console.print("[red]error:[/red] set SALIENT_CRM_HUBSPOT_TOKEN to the portal's private app token first.")
        raise typer.Exit(2)
    api = HubSpotApi(
        settings.hubspot_token.get_secret_value(), settings.hubspot_base_url, search_rate=settings.hubspot_search_rate
    )
    report: SetupReport = run_async(setup(api))
    for name in report.created:
        console.print(f"created  {name}", highlight=False)
    for name in report.existing:
        console.print(f"existed  {name}", highlight=False)
    for name in report.mismatched:
        console.print(f"[yellow]differs[/yellow]  {name}", highlight=False)
    console.print(f"HubSpot portal: {report.summary()}", highlight=False)
    if report.mismatched:
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
