"""`create_web_app`: the web chat, the widget, the HTTP API and the admin view as one FastAPI app.

app = create_web_app(conversations, settings=WebSettings(), admin=store, status=supervisor)
uvicorn.run(app, host="127.0.0.1", port=8100)
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.routing import BaseRoute

from salient_host.engine.events import Conversations
from salient_host.web import admin as admin_routes
from salient_host.web import api, assets, pages
from salient_host.web.admin_data import AdminData, StatusSource
from salient_host.web.assets import vendor_files
from salient_host.web.context import WebContext, web
from salient_host.web.errors import install_error_handlers
from salient_host.web.limits import BodyLimit, rate_limiter
from salient_host.web.security import Keys, check_csrf
from salient_host.web.settings import WebSettings

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


def shown_json(value: object, indent: int | None = None) -> str:
    """JSON for a person to read, like the page's `JSON.stringify`; autoescaping makes it safe as HTML text.

    (Jinja's `tojson` escapes `<`, `>`, `&` and `'` as `\\u003c`... for use inside a `<script>`, which a person
    reading tool arguments would see verbatim.)
    """
    return json.dumps(value, indent=indent, ensure_ascii=False, default=str)


async def _csrf(request: Request, ctx: Annotated[WebContext, Depends(web)]) -> None:
    await check_csrf(request, ctx.keys)


def create_web_app(
    conversations: Conversations,
    *,
    settings: WebSettings | None = None,
    admin: AdminData | None = None,
    status: StatusSource | None = None,
    routes: Sequence[BaseRoute] = (),
) -> FastAPI:
    """The web chat over `conversations`.

    Args:
        conversations: sessions and turns (the host's conversation engine).
        settings: cookies, limits, secrets; default `WebSettings()` from `SALIENT_WEB_*`.
        admin: sessions and usage for the admin view (the conversation store); the view says so when absent.
        status: the MCP servers' state for the admin view (the supervisor).
        routes: extra Starlette routes, such as the mail's unsubscribe links. They carry their own signed tokens
            and are not subject to the CSRF check, which applies to this app's routes.
    """
    settings = settings or WebSettings()
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["shown_json"] = shown_json
    context = WebContext(
        conversations=conversations,
        settings=settings,
        keys=Keys(settings),
        limiter=rate_limiter(settings.redis_url, prefix=settings.redis_prefix),
        templates=templates,
        admin=admin,
        status=status,
        vendor_files=vendor_files(settings.vendor_dir),
        static_dir=HERE / "static",
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            await context.limiter.check()  # a configured Redis that does not answer stops the start, named
            yield
        finally:
            await context.limiter.aclose()

    app = FastAPI(
        title="Salient web chat API",
        summary="Chat sessions with the host's agents: start, send (JSON or SSE), history, approvals; admin.",
        version="1",
        docs_url=None,  # served by pages.api_docs, with Swagger UI from node_modules (works offline)
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        dependencies=[Depends(_csrf)],
    )
    app.state.web = context
    app.state.templates = templates
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(admin_routes.api)
    app.include_router(admin_routes.pages)
    app.include_router(pages.router)
    app.include_router(assets.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.router.routes.extend(routes)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response

    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
