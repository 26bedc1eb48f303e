"""Server-rendered pages: the chat per agent, the same chat framed by the widget, the widget script, a demo site.

A page shows the stored history already rendered (so a reload needs no script to read it); static/chat.js adds
sending, streaming and approvals. Pages carry a strict Content-Security-Policy: scripts only from this host, no
inline script, so even markup that slipped past the sanitisers could not run.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from salient_host.engine.errors import AgentNotAllowed, SessionNotFound
from salient_host.engine.events import ShownMessage
from salient_host.web.api import ORIGIN_KEYS
from salient_host.web.assets import VENDOR_FILES
from salient_host.web.context import WebContext, web
from salient_host.web.errors import NotFound
from salient_host.web.render import render_markdown
from salient_host.web.security import CSRF_COOKIE, set_cookie

COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
DEFAULT_COLOR = "#1f5fbf"
STATIC_DIR_NAME = "static"

router = APIRouter(include_in_schema=False)


def csp(nonce: str | None = None, *, frame_ancestors: str = "'self'") -> str:
    style = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    return (
        "default-src 'self'; script-src 'self'; "
        f"style-src {style}; img-src 'self' data:; connect-src 'self'; "
        f"frame-ancestors {frame_ancestors}; base-uri 'none'; form-action 'self'; object-src 'none'"
    )


def page_origin(page: str | None, referrer: str | None) -> dict[str, str]:
    """Where a chat was opened: the page, its referrer and the page's utm_* parameters (for the CRM's lead)."""
    origin: dict[str, str] = {}
    if page and page.lower().startswith(("http://", "https://")):
        origin["page"] = page[:2000]
        for key, value in parse_qsl(urlsplit(page).query):
            if key in ORIGIN_KEYS and key.startswith("utm_") and value:
                origin[key] = value[:200]
    if referrer and referrer.lower().startswith(("http://", "https://")):
        origin["referrer"] = referrer[:2000]
    return origin


def _shown(message: ShownMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "role": message.role,
        "html": render_markdown(message.text) if message.role == "assistant" else None,
        "text": message.text,
        "tool_calls": [
            {
                "call_id": c.call_id,
                "server": c.server,
                "tool": c.tool,
                "args": c.args,
                "duration_ms": c.duration_ms,
                "outcome": c.outcome,
                "result": c.result,
            }
            for c in message.tool_calls
        ],
    }


async def _chat_page(
    request: Request,
    ctx: WebContext,
    account: str,
    agent: str,
    *,
    embed: bool,
    origin: dict[str, str],
    color: str | None = None,
    greeting: str | None = None,
) -> Response:
    if not ctx.settings.offers(account, agent):
        raise NotFound("no_agent", f"There is no chat with {agent!r} here.")
    csrf_cookie = request.cookies.get(CSRF_COOKIE)
    token = ctx.keys.csrf_token_for(csrf_cookie) if csrf_cookie else None
    new_csrf = None
    if token is None:
        new_csrf = ctx.keys.new_csrf_cookie()
        token = ctx.keys.csrf_token_for(new_csrf)
    session_id, history = None, []
    ref = ctx.cookie_ref(request, account, agent)
    if ref is not None:
        try:
            await ctx.session(ref)
            history = [_shown(m) for m in await ctx.conversations.history(ref.session_id, account=account)]
            session_id = ref.session_id
        except (NotFound, SessionNotFound, AgentNotAllowed):
            session_id, history = None, []
    nonce = secrets.token_urlsafe(16)
    config = {
        "account": account,
        "agent": agent,
        "sessionId": session_id,
        "csrf": token,
        "origin": origin,
        "maxChars": ctx.settings.max_message_chars,
        "embed": embed,
    }
    response = ctx.templates.TemplateResponse(
        request,
        "chat.html",
        {
            "account": account,
            "agent": agent,
            "embed": embed,
            "history": history,
            "config": config,
            "nonce": nonce,
            "color": color if color and COLOR.match(color) else DEFAULT_COLOR,
            "greeting": (greeting or ctx.settings.greeting)[:300],
            "vendor": sorted(name for name in ctx.vendor_files if name in VENDOR_FILES),
        },
        headers={"Cache-Control": "no-store"},
    )
    ancestors = " ".join(ctx.settings.embed_origins) if embed else "'self'"
    response.headers["Content-Security-Policy"] = csp(nonce, frame_ancestors=ancestors)
    if new_csrf is not None:
        set_cookie(response, request, ctx.settings, CSRF_COOKIE, new_csrf, max_age=ctx.settings.session_days * 86400)
    return response


@router.get("/")
async def home(ctx: Annotated[WebContext, Depends(web)]) -> Response:
    return RedirectResponse(f"/chat/{ctx.settings.default_account}/{ctx.settings.default_agent}", status_code=307)


@router.get("/chat/{agent}")
async def chat_default_account(agent: str, ctx: Annotated[WebContext, Depends(web)]) -> Response:
    return RedirectResponse(f"/chat/{ctx.settings.default_account}/{agent}", status_code=307)


@router.get("/chat/{account}/{agent}")
async def chat(account: str, agent: str, request: Request, ctx: Annotated[WebContext, Depends(web)]) -> Response:
    origin = page_origin(str(request.url), request.headers.get("referer"))
    return await _chat_page(request, ctx, account, agent, embed=False, origin=origin)


@router.get("/embed/{account}/{agent}")
async def embed(
    account: str,
    agent: str,
    request: Request,
    ctx: Annotated[WebContext, Depends(web)],
    page: Annotated[str | None, Query(max_length=2000)] = None,
    ref: Annotated[str | None, Query(max_length=2000)] = None,
    color: Annotated[str | None, Query(max_length=7)] = None,
    greeting: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    """The chat inside the widget's frame; `page` and `ref` are the embedding page's address and referrer."""
    origin = page_origin(page, ref)
    return await _chat_page(request, ctx, account, agent, embed=True, origin=origin, color=color, greeting=greeting)


@router.get("/widget.js")
async def widget_js(ctx: Annotated[WebContext, Depends(web)]) -> Response:
    response = FileResponse(ctx.static_dir / "widget.js", media_type="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=300"
    # Any site may load the script; it only opens a frame to this host.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@router.get("/demo")
async def demo(request: Request, ctx: Annotated[WebContext, Depends(web)]) -> Response:
    """Brightwell Home Health's home page, a plain site with the widget on it, as a customer would embed it."""
    response = ctx.templates.TemplateResponse(
        request, "demo.html", {"agent": ctx.settings.default_agent, "account": ctx.settings.default_account}
    )
    response.headers["Content-Security-Policy"] = csp()
    return response
