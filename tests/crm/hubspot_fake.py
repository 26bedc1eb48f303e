"""A stateful stand-in for the HubSpot API: the endpoints the crm's HubSpot backend calls, with HubSpot's shapes.

Request and response bodies follow HubSpot's public API reference (CRM objects v3 and their search, properties
v3, associations v4, owners, pipelines, its error JSON). It checks the private-app token, keeps one portal in
memory (`hubspot_portal.Portal`), and can answer 429 with `Retry-After` to the next N requests. As strict as
HubSpot where kindness would hide a bug: search lags writes (`Portal.index_delay`), unknown properties and
enumeration values outside their options are refused, a batch read takes at most 100 inputs, search pages stop
at 10,000 results, and list cursors (`after`) are opaque. It implements only what the backend uses.
"""

from __future__ import annotations

import base64
import fnmatch
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from hubspot_portal import TYPES, Obj, Portal, _prop, stamp, validation_message
from salient_crm.demo import OWNERS, PIPELINES
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TIME_PROPS = {"createdate", "hs_createdate", "lastmodifieddate", "hs_lastmodifieddate", "hs_timestamp", "closedate"}
# What HubSpot's `query` searches by default (its search guide); leads and engagements: their name, title and body.
SEARCHABLE = {
    "contacts": ("firstname", "lastname", "email", "phone", "hs_additional_emails", "fax", "mobilephone", "company"),
    "companies": ("website", "phone", "name", "domain"),
    "deals": ("dealname", "pipeline", "dealstage", "description", "dealtype"),
    "leads": ("hs_lead_name", "salient_source_page", "salient_utm_campaign", "salient_need"),
    "notes": ("hs_note_body", "salient_subject"),
    "calls": ("hs_call_title", "hs_call_body"),
    "emails": ("hs_email_subject", "hs_email_text"),
    "meetings": ("hs_meeting_title", "hs_meeting_body"),
    "tasks": ("hs_task_subject", "hs_task_body"),
}
ASSOCIATION_TYPE_IDS = {("contacts", "companies"): 1, ("companies", "contacts"): 2, ("leads", "contacts"): 578}
BATCH_LIMIT = 100  # inputs per batch request
SEARCH_CAP = 10_000  # results a search can page through
__all__ = ["Portal", "build_app"]


def _millis(text: str) -> int:
    if text.lstrip("-").isdigit():
        return int(text)
    if len(text) == 10:
        return int(datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC).timestamp() * 1000)
    moment = datetime.fromisoformat(text)
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000)


def _key(name: str, value: str) -> tuple[int, Any]:
    """How HubSpot orders and compares a property: times and numbers by value, text case-insensitively."""
    if name in TIME_PROPS:
        return (0, _millis(value))
    try:
        return (0, Decimal(value))
    except InvalidOperation:
        return (1, value.lower())


def error(status: int, message: str, category: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category}
    return JSONResponse(body, status, headers=headers)


def _refused(results: list[dict[str, Any]]) -> JSONResponse:
    return error(400, validation_message(results), "VALIDATION_ERROR")


