"""The crm MCP server: tools and a resource over `CrmService`, on the local or the HubSpot backend."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastmcp import FastMCP
from pydantic import Field
from salient_core.annotations import DESTRUCTIVE, READ, WRITE
from salient_core.app import CORE_MIGRATIONS, ServerSpec, create_server
from salient_core.arguments import ArgumentModel
from salient_core.db import Database, utcnow
from salient_core.dependencies import CurrentAccount, CurrentState
from salient_core.freeform import JsonLimits
from salient_core.migrate import MigrationSet
from salient_core.pagination import MAX_LIMIT, Cursor
from salient_core.times import Instant

from salient_crm.backends.factory import open_backend
from salient_crm.demo import load_demo
from salient_crm.objects import ActivityType, ObjectType
from salient_crm.schemas import (
    ArchiveResult,
    Association,
    Consent,
    OwnerList,
    PipelineList,
    Profile,
    RecordList,
    RecordPage,
    Ref,
    SchemaInfo,
    StageMove,
    UpdateResult,
    UpsertResult,
    WriteResult,
)
from salient_crm.service import CrmService
from salient_crm.settings import CrmSettings

CRM_MIGRATIONS = MigrationSet("crm", Path(__file__).parent / "migrations")
MIGRATIONS = (CORE_MIGRATIONS, CRM_MIGRATIONS)

INSTRUCTIONS = """\
The sales team's CRM. Find records with search_records, read them (with links) with get_records. A visitor who
leaves an email: upsert_contact (never creates a duplicate), then create_lead with where they came from, and
capture_profile for interests and consent. Record conversations with log_activity; read a timeline with
list_activities. describe_schema lists every object, field, enum option and pipeline stage."""


TypeArg = Annotated[ObjectType, Field(description="contact, company, deal, lead or activity.")]
IdArg = Annotated[str, Field(min_length=1, max_length=64, description="The record's id.")]
DryRun = Annotated[bool, Field(description="Show the result without changing anything.")]
Owner = Annotated[str | None, Field(max_length=64, description="Owner (sales rep) id from find_owner.")]
Text = Annotated[str | None, Field(max_length=1000, description="Leave out to keep the current value.")]


# Property values are scalars; filters go one level further for operators ({"amount": {"gte": 1000}}) and one more
# for their lists ({"stage": {"in": ["won", "lost"]}}); preferences are a small settings object.
PROPERTIES = JsonLimits(depth=1, entries=100, bytes=100_000)
FILTERS = JsonLimits(depth=3, entries=100, bytes=10_000)
PREFERENCES = JsonLimits(depth=3, entries=50, bytes=4_000)


def _key(what: str) -> Any:
    return Field(min_length=8, max_length=200, description=f"Identifies this {what}; when retrying, send the same key.")


RecordKey = Annotated[str, _key("record")]
LeadKey = Annotated[str, _key("lead")]
ActivityKey = Annotated[str, _key("activity")]


class LeadSource(ArgumentModel):
    """Where the visitor came from."""

    page: str | None = Field(default=None, max_length=1000, description="URL or path of the page they converted on.")
    referrer: str | None = Field(default=None, max_length=1000, description="Referring URL.")
    utm_source: str | None = Field(default=None, max_length=200, description="utm_source.")
    utm_medium: str | None = Field(default=None, max_length=200, description="utm_medium.")
    utm_campaign: str | None = Field(default=None, max_length=200, description="utm_campaign.")
    utm_term: str | None = Field(default=None, max_length=200, description="utm_term.")
    utm_content: str | None = Field(default=None, max_length=200, description="utm_content.")


class Qualification(ArgumentModel):
    """What the visitor said about budget, timeline and need (BANT-style)."""

    budget: str | None = Field(default=None, max_length=200, description="In their words, e.g. 'about 3,000 USD'.")
    timeline: str | None = Field(
        default=None, max_length=40, description="now, this_month, this_quarter, this_year, later or unknown."
    )
    need: str | None = Field(default=None, max_length=5000, description="What they need, in their words.")
    score: int | None = Field(default=None, description="0-100: how likely to buy.")


class ConsentInput(ArgumentModel):
    """The contact's answer to a marketing-consent question."""

    given: bool = Field(description="True if they agreed to marketing messages, false if they declined or withdrew.")
    source: str = Field(min_length=1, max_length=500, description="Where and how, e.g. 'web chat on /pricing'.")
    text: str = Field(default="", max_length=2000, description="The wording they agreed to.")


