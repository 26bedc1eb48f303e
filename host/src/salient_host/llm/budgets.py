"""Budgets, checked before every model request: per turn and session (agent limits), per agent and per account.

Spending is what is already recorded in memory, so a budget stops the next request once it is used up; the request
that crosses the line is paid for (no one knows a request's cost before it is made). Requests of unknown price
count for token budgets but not for cost budgets; pricing.py logs each such model once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from salient_host.config.problems import display_path
from salient_host.config.schema import Budgets, Config
from salient_host.errors import SalientHostError
from salient_host.memory import Spent, Store
from salient_host.memory.models import Session

WARN_AT = Decimal("0.8")  # a Notice when a budget is this far spent


class BudgetExceeded(SalientHostError):
    """A budget is used up; the message names it, what was spent, the limit, and where to raise it."""


@dataclass(frozen=True)
class Check:
    key: str  # where it is configured, e.g. accounts.demo.budgets.cost_per_month_usd
    what: str  # "account 'demo' this month"
    limit: Decimal
    used: Decimal
    unit: str  # "USD" | "tokens"
    later: str  # when it resets, or what else to do

    @property
    def exceeded(self) -> bool:
        return self.used >= self.limit

    def amount(self, value: Decimal) -> str:
        return f"${value:.4f}" if self.unit == "USD" else f"{int(value):,} tokens"


def _periods(now: datetime) -> tuple[datetime, datetime, datetime, datetime]:
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    return day, day + timedelta(days=1), month, next_month


class BudgetGuard:
    """Knows an agent's and an account's budgets and asks memory what has been spent against them."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.file = display_path(config.source)

    def reads_spending(self, session: Session) -> bool:
        """Whether a budget that applies to `session` counts what memory says was spent (all but the turn's own)."""
        agent = self.config.agents[session.agent]
        limits, account = agent.limits, self.config.accounts.get(session.account_id)
        scopes = [agent.budgets] + ([account.budgets] if account is not None else [])
        return (
            limits.tokens_per_session is not None
            or limits.cost_per_session_usd is not None
            or any(b.tokens_per_day is not None or b.cost_per_month_usd is not None for b in scopes)
        )

    async def checks(self, session: Session, *, turn_cost: Decimal, now: datetime | None = None) -> list[Check]:
        """Every configured budget that applies to the next request in `session`, with what it has used."""
        agent = self.config.agents[session.agent]
        limits, out = agent.limits, list[Check]()
        if limits.cost_per_turn_usd is not None:
            out.append(
                Check(
                    f"agents.{session.agent}.limits.cost_per_turn_usd",
                    "this turn",
                    Decimal(str(limits.cost_per_turn_usd)),
                    turn_cost,
                    "USD",
                    "or ask something smaller",
                )
            )
        if limits.tokens_per_session is not None or limits.cost_per_session_usd is not None:
            spent = await self.store.spent(session_id=session.id)
            out += self._pair(
                f"agents.{session.agent}.limits",
                "this session",
                spent,
                tokens=limits.tokens_per_session,
                cost=limits.cost_per_session_usd,
                token_key="tokens_per_session",
                cost_key="cost_per_session_usd",
                token_later="or start a new session",
                cost_later="or start a new session",
            )
        day, tomorrow, month, next_month = _periods(now or datetime.now(UTC))
        scopes: list[tuple[str, str, Budgets, dict[str, str]]] = [
            (f"agents.{session.agent}.budgets", f"agent {session.agent!r}", agent.budgets, {"agent": session.agent})
        ]
        account = self.config.accounts.get(session.account_id)
        if account is not None:
            scopes.append(
                (
                    f"accounts.{session.account_id}.budgets",
                    f"account {session.account_id!r}",
                    account.budgets,
                    {"account": session.account_id},
                )
            )
        for key, who, budgets, where in scopes:
            if budgets.tokens_per_day is not None:
                spent = await self.store.spent(since=day, **where)
                out += self._pair(
                    key,
                    f"{who} today (UTC)",
                    spent,
                    tokens=budgets.tokens_per_day,
                    token_key="tokens_per_day",
                    token_later=f"or wait until it resets at {tomorrow:%Y-%m-%d %H:%M} UTC",
                )
            if budgets.cost_per_month_usd is not None:
                spent = await self.store.spent(since=month, **where)
                out += self._pair(
                    key,
                    f"{who} this month (UTC)",
                    spent,
                    cost=budgets.cost_per_month_usd,
                    cost_key="cost_per_month_usd",
                    cost_later=f"or wait until it resets at {next_month:%Y-%m-%d %H:%M} UTC",
                )
        return out

    def _pair(
        self,
        key: str,
        what: str,
        spent: Spent,
        *,
        tokens: int | None = None,
        cost: float | None = None,
        token_key: str = "",
        cost_key: str = "",
        token_later: str = "",
        cost_later: str = "",
    ) -> list[Check]:
        out: list[Check] = []
        if tokens is not None:
            out.append(Check(f"{key}.{token_key}", what, Decimal(tokens), Decimal(spent.tokens), "tokens", token_later))
        if cost is not None:
            out.append(Check(f"{key}.{cost_key}", what, Decimal(str(cost)), spent.cost_usd, "USD", cost_later))
        return out

    async def enforce(self, session: Session, *, turn_cost: Decimal) -> list[str]:
        """Raise BudgetExceeded for the first budget used up; otherwise warnings for budgets nearly used up."""
        checks = await self.checks(session, turn_cost=turn_cost)
        for check in checks:
            if check.exceeded:
                raise BudgetExceeded(
                    f"Budget exceeded: {check.what} has used {check.amount(check.used)} of its "
                    f"{check.amount(check.limit)} budget ({check.key} in {self.file}). "
                    f"Raise {check.key} there {check.later}."
                )
        return [
            f"{check.what} has used {check.amount(check.used)} of its {check.amount(check.limit)} budget ({check.key})"
            for check in checks
            if check.used >= check.limit * WARN_AT
        ]
