"""The CRM's object model, once for every backend: object types, their fields, enum options, associations.

Tools validate against this table before a backend sees a request, so both backends refuse the same inputs
with the same words; `describe_schema` renders it for clients.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from salient_crm.errors import UnknownField

ObjectType = Literal["contact", "company", "deal", "lead", "activity"]
OBJECT_TYPES: tuple[ObjectType, ...] = ("contact", "company", "deal", "lead", "activity")
FieldType = Literal["string", "text", "email", "integer", "decimal", "date", "datetime", "enum", "owner"]
ActivityType = Literal["note", "call", "email", "meeting", "task"]
ACTIVITY_TYPES: tuple[ActivityType, ...] = ("note", "call", "email", "meeting", "task")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    description: str
    options: tuple[str, ...] = ()
    writable: bool = True  # False: set by a dedicated tool (email by upsert_contact, stage by move_deal_stage)
    searchable: bool = False  # matched by the free-text `query` of search_records
    hubspot: str | None = None  # HubSpot's property name when it differs (leads: `salient_<name>` otherwise)
    bounds: tuple[int, int] | None = None  # for integers


def _f(name: str, type_: FieldType, description: str, **kw: object) -> FieldSpec:
    return FieldSpec(name, type_, description, **kw)  # pyright: ignore[reportArgumentType]


LIFECYCLE = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")
LEAD_STATUS = ("new", "attempting", "connected", "qualified", "disqualified")
TIMELINES = ("now", "this_month", "this_quarter", "this_year", "later", "unknown")

FIELDS: dict[ObjectType, tuple[FieldSpec, ...]] = {
    "contact": (
        _f("email", "email", "Normalised email; set by upsert_contact.", writable=False, searchable=True),
        _f("first_name", "string", "Given name.", searchable=True, hubspot="firstname"),
        _f("last_name", "string", "Family name.", searchable=True, hubspot="lastname"),
        _f("phone", "string", "Phone number as given.", searchable=True),
        _f("job_title", "string", "Role at their company.", hubspot="jobtitle"),
        _f("company_name", "string", "Employer as the contact gave it.", searchable=True, hubspot="company"),
        _f("lifecycle_stage", "enum", "Marketing/sales stage.", options=LIFECYCLE, hubspot="lifecyclestage"),
        _f("city", "string", "City."),
        _f("country", "string", "ISO 3166 country code, e.g. US."),
        _f("owner_id", "owner", "The sales rep who owns the contact.", hubspot="hubspot_owner_id"),
    ),
    "company": (
        _f("name", "string", "Company name.", searchable=True),
        _f("domain", "string", "Web domain, e.g. example.com.", searchable=True),
        # HubSpot's own `industry` is a fixed enum (e.g. HOSPITAL_HEALTH_CARE); ours is free text, so a custom property.
        _f("industry", "string", "Industry, e.g. clinic, care-home, retail.", hubspot="salient_industry"),
        _f("employees", "integer", "Number of employees.", hubspot="numberofemployees", bounds=(0, 10_000_000)),
        _f("country", "string", "ISO 3166 country code."),
        _f("region", "string", "State or region code, e.g. CA.", hubspot="state"),
        _f("city", "string", "City."),
        _f("owner_id", "owner", "The sales rep who owns the company.", hubspot="hubspot_owner_id"),
    ),
    "deal": (
        _f("name", "string", "Deal name.", searchable=True, hubspot="dealname"),
        _f("amount", "decimal", "Value as a decimal string, in `currency`."),
        _f("currency", "string", "ISO 4217 code.", hubspot="deal_currency_code"),
        _f("pipeline", "string", "Pipeline id (list_pipelines).", writable=False),
        _f(
            "stage",
            "string",
            "Stage id within the pipeline; change with move_deal_stage.",
            writable=False,
            hubspot="dealstage",
        ),
        _f("close_date", "date", "Expected or actual close date, YYYY-MM-DD.", hubspot="closedate"),
        _f("owner_id", "owner", "The sales rep who owns the deal.", hubspot="hubspot_owner_id"),
    ),
    "lead": (
        _f("contact_id", "string", "The contact this lead is about.", writable=False),
        _f("status", "enum", "Where the lead stands.", options=LEAD_STATUS),
        _f("source_page", "string", "Page the visitor converted on.", searchable=True),
        _f("referrer", "string", "Referring URL."),
        _f("utm_source", "string", "UTM source."),
        _f("utm_medium", "string", "UTM medium."),
        _f("utm_campaign", "string", "UTM campaign.", searchable=True),
        _f("utm_term", "string", "UTM term."),
        _f("utm_content", "string", "UTM content."),
        _f("budget", "string", "Budget in the visitor's words, e.g. 'under 2,000 USD'."),
        _f("timeline", "enum", "When they intend to buy.", options=TIMELINES),
        _f("need", "text", "What they need, in their words.", searchable=True),
        _f("score", "integer", "Qualification score 0-100.", bounds=(0, 100)),
        _f("owner_id", "owner", "The sales rep working the lead.", hubspot="hubspot_owner_id"),
    ),
    "activity": (
        _f("type", "enum", "Kind of activity.", options=ACTIVITY_TYPES, writable=False),
        _f("subject", "string", "Title or subject line.", searchable=True),
        _f(
            "body",
            "text",
            "Content: note text, call summary, email body, meeting notes, task details.",
            searchable=True,
        ),
        _f("occurred_at", "datetime", "When it happened (ISO 8601 with time zone)."),
        _f("owner_id", "owner", "The rep who did it.", hubspot="hubspot_owner_id"),
    ),
}

# Which types may be linked; associations are undirected. Activities are linked by log_activity.
ASSOCIABLE: dict[ObjectType, frozenset[ObjectType]] = {
    "contact": frozenset({"company", "deal", "lead", "activity"}),
    "company": frozenset({"contact", "deal", "activity"}),
    "deal": frozenset({"contact", "company", "activity"}),
    "lead": frozenset({"contact", "activity"}),
    "activity": frozenset({"contact", "company", "deal", "lead"}),
}

SORTABLE_EXTRA = ("created_at", "updated_at")


def fields_of(object_type: ObjectType) -> dict[str, FieldSpec]:
    return {f.name: f for f in FIELDS[object_type]}


def field_of(object_type: ObjectType, name: str, *, sortable: bool = False) -> FieldSpec | None:
    """The field `name` of `object_type`; None for created_at/updated_at when `sortable`. Raises UnknownField."""
    specs = fields_of(object_type)
    if name in specs:
        return specs[name]
    if sortable and name in SORTABLE_EXTRA:
        return None
    raise UnknownField(object_type, name, [*specs, *SORTABLE_EXTRA])
