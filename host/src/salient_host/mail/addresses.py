"""E-mail addresses: parsed once at the edge, normalised for opt-outs, rendered safely into headers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import getaddresses

from salient_host.mail.errors import InvalidAddress

# Deliberately plain: one `@`, no spaces or control characters, a dotted domain. The SMTP server or Mailgun has
# the last word; this only keeps obvious garbage (and header injection) out of the outbox.
_ADDR = re.compile(r"^[^@\s\x00-\x1f\x7f<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Recipient:
    """Someone to write to: an address and, optionally, the name shown beside it."""

    email: str
    name: str | None = None

    @classmethod
    def parse(cls, value: Recipient | str) -> Recipient:
        """`"Ada <ada@example.com>"`, `"ada@example.com"` or a `Recipient`, validated."""
        if isinstance(value, Recipient):
            return cls(check_address(value.email), clean_name(value.name))
        if _CONTROL.search(value):
            raise InvalidAddress(value, "it contains a line break or control character")
        found = [pair for pair in getaddresses([value]) if any(pair)]
        if len(found) != 1 or not found[0][1]:
            raise InvalidAddress(value, "expected exactly one address")
        name, addr = found[0]
        try:
            return cls(check_address(addr), clean_name(name))
        except InvalidAddress as exc:
            raise InvalidAddress(value, exc.reason) from None  # name the whole input, not the part parsed

    @property
    def key(self) -> str:
        """The address as opt-outs compare it."""
        return normalise(self.email)

    def header(self) -> Address:
        local, _, domain = self.email.rpartition("@")
        return Address(display_name=self.name or "", username=local, domain=domain)

    def __str__(self) -> str:
        return str(self.header())


def check_address(value: str) -> str:
    value = value.strip()
    if not _ADDR.match(value):
        raise InvalidAddress(value, "expected one address like name@example.com")
    if len(value) > 320:
        raise InvalidAddress(value, "longer than 320 characters")
    return value


def clean_name(name: str | None) -> str | None:
    if name is None:
        return None
    name = " ".join(_CONTROL.sub(" ", name).split())
    return name[:200] or None


def normalise(address: str) -> str:
    """Lower-case and trimmed: `Ada@Example.COM ` and `ada@example.com` are one person for opt-outs.

    Local parts are case-sensitive in theory and never in practice; treating them as one errs on the side of
    not writing to someone who asked us to stop.
    """
    return check_address(address).lower()
