"""Signed unsubscribe tokens: whoever holds one may opt its address out of one account's mail, nothing more.

A token carries the account and the normalised address, signed with the mail secret (itsdangerous, HMAC) and
timestamped, so a link stops working after `unsubscribe_link_days` and cannot be made up or altered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from salient_core.db import utcnow

from salient_host.mail.addresses import normalise
from salient_host.mail.errors import BadUnsubscribeToken, MailConfigError
from salient_host.mail.settings import MIN_SECRET_LENGTH

SALT = "salient.mail.unsubscribe"


@dataclass(frozen=True)
class Subscriber:
    account: str
    address: str  # normalised


class UnsubscribeTokens:
    def __init__(self, secret: str, *, max_age: timedelta, clock: Callable[[], datetime] = utcnow) -> None:
        if len(secret) < MIN_SECRET_LENGTH:
            raise MailConfigError(f"the unsubscribe secret must have at least {MIN_SECRET_LENGTH} characters")
        self.max_age = max_age

        class _Signer(TimestampSigner):
            # itsdangerous reads time.time(); the mailer's clock keeps signing and checking on one timeline.
            def get_timestamp(self) -> int:
                return int(clock().timestamp())

        self._serializer = URLSafeTimedSerializer(secret, salt=SALT, signer=_Signer)

    def make(self, account: str, address: str) -> str:
        return self._serializer.dumps({"a": account, "e": normalise(address)})

    def read(self, token: str) -> Subscriber:
        try:
            data = self._serializer.loads(token, max_age=int(self.max_age.total_seconds()))
        except SignatureExpired as exc:
            raise BadUnsubscribeToken("this unsubscribe link has expired") from exc
        except BadData as exc:
            raise BadUnsubscribeToken("this unsubscribe link is not valid") from exc
        if not (isinstance(data, dict) and isinstance(data.get("a"), str) and isinstance(data.get("e"), str)):
            raise BadUnsubscribeToken("this unsubscribe link is not valid")
        return Subscriber(account=data["a"], address=data["e"])
