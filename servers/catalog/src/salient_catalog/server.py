"""The catalog MCP server: tools, resources and a prompt over `CatalogService`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastmcp import FastMCP
from fastmcp.prompts import Message
from pydantic import Field
from salient_core.annotations import READ, WRITE
from salient_core.app import CORE_MIGRATIONS, ServerSpec, create_server
from salient_core.arguments import ArgumentModel
from salient_core.db import Database
from salient_core.dependencies import CurrentAccount, CurrentState
from salient_core.migrate import MigrationSet
from salient_core.pagination import MAX_LIMIT, Cursor

from salient_catalog.demo import load_demo
from salient_catalog.schemas import (
    Availability,
    CategoryPage,
    Comparison,
    Detail,
    LookupResult,
    Product,
    SearchResult,
    Sort,
    StockChange,
)
from salient_catalog.service import CatalogService
from salient_catalog.settings import CatalogSettings

CATALOG_MIGRATIONS = MigrationSet("catalog", Path(__file__).parent / "migrations")
MIGRATIONS = (CORE_MIGRATIONS, CATALOG_MIGRATIONS)

INSTRUCTIONS = """\
Product catalog of one store. Find products with search_products (filters, facets, typo-tolerant), read one
with get_product (id or SKU), several with lookup_products, put 2-5 side by side with compare_products, and
confirm stock with check_availability before promising anything. Prices are decimals with a currency.
Only state facts that a tool returned."""

Scalar = Annotated[str, Field(max_length=200)] | float | bool
AttributeName = Annotated[str, Field(min_length=1, max_length=100)]


class Range(ArgumentModel):
    """A numeric range for an attribute filter; either bound may be left out."""

    min: float | None = None
    max: float | None = None


ProductRef = Annotated[str, Field(min_length=1, max_length=200, description="Product id (handle) or SKU.")]


def _open_state(db: Database, _settings: CatalogSettings) -> CatalogService:
    return CatalogService(db)


async def _warm_up(service: CatalogService, settings: CatalogSettings) -> None:
    """Build the served account's catalog snapshot before the server reports ready (seconds for large catalogs)."""
    await service.read.get(settings.account)


SPEC = ServerSpec(
    name="catalog", migrations=CATALOG_MIGRATIONS, open_state=_open_state, load_demo=load_demo, warm_up=_warm_up
)