def _open_state(db: Database, settings: CrmSettings) -> CrmService:
    return CrmService(open_backend(db, settings))


SPEC = ServerSpec(name="crm", migrations=CRM_MIGRATIONS, open_state=_open_state, load_demo=load_demo)


def build_server(settings: CrmSettings) -> FastMCP:
    mcp = create_server(SPEC, settings, instructions=INSTRUCTIONS)

    @mcp.tool(title="Search records", annotations=READ)
    async def search_records(
        object_type: TypeArg,
        query: Annotated[str, Field(max_length=200, description="Words to find in names, emails, etc.")] = "",
        filters: Annotated[
            Annotated[dict[str, Any], FILTERS] | None,
            Field(
                description='Field filters: {"country": "US", "amount": {"gte": 1000}, "stage": ["a", "b"]}. '
                + FILTERS.describe()
            ),
        ] = None,
        sort: Annotated[str, Field(max_length=64, description="Field to sort by; prefix '-' for descending.")] = (
            "-created_at"
        ),
        limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Records per page.")] = 20,
        cursor: Cursor = None,
        service: CrmService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> RecordPage:
        """Search active records of one type by words and field filters; paginated. Fields: describe_schema."""
        return await service.search(
            account, object_type, query=query, filters=filters or {}, sort=sort, limit=limit, cursor=cursor
        )

    @mcp.tool(title="Get records", annotations=READ)
    async def get_records(
        object_type: TypeArg,
        ids: Annotated[list[IdArg], Field(min_length=1, max_length=50, description="Record ids.")],
        service: CrmService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> RecordList:
        """Get records by id with their associations (and a contact's profile); unknown ids are listed in `missing`."""
        return await service.get_records(account, object_type, ids)

    @mcp.tool(title="Create or update contact", tags={"write"}, annotations=WRITE)
    async def upsert_contact(
        email: Annotated[str, Field(min_length=3, max_length=320, description="Email address; the contact's key.")],
        first_name: Text = None,
        last_name: Text = None,
        phone: Annotated[str | None, Field(max_length=64, description="Phone number.")] = None,
        job_title: Text = None,
        company_name: Text = None,
        lifecycle_stage: Annotated[
            str | None, Field(max_length=40, description="subscriber, lead, ..., customer (describe_schema).")
        ] = None,
        city: Text = None,
        country: Annotated[str | None, Field(max_length=8, description="ISO country code, e.g. US.")] = None,
        owner_id: Owner = None,
        service: CrmService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> UpsertResult:
        """Create a contact, or update the one with this email (case and spaces ignored); safe to retry."""
        fields = {
            "first_name": first_name,
            "last_name": last_name,
            "phone": phone,
            "job_title": job_title,
            "company_name": company_name,
            "lifecycle_stage": lifecycle_stage,
            "city": city,
            "country": country,
            "owner_id": owner_id,
        }
        return await service.upsert_contact(account, email, {k: v for k, v in fields.items() if v is not None})

    @mcp.tool(title="Create company or deal", tags={"write"}, annotations=WRITE)
    async def create_record(
        object_type: Annotated[Literal["company", "deal"], Field(description="company or deal.")],
        properties: Annotated[
            dict[str, Any],
            PROPERTIES,
            Field(description='Field values, e.g. {"name": "Acme", "amount": "1200"}. ' + PROPERTIES.describe()),
        ],
        idempotency_key: RecordKey,
        associations: Annotated[
            list[Ref] | None, Field(max_length=20, description="Records to link it to (contacts, companies, deals).")
        ] = None,
        pipeline: Annotated[
            str | None, Field(max_length=64, description="Deals: pipeline id (default: first).")
        ] = None,
        stage: Annotated[str | None, Field(max_length=64, description="Deals: stage id (default: first).")] = None,
        service: CrmService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> WriteResult:
        """Create a company or a deal (contacts: upsert_contact; leads: create_lead; activities: log_activity)."""
        return await service.create_record(
            account,
            object_type,
            properties,
            associations=associations or [],
            pipeline=pipeline,
            stage=stage,
            idempotency_key=idempotency_key,
        )

    @mcp.tool(title="Create lead", tags={"write"}, annotations=WRITE)
    async def create_lead(
        contact_id: Annotated[str, Field(min_length=1, max_length=64, description="The contact (upsert_contact).")],
        idempotency_key: LeadKey,
        source: Annotated[LeadSource | None, Field(description="Page, referrer and UTM tags.")] = None,
        qualification: Annotated[Qualification | None, Field(description="Budget, timeline, need, score.")] = None,
        owner_id: Owner = None,
        service: CrmService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> WriteResult:
        """Record a lead for a contact: where they came from and how qualified they are."""
        src = source or LeadSource()
        properties = {
            "source_page": src.page,
            "referrer": src.referrer,
            **src.model_dump(include={"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}),
            **(qualification or Qualification()).model_dump(),
            "owner_id": owner_id,
        }
        return await service.create_lead(
            account, contact_id, {k: v for k, v in properties.items() if v is not None}, idempotency_key=idempotency_key
        )

    @mcp.tool(title="Update record", tags={"write"}, annotations=WRITE)
    async def update_record(
        object_type: TypeArg,
        id: IdArg,
        properties: Annotated[
            dict[str, Any], PROPERTIES, Field(description="Fields to change; null clears one. " + PROPERTIES.describe())
        ],
        dry_run: DryRun = False,
        service: CrmService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> UpdateResult:
        """Change fields of a record; returns each change (before, after). Email and deal stage have their own tools."""
        return await service.update_record(account, Ref(object_type=object_type, id=id), properties, dry_run=dry_run)

    @mcp.tool(title="Archive record", tags={"write"}, annotations=DESTRUCTIVE)
    async def archive_record(
        object_type: TypeArg,
        id: IdArg,
        dry_run: DryRun = False,
        service: CrmService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> ArchiveResult:
        """Archive a record: it leaves searches and lists. Try dry_run first."""
        return await service.archive_record(account, Ref(object_type=object_type, id=id), dry_run=dry_run)

    @mcp.tool(title="Associate records", tags={"write"}, annotations=WRITE)
    async def associate(
        left: Annotated[Ref, Field(description="One record.")],
        right: Annotated[Ref, Field(description="The record to link it to.")],
        service: CrmService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> Association:
        """Link two records, e.g. a contact to its company or a deal; linking twice changes nothing."""
        return await service.associate(account, left, right)

    @mcp.tool(title="Log activity", tags={"write"}, annotations=WRITE)
    async def log_activity(
        type: Annotated[ActivityType, Field(description="note, call, email, meeting or task.")],
        body: Annotated[str, Field(min_length=1, max_length=20_000, description="What was said or done.")],
        associations: Annotated[
            list[Ref], Field(min_length=1, max_length=20, description="Records it concerns (contact, deal, ...).")
        ],
        idempotency_key: ActivityKey,
        subject: Annotated[str | None, Field(max_length=500, description="Title or subject line.")] = None,
        occurred_at: Annotated[
            Instant | None, Field(description="When, ISO 8601 with time zone (default: now).")
        ] = None,
        owner_id: Owner = None,
        service: CrmService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> WriteResult:
        """Record a note, call, email, meeting or task on the timeline of the linked records."""
        properties = {"body": body, "subject": subject, "occurred_at": occurred_at, "owner_id": owner_id}
        return await service.log_activity(
            account, type, properties, associations=associations, idempotency_key=idempotency_key
        )

    @mcp.tool(title="List activities", annotations=READ)
    async def list_activities(
        object_type: TypeArg,
        id: IdArg,
        types: Annotated[list[ActivityType] | None, Field(max_length=5, description="Only these kinds.")] = None,
        since: Annotated[Instant | None, Field(description="Only activities at or after this time.")] = None,
        limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Activities per page.")] = 20,
        cursor: Cursor = None,
        service: CrmService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> RecordPage:
        """The timeline of a record: its activities, newest first, paginated."""
        ref = Ref(object_type=object_type, id=id)
        return await service.list_activities(account, ref, types=types or [], since=since, limit=limit, cursor=cursor)

    @mcp.tool(title="Find owner", annotations=READ)
    async def find_owner(
        query: Annotated[str, Field(max_length=200, description="Name, email, id, role or team; empty for all.")] = "",
        service: CrmService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> OwnerList:
        """Find sales reps (record owners) by name, email, role or team, to get the id for owner_id."""
        return await service.find_owner(account, query)

    @mcp.tool(title="List pipelines", annotations=READ)
    async def list_pipelines(service: CrmService = CurrentState(SPEC), account: str = CurrentAccount()) -> PipelineList:
        """List deal pipelines and their stages in order, with win probability."""
        return await service.list_pipelines(account)

    @mcp.tool(title="Move deal stage", tags={"write"}, annotations=WRITE)
    async def move_deal_stage(
        deal_id: Annotated[str, Field(min_length=1, max_length=64, description="The deal's id.")],
        stage: Annotated[str, Field(min_length=1, max_length=64, description="Stage id in the deal's pipeline.")],
        dry_run: DryRun = False,
        service: CrmService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> StageMove:
        """Move a deal to another stage of its own pipeline (stage ids: list_pipelines)."""
        return await service.move_deal_stage(account, deal_id, stage, dry_run=dry_run)

    @mcp.tool(title="Capture visitor profile", tags={"write"}, annotations=WRITE)
    async def capture_profile(
        contact_id: Annotated[str, Field(min_length=1, max_length=64, description="The contact (upsert_contact).")],
        interests: Annotated[
            list[Annotated[str, Field(max_length=200)]] | None,
            Field(max_length=50, description="Products, services or topics they are interested in (added)."),
        ] = None,
        preferences: Annotated[
            Annotated[dict[str, Any], PREFERENCES] | None,
            Field(
                description='Marketing preferences, e.g. {"channel": "email"}; need consent. ' + PREFERENCES.describe()
            ),
        ] = None,
        consent: Annotated[
            ConsentInput | None, Field(description="Their consent answer now; recorded with time and source.")
        ] = None,
        service: CrmService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> Profile:
        """Record a contact's interests, preferences and marketing consent; refuses preferences without consent."""
        given = (
            Consent(marketing=consent.given, recorded_at=utcnow(), source=consent.source, text=consent.text)
            if consent
            else None
        )
        return await service.capture_profile(
            account, contact_id, interests=interests or [], preferences=preferences or {}, consent=given
        )

    @mcp.tool(title="Describe schema", annotations=READ)
    async def describe_schema(service: CrmService = CurrentState(SPEC), account: str = CurrentAccount()) -> SchemaInfo:
        """List object types, their fields and enum options, what links to what, and the pipelines' stages."""
        return await service.describe_schema(account)

    @mcp.resource("crm://schema", name="schema", mime_type="application/json")
    async def schema_resource(
        service: CrmService = CurrentState(SPEC), account: str = CurrentAccount()
    ) -> dict[str, Any]:
        """Object types, fields, enum options, associations and pipeline stages."""
        return (await service.describe_schema(account)).model_dump(mode="json")

    return mcp


def create(**settings: Any) -> FastMCP:
    """Build the server from keyword settings; the `salient.servers` entry point, for tools and tests."""
    return build_server(CrmSettings(**settings))