def _cursor(offset: int) -> str:
    """An opaque `after` cursor, as HubSpot's list endpoints give (only search pages by plain offsets)."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().removeprefix("offset:"))
    except ValueError:
        raise ValueError(f"invalid cursor {cursor!r}") from None


def _not_found(object_id: str) -> JSONResponse:
    return error(404, f"Object not found.  objectId are usually numeric. ({object_id})", "OBJECT_NOT_FOUND")


def _object_type(request: Request, key: str = "type") -> str | None:
    value = request.path_params[key]
    return value if value in TYPES else None


def _wanted(request: Request) -> list[str] | None:
    values = [p for v in request.query_params.getlist("properties") for p in v.split(",") if p]
    return values or None


def _clean(properties: dict[str, Any]) -> dict[str, str]:
    """Property values as HubSpot keeps them: strings, times in its own format, empty meaning unset."""
    clean: dict[str, str] = {}
    for name, value in properties.items():
        text = "" if value is None else str(value)
        if text and name in TIME_PROPS:
            text = stamp(datetime.fromtimestamp(_millis(text) / 1000, UTC))
        clean[name] = text
    return clean


def _matches(obj: Obj, flt: dict[str, Any]) -> bool:
    name, op = flt["propertyName"], flt["operator"]
    have = obj.properties.get(name) or None
    if op == "HAS_PROPERTY":
        return have is not None
    if op == "NOT_HAS_PROPERTY":
        return have is None
    if op == "NEQ":
        return have is None or _key(name, have) != _key(name, str(flt["value"]))
    if have is None:
        return False
    if op == "IN":
        return any(_key(name, have) == _key(name, str(v)) for v in flt["values"])
    if op == "CONTAINS_TOKEN":
        pattern = str(flt["value"]).lower()
        if "*" in pattern:
            return fnmatch.fnmatchcase(have.lower(), pattern)
        return pattern in re.split(r"[^\w]+", have.lower())
    compare: dict[str, Callable[[Any, Any], bool]] = {
        "EQ": lambda a, b: a == b,
        "GT": lambda a, b: a > b,
        "GTE": lambda a, b: a >= b,
        "LT": lambda a, b: a < b,
        "LTE": lambda a, b: a <= b,
    }
    return compare[op](_key(name, have), _key(name, str(flt["value"])))


def build_app(portal: Portal) -> Starlette:
    async def create(request: Request) -> Response:
        object_type = _object_type(request)
        if object_type is None:
            return error(400, f"Unable to infer object type from: {request.path_params['type']}", "VALIDATION_ERROR")
        body = await request.json()
        props = _clean(body.get("properties") or {})
        if refused := portal.invalid(object_type, props):
            return _refused(refused)
        email = props.get("email", "").lower()
        if object_type == "contacts" and email:
            props["email"] = email
            twin = next((o for o in portal.objects["contacts"].values() if o.archived_at is None and
                         o.properties.get("email") == email), None)  # fmt: skip
            if twin is not None:
                return error(409, f"Contact already exists. Existing ID: {twin.id}", "CONFLICT")
        inline = body.get("associations") or []
        if object_type == "leads" and (not props.get("hs_lead_name") or not inline):
            return error(400, "Leads need hs_lead_name and an association to a contact.", "VALIDATION_ERROR")
        for a in inline:
            type_id = a["types"][0]["associationTypeId"]
            target = next((t for (f, t), i in ASSOCIATION_TYPE_IDS.items() if f == object_type and i == type_id), None)
            if target is None or portal.active(target, str(a["to"]["id"])) is None:
                return error(400, f"Invalid association {a!r}.", "VALIDATION_ERROR")
        now = datetime.now(UTC)
        obj = Obj(portal.new_id(), {}, now, now)
        created = stamp(now)
        obj.properties = {k: v for k, v in props.items() if v} | {
            "hs_object_id": obj.id,
            "createdate": created,
            "hs_createdate": created,
            "lastmodifieddate": created,
            "hs_lastmodifieddate": created,
        }
        portal.objects[object_type][obj.id] = obj
        portal.changed(object_type, obj)
        for a in inline:
            type_id = a["types"][0]["associationTypeId"]
            target = next(t for (f, t), i in ASSOCIATION_TYPE_IDS.items() if f == object_type and i == type_id)
            portal.link((object_type, obj.id), (target, str(a["to"]["id"])))
        return JSONResponse(obj.json(), 201)

    async def one(request: Request) -> Response:
        object_type = _object_type(request)
        object_id = request.path_params["id"]
        if object_type is None:
            return error(400, "Unknown object type.", "VALIDATION_ERROR")
        archived = request.query_params.get("archived", "").lower() == "true"
        if request.query_params.get("idProperty") == "email":
            found = [o for o in portal.objects[object_type].values() if o.properties.get("email") == object_id.lower()]
        else:
            found = [o for o in [portal.objects[object_type].get(object_id)] if o is not None]
        obj = next((o for o in found if (o.archived_at is not None) == archived), None)
        if obj is None:
            return _not_found(object_id)
        if request.method == "GET":
            return JSONResponse(obj.json(_wanted(request)))
        if request.method == "DELETE":
            obj.archived_at = obj.updated = datetime.now(UTC)
            portal.changed(object_type, obj)
            return Response(status_code=204)
        changes = _clean((await request.json()).get("properties") or {})
        if refused := portal.invalid(object_type, changes):
            return _refused(refused)
        for name, value in changes.items():
            if value:
                obj.properties[name] = value
            else:
                obj.properties.pop(name, None)
        obj.updated = datetime.now(UTC)
        obj.properties["lastmodifieddate"] = obj.properties["hs_lastmodifieddate"] = stamp(obj.updated)
        portal.changed(object_type, obj)
        return JSONResponse(obj.json())

    async def batch_read(request: Request) -> Response:
        object_type = _object_type(request)
        if object_type is None:
            return error(400, "Unknown object type.", "VALIDATION_ERROR")
        body = await request.json()
        if len(body["inputs"]) > BATCH_LIMIT:
            message = f"Batch of {len(body['inputs'])} inputs is over the limit of {BATCH_LIMIT}."
            return error(400, message, "VALIDATION_ERROR")
        archived = request.query_params.get("archived", "").lower() == "true"
        results, missing = [], []
        for item in body["inputs"]:
            obj = portal.objects[object_type].get(str(item["id"]))
            if obj is not None and (obj.archived_at is not None) == archived:
                results.append(obj.json(body.get("properties")))
            else:
                missing.append(str(item["id"]))
        now = stamp(datetime.now(UTC))
        answer: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
        if not missing:
            return JSONResponse(answer)
        answer["numErrors"] = 1
        answer["errors"] = [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": f"Could not get some {object_type} objects, they may be deleted or not exist.",
                "context": {"ids": missing},
            }
        ]
        return JSONResponse(answer, 207)

    async def search(request: Request) -> Response:
        object_type = _object_type(request)
        if object_type is None:
            return error(400, "Unknown object type.", "VALIDATION_ERROR")
        body = await request.json()
        limit, after = int(body.get("limit", 10)), int(body.get("after") or 0)
        if limit > 200:
            return error(400, "limit must be at most 200.", "VALIDATION_ERROR")
        if after + limit > SEARCH_CAP:
            return error(400, f"Search can page through at most {SEARCH_CAP} results.", "VALIDATION_ERROR")
        groups = body.get("filterGroups") or []
        rows = portal.searchable(object_type)
        if groups:
            rows = [o for o in rows if any(all(_matches(o, f) for f in g["filters"]) for g in groups)]
        words = str(body.get("query") or "").lower().split()
        fields = SEARCHABLE[object_type]
        rows = [o for o in rows if all(any(w in o.properties.get(f, "").lower() for f in fields) for w in words)]
        rows.sort(key=lambda o: int(o.id))
        for sort in body.get("sorts") or []:
            name, reverse = sort["propertyName"], sort.get("direction") == "DESCENDING"
            present = sorted((o for o in rows if o.properties.get(name)), key=lambda o: _key(name, o.properties[name]),
                             reverse=reverse)  # fmt: skip
            rows = present + [o for o in rows if not o.properties.get(name)]
        page = rows[after : after + limit]
        answer: dict[str, Any] = {"total": len(rows), "results": [o.json(body.get("properties")) for o in page]}
        if after + limit < min(len(rows), SEARCH_CAP):
            answer["paging"] = {"next": {"after": str(after + limit)}}
        return JSONResponse(answer)

    async def associate(request: Request) -> Response:
        p = request.path_params
        source, target = _object_type(request, "from"), _object_type(request, "to")
        if source is None or target is None:
            return error(400, "Unknown object type.", "VALIDATION_ERROR")
        for object_type, object_id in ((source, p["id"]), (target, p["to_id"])):
            if portal.active(object_type, object_id) is None:
                return _not_found(object_id)
        portal.link((source, p["id"]), (target, p["to_id"]))
        now = stamp(datetime.now(UTC))
        spec = {
            "associationCategory": "HUBSPOT_DEFINED",
            "associationTypeId": ASSOCIATION_TYPE_IDS.get((source, target), 0),
        }
        result = {"from": {"id": p["id"]}, "to": {"id": p["to_id"]}, "associationSpec": spec}
        return JSONResponse({"status": "COMPLETE", "results": [result], "startedAt": now, "completedAt": now})

    async def associations(request: Request) -> Response:
        p = request.path_params
        source, target = _object_type(request, "from"), _object_type(request, "to")
        if source is None or target is None:
            return error(400, "Unknown object type.", "VALIDATION_ERROR")
        if portal.objects[source].get(p["id"]) is None:
            return _not_found(p["id"])
        ids = portal.links.get((source, p["id"], target), [])
        limit, after = int(request.query_params.get("limit", 500)), _offset(request.query_params.get("after"))
        type_id = ASSOCIATION_TYPE_IDS.get((source, target), 0)
        results = [
            {
                "toObjectId": int(i),
                "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}],
            }
            for i in ids[after : after + limit]
        ]
        answer: dict[str, Any] = {"results": results}
        if after + limit < len(ids):
            answer["paging"] = {"next": {"after": _cursor(after + limit)}}
        return JSONResponse(answer)

    async def owners(request: Request) -> Response:
        created = stamp(datetime(2025, 1, 6, tzinfo=UTC))
        results = [
            {
                "id": portal.owner_ids[o.id],
                "email": o.email,
                "firstName": o.name.split(" ", 1)[0],
                "lastName": o.name.split(" ", 1)[1],
                "userId": 900 + n,
                "type": "PERSON",
                "teams": [{"id": str(hash(t) % 10_000), "name": t, "primary": i == 0} for i, t in enumerate(o.teams)],
                "createdAt": created,
                "updatedAt": created,
                "archived": False,
            }
            for n, o in enumerate(OWNERS)
        ]
        limit, after = int(request.query_params.get("limit", 100)), _offset(request.query_params.get("after"))
        answer: dict[str, Any] = {"results": results[after : after + limit]}
        if after + limit < len(results):
            answer["paging"] = {"next": {"after": _cursor(after + limit)}}
        return JSONResponse(answer)

    async def pipelines(request: Request) -> Response:
        created = stamp(datetime(2025, 1, 6, tzinfo=UTC))
        times = {"createdAt": created, "updatedAt": created, "archived": False}
        results = [
            {
                "id": p.id,
                "label": p.label,
                "displayOrder": n,
                "stages": [
                    {
                        "id": s.id,
                        "label": s.label,
                        "displayOrder": s.position,
                        "metadata": {"isClosed": str(s.closed).lower(), "probability": str(s.probability)},
                        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                        **times,
                    }
                    for s in p.stages
                ],
                **times,
            }
            for n, p in enumerate(PIPELINES)
        ]
        return JSONResponse({"results": results})

    async def properties(request: Request) -> Response:
        object_type = _object_type(request)
        if object_type is None:
            return error(400, "Unknown object type.", "VALIDATION_ERROR")
        defined = portal.properties[object_type]
        if request.method == "GET":
            return JSONResponse({"results": list(defined.values())})
        body = await request.json()
        name = str(body.get("name") or "")
        if name in defined:
            return error(409, f"Property named '{name}' already exists.", "OBJECT_ALREADY_EXISTS")
        group = str(body.get("groupName") or "")
        if group not in portal.groups[object_type] and group != f"{object_type.rstrip('s')}information":
            return error(400, f"Property group '{group}' does not exist.", "VALIDATION_ERROR")
        options = tuple(str(o["value"]) for o in body.get("options") or [])
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or not body.get("label") or not body.get("type"):
            return error(400, "A property needs a lower-case name, a label and a type.", "VALIDATION_ERROR")
        if body["type"] == "enumeration" and not options:
            return error(400, "An enumeration property needs options.", "VALIDATION_ERROR")
        made = _prop(name, str(body["type"]), options, group=group)
        made |= {"label": body["label"], "fieldType": body.get("fieldType", made["fieldType"])}
        made |= {"description": body.get("description") or "", "modificationMetadata": {
            "archivable": True, "readOnlyDefinition": False, "readOnlyValue": False}}  # fmt: skip
        defined[name] = made
        return JSONResponse(made, 201)

    async def groups(request: Request) -> Response:
        object_type = _object_type(request)
        if object_type is None:
            return error(400, "Unknown object type.", "VALIDATION_ERROR")
        own = f"{object_type.rstrip('s')}information"
        defined = {own: {"name": own, "label": "Information", "displayOrder": -1, "archived": False}}
        defined |= portal.groups[object_type]
        if request.method == "GET":
            return JSONResponse({"results": list(defined.values())})
        body = await request.json()
        name = str(body.get("name") or "")
        if name in defined:
            return error(409, f"Property group '{name}' already exists.", "OBJECT_ALREADY_EXISTS")
        made = {"name": name, "label": body.get("label") or name, "displayOrder": body.get("displayOrder", -1)}
        portal.groups[object_type][name] = made = made | {"archived": False}
        return JSONResponse(made, 201)

    async def gate(request: Request, call_next: Callable[[Request], Any]) -> Response:
        portal.log.append((time.monotonic(), request.method, request.url.path))
        if request.headers.get("authorization") != f"Bearer {portal.token}":
            return error(
                401,
                "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
                "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "INVALID_AUTHENTICATION",
            )
        if portal.throttle > 0:
            portal.throttle -= 1
            return error(
                429,
                "You have reached your secondly limit.",
                "RATE_LIMITS",
                headers={"Retry-After": portal.retry_after},
            )
        return await call_next(request)

    return Starlette(
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=gate)],
        routes=[
            Route("/crm/v3/objects/{type}", create, methods=["POST"]),
            Route("/crm/v3/objects/{type}/batch/read", batch_read, methods=["POST"]),
            Route("/crm/v3/objects/{type}/search", search, methods=["POST"]),
            Route("/crm/v3/objects/{type}/{id}", one, methods=["GET", "PATCH", "DELETE"]),
            Route("/crm/v4/objects/{from}/{id}/associations/default/{to}/{to_id}", associate, methods=["PUT"]),
            Route("/crm/v4/objects/{from}/{id}/associations/{to}", associations, methods=["GET"]),
            Route("/crm/v3/owners", owners, methods=["GET"]),
            Route("/crm/v3/owners/", owners, methods=["GET"]),
            Route("/crm/v3/pipelines/deals", pipelines, methods=["GET"]),
            Route("/crm/v3/properties/{type}", properties, methods=["GET", "POST"]),
            Route("/crm/v3/properties/{type}/groups", groups, methods=["GET", "POST"]),
        ],
    )
