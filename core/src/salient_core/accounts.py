"""Tenancy: every business row carries `account_id`, and every query of a scoped session filters on it.

Models that belong to an account inherit `AccountOwned`. A session opened with `Database.session(account=...)` or
`Database.transaction(account=...)` gets the account's criterion added to every ORM select it runs, for every
`AccountOwned` entity in the statement, joins and relationship loads included. Repositories still write their
`account_id == ...` filters; this is the second lock on the door, so a forgotten filter cannot leak another
account's rows.

The demo company's data belongs to account `demo` alone: `require_demo_account` is the one check every server's
`--demo` passes before it seeds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column, with_loader_criteria

from salient_core.demo_account import DEMO_ACCOUNT
from salient_core.errors import InvalidInput

__all__ = ["DEMO_ACCOUNT", "AccountOwned", "require_demo_account", "scope_session"]

ACCOUNT_KEY = "salient_account"


class AccountOwned:
    """Mixin for tables whose rows belong to one account."""

    @declared_attr
    def account_id(cls) -> Mapped[str]:
        return mapped_column(String(64))


@event.listens_for(Session, "do_orm_execute")
def _only_this_account(state: ORMExecuteState) -> None:
    account = state.session.info.get(ACCOUNT_KEY)
    if account is None or not state.is_select or state.is_column_load:
        return
    # A lambda is what SQLAlchemy caches; it is called with each mapped class, hence untyped.
    criteria: Any = lambda cls: cls.account_id == account  # noqa: E731  # pyright: ignore[reportUnknownLambdaType, reportUnknownMemberType, reportUnknownVariableType]
    state.statement = state.statement.options(
        with_loader_criteria(AccountOwned, criteria, include_aliases=True, track_closure_variables=False)
    )


def scope_session(session: Session, account: str) -> None:
    """Bind `session` to `account`: from now on its selects only see that account's rows."""
    session.info[ACCOUNT_KEY] = account


def require_demo_account(account: str, *, env_var: str) -> None:
    """Refuse to load the demo company into `account` unless it is the demo account.

    Demo data in a real account (60 made-up contacts in a customer's CRM) is hard to tell from the real data and
    to take out again, so every path that seeds asks here first, before anything is opened or written.
    """
    if account != DEMO_ACCOUNT:
        raise InvalidInput(
            f"refusing to load the demo company's data into account {account!r}; nothing was written. "
            f"--demo and {env_var} load it into account {DEMO_ACCOUNT!r} only.",
            hint=f"Fix: serve {account!r} without --demo (and without {env_var}), "
            f"or try the demo company with --account {DEMO_ACCOUNT} --demo.",
        )
