"""Building a Salient MCP server: the lifespan that opens its database and the shared middleware.

A server package calls `create_server(...)` in its `build_server(settings)` and then registers its tools;
tools are handed the server's state and the caller's account as dependencies (`salient_core.dependencies`), which
read the `Runtime` this module's lifespan opens.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from fastmcp import Context, FastMCP
from fastmcp.server.lifespan import lifespan
from starlette.requests import Request
from starlette.responses import JSONResponse

from salient_core.audit import AuditLog, AuditWrites
from salient_core.auth import Caller, TokenStore, current_caller
from salient_core.datetime_arguments import DateTimeArguments
from salient_core.db import Database
from salient_core.demo_load import DemoLoad, DemoReady
from salient_core.freeform import ArgumentDepth
from salient_core.middleware import ErrorMapping, InlineSchemas, ScopeGuard, Stacked
from salient_core.migrate import MigrationSet, upgrade
from salient_core.readiness import Readiness
from salient_core.settings import ServerSettings
from salient_core.warm_up import WarmUp

log = logging.getLogger(__name__)

S = TypeVar("S")
C = TypeVar("C", bound=ServerSettings)

CORE_MIGRATIONS = MigrationSet("core", Path(__file__).parent / "migrations")
LIST_PAGE_SIZE = 1000  # tools, resources, templates and prompts per listing page: far above any server's count


@dataclass
class Runtime(Generic[S]):
    """What a running server holds for the length of its life."""

    name: str
    settings: ServerSettings
    db: Database
    state: S
    extras: dict[str, Any] = field(default_factory=dict[str, Any])

    def caller(self) -> Caller:
        return current_caller(self.settings, self.name)


@dataclass(frozen=True)
class ServerSpec(Generic[S, C]):
    """How core opens one server: its name, migrations, state factory and demo loader, for settings of type `C`."""

    name: str
    migrations: MigrationSet
    open_state: Callable[[Database, C], S]
    load_demo: Callable[[S, str], Awaitable[None]] | None = None
    close_state: Callable[[S], Awaitable[None]] | None = None  # e.g. cancel background jobs, close clients
    # Work done once the server answers, before `/healthz` calls it ready (e.g. building an in-memory index).
    warm_up: Callable[[S, C], Awaitable[None]] | None = None


async def prepare_database(spec: ServerSpec[S, C], settings: C) -> tuple[Database, S]:
    """Open the server's database and migrate core's and the server's schema; the demo is loaded by the caller.

    Demo data for an account other than `demo` is refused here, before the database is opened: every way of
    serving (stdio, HTTP, a server built in-process) comes through this function.
    """
    settings.check_demo()
    db = Database(settings.database_url(spec.name))
    try:
        await upgrade(db, CORE_MIGRATIONS, spec.migrations)
        state = spec.open_state(db, settings)
    except BaseException:
        await db.close()
        raise
    return db, state


def create_server(spec: ServerSpec[S, C], settings: C, *, instructions: str) -> FastMCP:
    """A FastMCP server with Salient's lifespan, middleware and error masking; tools are added by the caller."""

    demo = DemoLoad(spec.name)
    warm = WarmUp(spec.name)
    readiness = Readiness((CORE_MIGRATIONS, spec.migrations), warm)

    @lifespan
    async def server_lifespan(_server: FastMCP) -> AsyncIterator[dict[str, Any]]:
        db, state = await prepare_database(spec, settings)
        log.info("salient-%s using %s", spec.name, db.describe())
        readiness.db = db
        try:
            if settings.demo and spec.load_demo is not None:
                demo.start(spec.load_demo(state, settings.account))  # served meanwhile: see demo_load.py
            if spec.warm_up is not None:  # served meanwhile (see warm_up.py), once the demo data is in
                warm.start(spec.warm_up(state, settings), after=demo)
            yield {"runtime": Runtime(spec.name, settings, db, state)}
        finally:
            try:
                await warm.aclose()
                await demo.aclose()
                if spec.close_state is not None:
                    await spec.close_state(state)
            finally:
                readiness.db = None
                await db.close()

    mcp = FastMCP(
        f"salient-{spec.name}",
        version=_version(f"salient-{spec.name}"),
        instructions=instructions,
        lifespan=server_lifespan,
        middleware=[
            Stacked(  # one fastmcp layer: a tool call goes through each of these with no dispatch in between
                InlineSchemas(),
                AuditWrites(spec.name, settings),
                ErrorMapping(),
                ScopeGuard(spec.name, settings),
                DemoReady(demo),
                ArgumentDepth(),
                DateTimeArguments(),
            )
        ],
        dereference_schemas=False,  # InlineSchemas does it, once per tool
        # Every listing fits one page; a page size makes fastmcp check the cursor a client sends with a listing
        # (a cursor it never issued is invalid params) instead of ignoring it.
        list_page_size=LIST_PAGE_SIZE,
        # Arguments must match the published input schema as sent: `true` is no integer, `0` no boolean and `123`
        # no datetime. Coercing them turned `dry_run=0` into a real write. JSON spellings (a datetime or an enum as
        # a string) still validate: fastmcp checks JSON arguments in pydantic's strict JSON mode.
        strict_input_validation=True,
        mask_error_details=True,
        on_duplicate="error",
    )

    @mcp.custom_route("/healthz", methods=["GET"], include_in_schema=False)
    async def healthz(_request: Request) -> JSONResponse:
        if not warm.done:
            return JSONResponse({"status": "starting", "server": mcp.name}, status_code=503)
        return JSONResponse({"status": "ok", "server": mcp.name})

    @mcp.custom_route("/livez", methods=["GET"], include_in_schema=False)
    async def livez(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "alive", "server": mcp.name})

    @mcp.custom_route("/readyz", methods=["GET"], include_in_schema=False)
    async def readyz(_request: Request) -> JSONResponse:
        ready, why = await readiness.check()
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "reason": why, "server": mcp.name},
            status_code=200 if ready else 503,
        )

    return mcp


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "0+unknown"


def runtime(ctx: Context) -> Runtime[Any]:
    return cast(Runtime[Any], ctx.lifespan_context["runtime"])


@asynccontextmanager
async def core_database(settings: ServerSettings, name: str, *migrations: MigrationSet) -> AsyncGenerator[Database]:
    """The server's database for commands that run no server (tokens, audit, imports).

    Core's own tables (tokens, audit log) are migrated, then `migrations`: a command that writes the server's data
    passes the server's own.
    """
    db = Database(settings.database_url(name))
    try:
        await upgrade(db, CORE_MIGRATIONS, *migrations)
        yield db
    finally:
        await db.close()


@asynccontextmanager
async def token_store(settings: ServerSettings, name: str) -> AsyncGenerator[TokenStore]:
    """A token store over the server's database, for the `tokens` commands and HTTP auth."""
    async with core_database(settings, name) as db:
        yield TokenStore(db)


@asynccontextmanager
async def audit_log(settings: ServerSettings, name: str) -> AsyncGenerator[AuditLog]:
    """The audit log in the server's database, for the `audit` commands."""
    async with core_database(settings, name) as db:
        yield AuditLog(db)
