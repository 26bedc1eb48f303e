"""Files the pages load besides their own: the npm packages' browser builds, the API documentation, the icon.

Everything is served from this host, nothing from a CDN, so the chat and `/api/docs` work on a machine without
internet access. The npm packages (host/web/package.json) are installed at set-up (`make sync`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response

from salient_host.web.context import WebContext, web
from salient_host.web.errors import NotFound

log = logging.getLogger(__name__)

# Browser builds of the npm packages, by the name the pages load them under: the chat's (every chat page loads
# these) and the API documentation's (Swagger UI).
VENDOR_FILES = {
    "markdown-it.min.js": "markdown-it/dist/browser/markdown-it.umd.min.js",
    "purify.min.js": "dompurify/dist/purify.min.js",
}
DOCS_FILES = {
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
}
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}
ICON = "/static/favicon.svg"
NO_SWAGGER = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>API documentation</title>
<link rel="icon" href="{icon}" type="image/svg+xml"></head><body style="font-family: system-ui, sans-serif">
<h1>API documentation</h1><p>Swagger UI is not installed on this host: run <code>make sync</code>
(or <code>npm ci --prefix host/web</code>). The OpenAPI document itself is at <a href="{openapi}">{openapi}</a>.</p>
</body></html>"""

router = APIRouter(include_in_schema=False)


def vendor_files(node_modules: Path) -> dict[str, Path]:
    """The front-end files installed in `node_modules`, by served name; says which features go without the others."""
    wanted = VENDOR_FILES | DOCS_FILES
    found = {name: node_modules / rel for name, rel in wanted.items() if (node_modules / rel).is_file()}
    if not set(VENDOR_FILES) <= set(found):
        log.warning(
            "front-end packages not found in %s; streamed answers show as plain text until each turn ends "
            "(run `make sync`, or `npm ci --prefix host/web`)",
            node_modules,
        )
    if not set(DOCS_FILES) <= set(found):
        log.warning("Swagger UI not found in %s, so /api/docs cannot show the API (run `make sync`)", node_modules)
    return found


@router.get("/static/vendor/{name}")
async def vendor(name: str, ctx: Annotated[WebContext, Depends(web)]) -> Response:
    path = ctx.vendor_files.get(name)
    if path is None:
        raise NotFound("not_found", f"No front-end file {name!r}; run `make sync` (npm ci --prefix host/web).")
    media_type = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})


@router.get("/api/docs")
async def api_docs(ctx: Annotated[WebContext, Depends(web)]) -> Response:
    """Swagger UI over the OpenAPI document, its script and styles from node_modules."""
    openapi = "/openapi.json"
    if not set(DOCS_FILES) <= set(ctx.vendor_files):
        return HTMLResponse(NO_SWAGGER.format(icon=ICON, openapi=openapi))
    return get_swagger_ui_html(
        openapi_url=openapi,
        title="Salient web chat API",
        swagger_js_url="/static/vendor/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui.css",
        swagger_favicon_url=ICON,
    )


@router.get("/favicon.ico")
async def favicon(ctx: Annotated[WebContext, Depends(web)]) -> Response:
    """For browsers and tools that ask for /favicon.ico whatever the page says; the pages link the SVG."""
    return FileResponse(
        ctx.static_dir / "favicon.ico", media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"}
    )
