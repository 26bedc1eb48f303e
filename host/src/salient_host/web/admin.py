"""The operators' view: sessions with their messages and tool calls, usage and cost, and the servers' state.

Everything here needs the admin token (`SALIENT_WEB_ADMIN_TOKEN`): as `Authorization: Bearer` (the JSON routes and
scripts) or through the sign-in form, which sets a signed, HttpOnly cookie scoped to /admin. Without a configured
token the admin view is off. Tokens are compared in constant time.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from salient_host.web.admin_data import AdminData, StatusSource
from salient_host.web.context import WebContext, web
from salient_host.web.errors import NotFound, Unauthorized
from salient_host.web.render import render_markdown
from salient_host.web.security import ADMIN_COOKIE, CSRF_COOKIE, admin_token_ok, bearer, set_cookie

OFF = "The admin view is off: set SALIENT_WEB_ADMIN_TOKEN to a long random value to turn it on."

pages = APIRouter(prefix="/admin", include_in_schema=False)
api = APIRouter(prefix="/api/admin", tags=["admin"])


def _signed_in(request: Request, ctx: WebContext) -> bool:
    if ctx.settings.admin_token is None:
        raise NotFound("admin_off", OFF)
    token = bearer(request)
    if token is not None:
        return admin_token_ok(token, ctx.settings)
    cookie = request.cookies.get(ADMIN_COOKIE)
    return bool(cookie) and ctx.keys.admin_cookie_valid(cookie)


def _admin_data(ctx: WebContext) -> AdminData:
    if ctx.admin is None:
        raise NotFound("admin_no_store", "This host has no conversation store to show.")
    return ctx.admin


async def require_admin_api(request: Request, ctx: Annotated[WebContext, Depends(web)]) -> WebContext:
    if not _signed_in(request, ctx):
        raise Unauthorized(
            "admin_token",
            "Send the admin token as `Authorization: Bearer <token>`.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return ctx


async def _status(status: StatusSource | None) -> list[dict[str, Any]]:
    return [asdict(s) for s in await status.server_status()] if status else []


# JSON, for scripts and monitoring.


@api.get("/sessions", summary="Sessions, newest first")
async def api_sessions(
    ctx: Annotated[WebContext, Depends(require_admin_api)],
    account: str | None = None,
    agent: str | None = None,
    search: Annotated[str | None, Query(max_length=200, description="In the id, the title or a person's words")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    page = await _admin_data(ctx).list_sessions(
        account=account, agent=agent, search=search or None, limit=limit, cursor=cursor
    )
    return asdict(page)


@api.get("/sessions/{session_id}", summary="One session with its messages and tool calls")
async def api_session(session_id: str, ctx: Annotated[WebContext, Depends(require_admin_api)]) -> dict[str, Any]:
    detail = await _admin_data(ctx).session_detail(session_id)
    if detail is None:
        raise NotFound("no_session", f"No session {session_id!r}.")
    return asdict(detail)


@api.get("/usage", summary="Requests, tokens and cost per account and agent")
async def api_usage(ctx: Annotated[WebContext, Depends(require_admin_api)]) -> list[dict[str, Any]]:
    return [asdict(row) for row in await _admin_data(ctx).usage()]


@api.get("/status", summary="The MCP servers' state")
async def api_status(ctx: Annotated[WebContext, Depends(require_admin_api)]) -> list[dict[str, Any]]:
    return await _status(ctx.status)


# Pages, for people.


def _page(ctx: WebContext, request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    response = ctx.templates.TemplateResponse(
        request, template, context, status_code=status, headers={"Cache-Control": "no-store"}
    )
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'none'; style-src 'self'; frame-ancestors 'none'; form-action 'self'"
    )
    return response


@pages.get("/login")
async def login_form(request: Request, ctx: Annotated[WebContext, Depends(web)]) -> Response:
    if ctx.settings.admin_token is None:
        raise NotFound("admin_off", OFF)
    cookie = request.cookies.get(CSRF_COOKIE)
    token = ctx.keys.csrf_token_for(cookie) if cookie else None
    new_cookie = None
    if token is None:
        new_cookie = ctx.keys.new_csrf_cookie()
        token = ctx.keys.csrf_token_for(new_cookie)
    response = _page(ctx, request, "admin_login.html", {"csrf": token, "error": None, "signed_in": False})
    if new_cookie:
        set_cookie(response, request, ctx.settings, CSRF_COOKIE, new_cookie, max_age=ctx.settings.session_days * 86400)
    return response


@pages.post("/login")
async def login(
    request: Request, ctx: Annotated[WebContext, Depends(web)], token: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    if ctx.settings.admin_token is None:
        raise NotFound("admin_off", OFF)
    if not admin_token_ok(token, ctx.settings):
        cookie = request.cookies.get(CSRF_COOKIE)
        csrf = ctx.keys.csrf_token_for(cookie) if cookie else None
        context = {"csrf": csrf, "error": "That token is not right.", "signed_in": False}
        return _page(ctx, request, "admin_login.html", context, 401)
    response = RedirectResponse("/admin", status_code=303)
    max_age = ctx.settings.admin_hours * 3600
    set_cookie(response, request, ctx.settings, ADMIN_COOKIE, ctx.keys.admin_cookie(), max_age=max_age, path="/admin")
    return response


@pages.post("/logout")
async def logout(request: Request, ctx: Annotated[WebContext, Depends(web)]) -> Response:
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(ADMIN_COOKIE, path="/admin")
    return response


PAGE_SIZE = 25


@pages.get("")
async def overview(
    request: Request,
    ctx: Annotated[WebContext, Depends(web)],
    cursor: str | None = None,
    q: Annotated[str, Query(max_length=200)] = "",
    account: Annotated[str, Query(max_length=64)] = "",
    agent: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    if not _signed_in(request, ctx):
        return RedirectResponse("/admin/login", status_code=303)
    data = _admin_data(ctx)
    q = q.strip()
    filters = {"q": q, "account": account, "agent": agent}
    usage = [u for u in await data.usage() if account in ("", u.account) and agent in ("", u.agent)]
    sessions = await data.list_sessions(
        account=account or None, agent=agent or None, search=q or None, limit=PAGE_SIZE, cursor=cursor
    )
    context = {
        "sessions": sessions,
        "usage": usage,
        "servers": await ctx.status.server_status() if ctx.status else None,
        "csrf": _csrf(request, ctx),
        "signed_in": True,
        "filters": filters,
        "query": {k: v for k, v in filters.items() if v},  # kept on the pager's links
        "accounts": sorted(ctx.settings.accounts),
        "agents": sorted({a for agents in ctx.settings.accounts.values() for a in agents}),
    }
    return _page(ctx, request, "admin.html", context)


@pages.get("/sessions/{session_id}")
async def session_page(session_id: str, request: Request, ctx: Annotated[WebContext, Depends(web)]) -> Response:
    if not _signed_in(request, ctx):
        return RedirectResponse("/admin/login", status_code=303)
    detail = await _admin_data(ctx).session_detail(session_id)
    if detail is None:
        raise NotFound("no_session", f"No session {session_id!r}.")
    messages = [{"m": m, "html": render_markdown(m.text) if m.role == "assistant" else None} for m in detail.messages]
    return _page(
        ctx,
        request,
        "admin_session.html",
        {"detail": detail, "messages": messages, "csrf": _csrf(request, ctx), "signed_in": True},
    )


def _csrf(request: Request, ctx: WebContext) -> str | None:
    cookie = request.cookies.get(CSRF_COOKIE)
    return ctx.keys.csrf_token_for(cookie) if cookie else None
