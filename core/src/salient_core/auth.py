"""Who is calling: bearer tokens stored hashed, JWT verification, and the caller's account and scopes.

Over stdio the caller is the local user: the account comes from `--account` and every scope is granted.
Over HTTP the account comes from the verified token (never from a tool argument): a Salient token maps to the
account it was created for; a JWT names it in a claim (`account` by default).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from fastmcp.server.auth import AccessToken, AuthProvider, MultiAuth, TokenVerifier
from fastmcp.server.auth.providers.jwt import JWTVerifier
from fastmcp.server.dependencies import get_access_token
from sqlalchemy import func, select, update

from salient_core.db import Database, utcnow
from salient_core.errors import InvalidInput, NotFound
from salient_core.models import ApiToken
from salient_core.settings import ServerSettings

log = logging.getLogger(__name__)

TOKEN_PREFIX = "sal_"
ACCOUNT_CLAIM = "account"


def digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def scopes_for(server: str) -> tuple[str, str]:
    """The read and write scope names of a server, e.g. `('crm:read', 'crm:write')`."""
    return f"{server}:read", f"{server}:write"


@dataclass(frozen=True)
class Caller:
    """The account and scopes a request runs with."""

    account: str
    scopes: frozenset[str]
    token_id: str | None = None

    def can(self, scope: str) -> bool:
        return scope in self.scopes


def current_caller(settings: ServerSettings, server: str) -> Caller:
    """The caller of the request in progress: from its verified token, or the local stdio user."""
    token = get_access_token()
    if token is None:
        return Caller(account=settings.account, scopes=frozenset(scopes_for(server)))
    account = token.claims.get(settings.jwt_account_claim) or token.claims.get(ACCOUNT_CLAIM)
    if not account:  # verifiers below refuse such tokens; this guards against a misconfigured provider
        raise PermissionError("token names no account")
    scopes = set(token.scopes)
    read, write = scopes_for(server)
    if write in scopes:
        scopes.add(read)
    return Caller(account=str(account), scopes=frozenset(scopes), token_id=token.client_id)


class TokenStore:
    """Creates, lists, revokes and checks the bearer tokens kept in a server's database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self, *, account: str, scopes: list[str], name: str = "", expires_in: timedelta | None = None
    ) -> tuple[ApiToken, str]:
        """Store a new token and return it with its plaintext, which is never stored or shown again."""
        if not scopes:
            raise InvalidInput("A token needs at least one scope.", hint="Pass --scopes, e.g. crm:read,crm:write.")
        plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = ApiToken(
            id="tok_" + secrets.token_hex(8),
            account_id=account,
            name=name,
            digest=digest(plaintext),
            scopes=sorted(set(scopes)),
            created_at=utcnow(),
            expires_at=utcnow() + expires_in if expires_in else None,
        )
        async with self.db.transaction() as session:
            session.add(record)
        return record, plaintext

    async def list(self, *, account: str | None = None, include_revoked: bool = False) -> list[ApiToken]:
        query = select(ApiToken).order_by(ApiToken.created_at)
        if account is not None:
            query = query.where(ApiToken.account_id == account)
        if not include_revoked:
            query = query.where(ApiToken.revoked_at.is_(None))
        async with self.db.session() as session:
            return list(await session.scalars(query))

    async def revoke(self, token_id: str) -> ApiToken:
        async with self.db.transaction() as session:
            record = await session.get(ApiToken, token_id)
            if record is None:
                raise NotFound(f"No token {token_id!r}.", hint="List tokens with `tokens list`.")
            if record.revoked_at is None:
                record.revoked_at = utcnow()
            return record

    async def count_active(self) -> int:
        async with self.db.session() as session:
            query = select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))
            return int(await session.scalar(query) or 0)

    async def check(self, plaintext: str) -> ApiToken | None:
        """The live token matching `plaintext`, or None when it is unknown, revoked or expired."""
        if not plaintext.startswith(TOKEN_PREFIX):
            return None
        async with self.db.transaction() as session:
            record = await session.scalar(select(ApiToken).where(ApiToken.digest == digest(plaintext)))
            if record is None or record.revoked_at is not None:
                return None
            now = utcnow()
            if record.expires_at is not None and record.expires_at <= now:
                return None
            # Coarse last-used stamp: one write a minute per token at most, not one per request.
            if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
                await session.execute(update(ApiToken).where(ApiToken.id == record.id).values(last_used_at=now))
            return record


class DatabaseTokenVerifier(TokenVerifier):
    """Accepts the `sal_...` tokens of a `TokenStore`."""

    def __init__(self, store: TokenStore) -> None:
        super().__init__()
        self.store = store

    async def verify_token(self, token: str) -> AccessToken | None:
        record = await self.store.check(token)
        if record is None:
            return None
        expires = int(record.expires_at.timestamp()) if record.expires_at else None
        return AccessToken(
            token=token,
            client_id=record.id,
            scopes=list(record.scopes),
            expires_at=expires,
            claims={ACCOUNT_CLAIM: record.account_id, "token_name": record.name},
        )


class AccountJWTVerifier(JWTVerifier):
    """A JWT verifier that only accepts tokens naming an account."""

    def __init__(self, *, account_claim: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # pyright: ignore[reportArgumentType]
        self.account_claim = account_claim

    async def verify_token(self, token: str) -> AccessToken | None:
        access = await super().verify_token(token)
        if access is None:
            return None
        if not access.claims.get(self.account_claim):
            log.warning("rejected JWT for %r: no %r claim", access.client_id, self.account_claim)
            return None
        return access


def build_auth(settings: ServerSettings, store: TokenStore, *, tokens_exist: bool) -> AuthProvider | None:
    """The auth provider for HTTP, or None when no auth is configured (loopback-only then)."""
    verifiers: dict[str, TokenVerifier] = {}
    if tokens_exist or settings.require_auth:
        verifiers["salient"] = DatabaseTokenVerifier(store)
    if settings.jwt_configured:
        verifiers["jwt"] = AccountJWTVerifier(
            account_claim=settings.jwt_account_claim,
            public_key=settings.jwt_public_key.get_secret_value() if settings.jwt_public_key else None,
            jwks_uri=settings.jwt_jwks_url,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            algorithm=settings.jwt_algorithm,
        )
    if not verifiers:
        return None
    if len(verifiers) == 1:
        return next(iter(verifiers.values()))
    return MultiAuth(verifiers=verifiers)


def expiry_from_days(days: int | None) -> timedelta | None:
    if days is None:
        return None
    if days <= 0:
        raise InvalidInput(f"Token lifetime must be positive, got {days!r} days.")
    return timedelta(days=days)
