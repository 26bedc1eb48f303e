"""Who a request is: the signed session cookie (one per account and agent), CSRF tokens, the admin token.

A visitor's session is a signed reference `{session, account, agent}`, sent either as an HttpOnly cookie named after
the account and agent (browsers) or as `Authorization: Bearer <token>` (API clients, which get the token when they
start a session). The signature is checked before anything reaches `Conversations`, and the route's session id must be
the one signed, so a cookie of another account or agent opens nothing.

CSRF: every state-changing request that could ride on a browser's cookies must carry `X-CSRF-Token` (or a
`csrf_token` form field) equal to an HMAC of the signed `salient_csrf` cookie. A request with a bearer token, or with
no cookie at all, has no ambient authority to forge and needs none.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from salient_core.settings import is_loopback

from salient_host.web.errors import Forbidden
from salient_host.web.settings import NAME, WebSettings

CSRF_COOKIE = "salient_csrf"
ADMIN_COOKIE = "salient_admin"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class SessionRef:
    session_id: str
    account: str
    agent: str


def session_cookie_name(account: str, agent: str) -> str:
    return f"salient_s_{account}_{agent}"


class Keys:
    """Signers derived from the one secret, each with its own salt so one kind of token cannot pass for another."""

    def __init__(self, settings: WebSettings) -> None:
        secret = settings.secret_key.get_secret_value()
        self._secret = secret.encode()
        self._sessions = URLSafeTimedSerializer(secret, salt="salient-web-session")
        self._csrf = URLSafeSerializer(secret, salt="salient-web-csrf")
        self._admin = URLSafeTimedSerializer(secret, salt="salient-web-admin")
        self._settings = settings

    # Sessions
    def session_token(self, ref: SessionRef) -> str:
        return self._sessions.dumps({"s": ref.session_id, "a": ref.account, "g": ref.agent})

    def read_session_token(self, token: str) -> SessionRef | None:
        try:
            data = self._sessions.loads(token, max_age=self._settings.session_days * 86400)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("s", "a", "g")):
            return None
        if not (NAME.match(data["a"]) and NAME.match(data["g"])):
            return None
        return SessionRef(session_id=data["s"], account=data["a"], agent=data["g"])

    # CSRF
    def new_csrf_cookie(self) -> str:
        return self._csrf.dumps(secrets.token_urlsafe(24))

    def csrf_token_for(self, cookie: str) -> str | None:
        """The token a page must send back with the CSRF cookie `cookie`; None when the cookie is not ours."""
        try:
            nonce = self._csrf.loads(cookie)
        except BadSignature:
            return None
        return hmac.new(self._secret, f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()

    # Admin
    def admin_cookie(self) -> str:
        return self._admin.dumps("admin")

    def admin_cookie_valid(self, value: str) -> bool:
        try:
            return self._admin.loads(value, max_age=self._settings.admin_hours * 3600) == "admin"
        except BadSignature:
            return False


def cookie_secure(request: Request, settings: WebSettings) -> bool:
    """Secure cookies, except on plain http to a loopback address (a developer's machine), unless configured."""
    if settings.cookie_secure is not None:
        return settings.cookie_secure
    return not (request.url.scheme == "http" and is_loopback(request.url.hostname or ""))


def set_cookie(
    response: Response, request: Request, settings: WebSettings, name: str, value: str, *, max_age: int, path: str = "/"
) -> None:
    secure = cookie_secure(request, settings)
    # Browsers drop SameSite=None cookies that are not Secure; fall back to Lax on plain-http development hosts.
    samesite = settings.cookie_samesite if secure or settings.cookie_samesite != "none" else "lax"
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        secure=secure,
        httponly=True,
        samesite=samesite,
        # CHIPS: a widget framed by another site keeps a cookie of its own per embedding site.
        partitioned=samesite == "none",
    )


def bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def csrf_token(request: Request, keys: Keys) -> str | None:
    """The CSRF token for this browser's cookie, to embed in a page; None when the browser has no valid cookie yet."""
    cookie = request.cookies.get(CSRF_COOKIE)
    return keys.csrf_token_for(cookie) if cookie else None


async def check_csrf(request: Request, keys: Keys) -> None:
    """Refuse an unsafe request that rides on cookies without the matching CSRF token."""
    if request.method not in UNSAFE_METHODS or bearer(request) is not None or not request.cookies:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get("csrf_token")
        sent = value if isinstance(value, str) else None
    expected = csrf_token(request, keys)
    if not sent or expected is None or not hmac.compare_digest(sent, expected):
        raise Forbidden(
            "csrf_failed",
            "The form's security token is missing or wrong. Reload the page and try again.",
        )


def admin_token_ok(presented: str | None, settings: WebSettings) -> bool:
    if settings.admin_token is None or not presented:
        return False
    return hmac.compare_digest(presented.encode(), settings.admin_token.get_secret_value().encode())