def build_server(settings: CatalogSettings) -> FastMCP:
    mcp = create_server(SPEC, settings, instructions=INSTRUCTIONS)

    @mcp.tool(title="Search products", annotations=READ)
    async def search_products(
        query: Annotated[
            str, Field(max_length=500, description="What the shopper asked for; empty to browse by filters.")
        ] = "",
        category: Annotated[
            str | None, Field(max_length=120, description="Category slug; includes subcategories.")
        ] = None,
        price_min: Annotated[float | None, Field(ge=0, description="Lowest variant price to include.")] = None,
        price_max: Annotated[float | None, Field(ge=0, description="Highest variant price to include.")] = None,
        in_stock: Annotated[
            bool | None, Field(description="true: only products with stock; false: only without.")
        ] = None,
        attributes: Annotated[
            dict[AttributeName, Scalar | Annotated[list[Scalar], Field(max_length=50)] | Range] | None,
            Field(
                max_length=30,
                description='Attribute filters, e.g. {"foldable": true, "weight_kg": {"max": 15}, "color": ["blue"]}.',
            ),
        ] = None,
        sort: Annotated[Sort, Field(description="Order of hits.")] = "relevance",
        limit: Annotated[int, Field(ge=1, le=50, description="Hits per page.")] = 10,
        cursor: Cursor = None,
        detail: Annotated[Detail, Field(description="summary (compact) or full (variants, attributes).")] = "summary",
        service: CatalogService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> SearchResult:
        """Search the catalog by words and filters; returns ranked products, facet counts and a next cursor.

        Use this first for any product question. Tolerates typos and plurals; per-store synonyms apply.
        When nothing matches, the result says why and suggests categories.
        """
        filters = {
            k: v.model_dump(exclude_none=True) if isinstance(v, Range) else v for k, v in (attributes or {}).items()
        }
        return await service.search(
            account,
            query=query,
            category=category,
            price_min=price_min,
            price_max=price_max,
            in_stock=in_stock,
            attributes=filters,
            sort=sort,
            limit=limit,
            cursor=cursor,
            detail=detail,
        )

    @mcp.tool(title="Get product", annotations=READ)
    async def get_product(
        id: ProductRef, service: CatalogService = CurrentState(SPEC), account: str = CurrentAccount()
    ) -> Product:
        """Get one product with all variants, prices, stock and attributes, by its id or any of its SKUs."""
        return await service.get_product(account, id)

    @mcp.tool(title="Look up products", annotations=READ)
    async def lookup_products(
        ids: Annotated[list[ProductRef], Field(min_length=1, max_length=50, description="Product ids or SKUs.")],
        service: CatalogService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> LookupResult:
        """Get several products at once by id or SKU; unknown ones are listed in `missing`."""
        return await service.lookup(account, ids)

    @mcp.tool(title="Compare products", annotations=READ)
    async def compare_products(
        ids: Annotated[list[ProductRef], Field(min_length=2, max_length=5, description="2 to 5 product ids or SKUs.")],
        attributes: Annotated[
            list[AttributeName] | None, Field(max_length=30, description="Only these rows (default: every attribute).")
        ] = None,
        service: CatalogService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> Comparison:
        """Compare 2-5 products side by side: one row per attribute, rows whose values differ are marked."""
        return await service.compare(account, ids, attributes)

    @mcp.tool(title="Check availability", annotations=READ)
    async def check_availability(
        sku: Annotated[str, Field(min_length=1, max_length=120, description="The variant's SKU.")],
        quantity: Annotated[int, Field(ge=1, le=100_000, description="How many the shopper wants.")] = 1,
        service: CatalogService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> Availability:
        """Check whether a SKU has the wanted quantity in stock; suggests sibling variants when it does not."""
        return await service.check_availability(account, sku, quantity)

    @mcp.tool(title="List categories", annotations=READ)
    async def list_categories(
        parent: Annotated[str | None, Field(max_length=120, description="Only subcategories of this slug.")] = None,
        limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Categories per page.")] = MAX_LIMIT,
        cursor: Cursor = None,
        service: CatalogService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> CategoryPage:
        """List categories as a tree (depth, parent) with product counts, to browse or to pick a filter."""
        return await service.list_categories(account, parent=parent, limit=limit, cursor=cursor)

    @mcp.tool(
        title="Adjust stock",
        tags={"write"},
        annotations=WRITE,
    )
    async def adjust_stock(
        sku: Annotated[str, Field(min_length=1, max_length=120, description="The variant's SKU.")],
        delta: Annotated[int, Field(ge=-100_000, le=100_000, description="Units to add (positive) or remove.")],
        idempotency_key: Annotated[
            str,
            Field(
                min_length=8,
                max_length=200,
                description="Identifies this adjustment; when retrying the same adjustment, send the same key.",
            ),
        ],
        reason: Annotated[str, Field(max_length=500, description="Why, for the audit trail.")] = "",
        dry_run: Annotated[bool, Field(description="Show the result without changing stock.")] = False,
        service: CatalogService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> StockChange:
        """Add or remove stock of a SKU (operators only; needs catalog:write). Stock never goes below zero."""
        return await service.adjust_stock(
            account, sku=sku, delta=delta, reason=reason, idempotency_key=idempotency_key, dry_run=dry_run
        )

    @mcp.resource("catalog://categories", name="categories", mime_type="application/json")
    async def categories_resource(
        service: CatalogService = CurrentState(SPEC), account: str = CurrentAccount()
    ) -> dict[str, Any]:
        """Every category with its parent, depth and product count."""
        page = await service.list_categories(account, parent=None, limit=10_000, cursor=None)
        return page.model_dump(mode="json")

    @mcp.resource("catalog://facets", name="facets", mime_type="application/json")
    async def facets_resource(
        service: CatalogService = CurrentState(SPEC), account: str = CurrentAccount()
    ) -> dict[str, Any]:
        """Brands, price ranges, stock and category counts across the catalog, and every attribute's type."""
        facets = await service.overview_facets(account)
        return {
            "facets": facets.model_dump(mode="json"),
            "attributes": await service.attribute_catalog(account),
        }

    @mcp.prompt(name="help_me_choose", title="Help me choose")
    def help_me_choose(
        need: Annotated[str, Field(description="What the shopper needs, in their words.")],
        budget: Annotated[str | None, Field(description="Budget, e.g. 'under 600 USD'.")] = None,
    ) -> list[Message]:
        """Guide a shopper from a need to 2-3 grounded options."""
        budget_line = f" Their budget: {budget}." if budget else ""
        return [
            Message(
                f"A shopper needs: {need}.{budget_line}\n"
                "1. Call search_products with their words (and price_max for a budget); read the facets.\n"
                "2. Ask at most one question if the facets show a real choice (size, type).\n"
                "3. compare_products on the best 2-3 hits and explain the differences that matter to them.\n"
                "4. check_availability for the variant they lean towards before recommending it.\n"
                "Quote prices and specs only from tool results, and give each product's URL."
            )
        ]

    return mcp


def create(**settings: Any) -> FastMCP:
    """Build the server from keyword settings; the `salient.servers` entry point, for tools and tests."""
    return build_server(CatalogSettings(**settings))
