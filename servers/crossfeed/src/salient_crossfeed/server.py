"""The crossfeed MCP server: what to offer next and who should sell it, as tools over `CrossfeedService`."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastmcp import FastMCP
from pydantic import Discriminator, Field, Tag
from salient_core.annotations import READ, WRITE
from salient_core.app import CORE_MIGRATIONS, ServerSpec, create_server
from salient_core.arguments import at_least_one_of
from salient_core.db import Database
from salient_core.dependencies import CurrentAccount, CurrentState
from salient_core.migrate import MigrationSet
from salient_core.pagination import MAX_LIMIT, Cursor

from salient_crossfeed.demo import load_demo
from salient_crossfeed.mining import Thresholds
from salient_crossfeed.records import Role
from salient_crossfeed.schemas import (
    Battlecard,
    Comparison,
    CompetitorPage,
    CrossSellResult,
    Explanation,
    RepPick,
    Strategy,
    TerritoryMatch,
    UpsellResult,
)
from salient_crossfeed.service import CrossfeedService
from salient_crossfeed.settings import CrossfeedSettings
from salient_crossfeed.territories import Customer

CROSSFEED_MIGRATIONS = MigrationSet("crossfeed", Path(__file__).parent / "migrations")
MIGRATIONS = (CORE_MIGRATIONS, CROSSFEED_MIGRATIONS)

INSTRUCTIONS = """\
Sales intelligence for one store. recommend_cross_sell suggests add-ons for products or a customer's purchases,
recommend_upsell suggests upgrades; each item carries its evidence (a curated rule, or an association mined from
orders with support, confidence and lift) and explain_recommendation shows the numbers. Competitive questions:
list_competitors, get_battlecard, compare_vs_competitor (claims carry a source and a date). Routing: find_territory,
then find_rep. Offer nothing a tool did not return."""

# find_rep moves the territory's round-robin on by one each call (unless given an idempotency key).
TAKES_A_TURN = WRITE.model_copy(update={"idempotent_hint": False})
ProductRef = Annotated[str, Field(min_length=1, max_length=200, description="Product id (catalog handle) or SKU.")]
Competitor = Annotated[str, Field(min_length=1, max_length=200, description="Competitor id or name.")]
Country = Annotated[str | None, Field(max_length=2, description="ISO 3166 alpha-2 country code, e.g. US.")]
Region = Annotated[str | None, Field(max_length=10, description="State or region code, e.g. CA.")]
Postal = Annotated[str | None, Field(max_length=12, description="Postal code.")]
Industry = Annotated[str | None, Field(max_length=60, description="Industry, e.g. clinic, care-home, consumer.")]
Size = Annotated[int | None, Field(ge=0, le=10_000_000, description="Company size in employees.")]
# An amount as a JSON number or a decimal string ("1250.00"), bounded like every other string. The discriminator
# picks the branch by JSON type, so an error names only the one that applies ("budget.text: ...").
Amount = Annotated[
    Annotated[float, Tag("number")] | Annotated[str, Tag("text"), Field(max_length=20, pattern=r"^-?\d+(\.\d+)?$")],
    Discriminator(lambda value: "text" if isinstance(value, str) else "number"),
]
Domain = Annotated[
    str | None,
    Field(max_length=253, pattern=r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$", description="Email domain, e.g. acme.de."),
]

# A customer's details, from which find_territory and find_rep work out the territory.
DETAILS = ("country", "region", "postal_code", "industry", "company_size", "email_domain")


def _open_state(db: Database, settings: CrossfeedSettings) -> CrossfeedService:
    thresholds = Thresholds(
        min_support=settings.min_support,
        min_confidence=settings.min_confidence,
        min_lift=settings.min_lift,
        min_pair_orders=settings.min_pair_orders,
    )
    return CrossfeedService(db, thresholds)


SPEC = ServerSpec(name="crossfeed", migrations=CROSSFEED_MIGRATIONS, open_state=_open_state, load_demo=load_demo)


def build_server(settings: CrossfeedSettings) -> FastMCP:
    mcp = create_server(SPEC, settings, instructions=INSTRUCTIONS)

    @mcp.tool(title="Recommend cross-sell", annotations=READ)
    async def recommend_cross_sell(
        product_ids: Annotated[
            list[ProductRef] | None, Field(max_length=20, description="Products being bought or looked at.")
        ] = None,
        customer: Annotated[
            str | None, Field(min_length=1, max_length=200, description="Customer id from order history.")
        ] = None,
        exclude_owned: Annotated[bool, Field(description="Leave out what the customer already bought.")] = True,
        limit: Annotated[int, Field(ge=1, le=20, description="Most items to return.")] = 5,
        service: CrossfeedService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> CrossSellResult:
        """Suggest add-ons for products or a customer's purchases, each with its curated or mined evidence."""
        return await service.recommend_cross_sell(
            account, products=product_ids or [], customer=customer, exclude_owned=exclude_owned, limit=limit
        )

    at_least_one_of(mcp, recommend_cross_sell, "product_ids", "customer")

    @mcp.tool(title="Recommend up-sell", annotations=READ)
    async def recommend_upsell(
        product_id: ProductRef,
        budget: Annotated[
            Amount | None, Field(description="Most the customer will pay for the upgrade (its full price).")
        ] = None,
        service: CrossfeedService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> UpsellResult:
        """Suggest upgrades of a product with the price difference and what the customer gains."""
        amount = Decimal(str(budget)) if budget is not None else None
        return await service.recommend_upsell(account, product=product_id, budget=amount)

    @mcp.tool(title="List competitors", annotations=READ)
    async def list_competitors(
        limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Competitors per page.")] = 20,
        cursor: Cursor = None,
        service: CrossfeedService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> CompetitorPage:
        """List the competitors with battlecards on file."""
        return await service.list_competitors(account, limit=limit, cursor=cursor)

    @mcp.tool(title="Get battlecard", annotations=READ)
    async def get_battlecard(
        competitor: Competitor,
        product_id: Annotated[
            str | None, Field(min_length=1, max_length=200, description="Only claims about this product of ours.")
        ] = None,
        service: CrossfeedService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> Battlecard:
        """Get a competitor's battlecard: claims of ours versus theirs, each with a source and a date."""
        return await service.get_battlecard(account, competitor=competitor, product=product_id)

    @mcp.tool(title="Compare against a competitor", annotations=READ)
    async def compare_vs_competitor(
        product_id: ProductRef,
        competitor: Competitor,
        service: CrossfeedService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> Comparison:
        """Compare one of our products with a competitor's, topic by topic, from sourced claims only."""
        return await service.compare_vs_competitor(account, product=product_id, competitor=competitor)

    @mcp.tool(title="Find territory", annotations=READ)
    async def find_territory(
        country: Country = None,
        region: Region = None,
        postal_code: Postal = None,
        industry: Industry = None,
        company_size: Size = None,
        email_domain: Domain = None,
        service: CrossfeedService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> TerritoryMatch:
        """Find the sales territory for a customer's details, with the rule that matched or the fallback."""
        who = Customer(country, region, postal_code, industry, company_size, email_domain)
        return await service.routing.find_territory(account, who)

    at_least_one_of(mcp, find_territory, *DETAILS)

    @mcp.tool(
        title="Find rep",
        tags={"write"},
        annotations=TAKES_A_TURN,
    )
    async def find_rep(
        role: Annotated[Role, Field(description="AE (sales), SE (solutions), CSM (success) or SDR.")] = "AE",
        territory: Annotated[
            str | None, Field(min_length=1, max_length=120, description="Territory id; else found from details.")
        ] = None,
        country: Country = None,
        region: Region = None,
        postal_code: Postal = None,
        industry: Industry = None,
        company_size: Size = None,
        email_domain: Domain = None,
        strategy: Annotated[Strategy, Field(description="How to share customers among the reps.")] = "round_robin",
        idempotency_key: Annotated[
            str | None,
            Field(min_length=8, max_length=200, description="Identifies this hand-off; resend it unchanged on retry."),
        ] = None,
        dry_run: Annotated[bool, Field(description="Show who would be picked without taking a turn.")] = False,
        service: CrossfeedService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> RepPick:
        """Assign a rep of a role in a territory (round-robin or least-loaded), with the fallback when none fits."""
        who = Customer(country, region, postal_code, industry, company_size, email_domain)
        return await service.routing.find_rep(
            account,
            territory=territory,
            who=who,
            role=role,
            strategy=strategy,
            idempotency_key=idempotency_key,
            dry_run=dry_run,
        )

    at_least_one_of(mcp, find_rep, "territory", *DETAILS)

    @mcp.tool(title="Explain recommendation", annotations=READ)
    async def explain_recommendation(
        id: Annotated[
            str, Field(min_length=3, max_length=500, description="An evidence or up-sell id from a recommendation.")
        ],
        service: CrossfeedService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> Explanation:
        """Explain one recommendation: the curated rule as written, or the mined association with its numbers."""
        return await service.explain(account, id)

    return mcp


def create(**settings: Any) -> FastMCP:
    """Build the server from keyword settings; the `salient.servers` entry point, for tools and tests."""
    return build_server(CrossfeedSettings(**settings))
