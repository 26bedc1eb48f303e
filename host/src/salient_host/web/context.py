"""What every route needs, built once by `create_web_app` and kept on `app.state.web`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from salient_host.engine.events import Conversations, SessionInfo
from salient_host.web.admin_data import AdminData, StatusSource
from salient_host.web.errors import NO_SESSION, NotFound
from salient_host.web.limits import RateLimiter, enforce
from salient_host.web.security import Keys, SessionRef, bearer, session_cookie_name
from salient_host.web.settings import WebSettings

SESSION_COOKIE_PREFIX = "salient_s_"


@dataclass
class WebContext:
    conversations: Conversations
    settings: WebSettings
    keys: Keys
    limiter: RateLimiter
    templates: Jinja2Templates
    admin: AdminData | None
    status: StatusSource | None
    vendor_files: dict[str, Path]  # served name -> path of the installed npm file
    static_dir: Path

    def client_ip(self, request: Request) -> str:
        return request.client.host if request.client else "unknown"

    async def limit_ip(self, request: Request, what: str) -> None:
        await enforce(
            self.limiter,
            what=what,
            keys=[f"ip:{self.client_ip(request)}"],
            limit=self.settings.rate_per_ip,
            window_s=self.settings.rate_window_s,
        )

    async def limit_session(self, session_id: str, what: str) -> None:
        await enforce(
            self.limiter,
            what=what,
            keys=[f"s:{session_id}"],
            limit=self.settings.rate_per_session,
            window_s=self.settings.rate_window_s,
        )

    def cookie_ref(self, request: Request, account: str, agent: str) -> SessionRef | None:
        """The visitor's session with `agent` of `account`, from its cookie; None when absent or not valid."""
        value = request.cookies.get(session_cookie_name(account, agent))
        ref = self.keys.read_session_token(value) if value else None
        return ref if ref and ref.account == account and ref.agent == agent else None

    def request_ref(self, request: Request, session_id: str) -> SessionRef:
        """The credential for `session_id` this request carries (bearer token or cookie), or 404."""
        token = bearer(request)
        candidates = (
            [token] if token else [v for k, v in request.cookies.items() if k.startswith(SESSION_COOKIE_PREFIX)]
        )
        for value in candidates:
            ref = self.keys.read_session_token(value)
            if ref and ref.session_id == session_id and self.settings.offers(ref.account, ref.agent):
                return ref
        raise NotFound("no_session", NO_SESSION)

    async def session(self, ref: SessionRef) -> SessionInfo:
        """The session behind a verified reference; 404 when the store does not know it for that account."""
        info = await self.conversations.get(ref.session_id, account=ref.account)  # SessionNotFound: 404 (errors.py)
        if info.account != ref.account or info.agent != ref.agent:
            raise NotFound("no_session", NO_SESSION)
        return info


def web(request: Request) -> WebContext:
    return request.app.state.web


NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
