"""Who should sell it: the territory a customer falls in, and a rep of the wanted role there.

Round-robin positions live in the database (`cf_rep_cursors`) and advance with one atomic upsert per pick, so
they survive restarts and several replicas share them. Least-loaded picks the rep with the lowest share of their
capacity in use. Reps at capacity are skipped; when nobody in the territory can take the customer, the fallback
territory's reps do, and the answer says so.
"""

from __future__ import annotations

from salient_core.db import Database
from salient_core.errors import Conflict, InvalidInput, key_reused
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from salient_crossfeed import repository as repo
from salient_crossfeed.errors import UnknownTerritory
from salient_crossfeed.models import Assignment, Rep, Territory
from salient_crossfeed.schemas import RepOut, RepPick, Strategy, TerritoryMatch, TerritoryOut
from salient_crossfeed.territories import Customer, Rule, TerritorySpec, country_of_domain, matches, winner


def _out(t: Territory) -> TerritoryOut:
    return TerritoryOut(id=t.key, name=t.name, priority=t.priority, fallback=t.fallback)


def _rep(r: Rep) -> RepOut:
    return RepOut(
        id=r.key,
        name=r.name,
        email=r.email,
        role=r.role,
        territories=r.territories,
        time_zone=r.time_zone,
        capacity=r.capacity,
        assigned=r.assigned,
    )


class Routing:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _territories(self, session: AsyncSession, account: str) -> list[Territory]:
        query = select(Territory).where(Territory.account_id == account).order_by(Territory.priority, Territory.key)
        return list(await session.scalars(query))

    def _match(self, territories: list[Territory], who: Customer) -> TerritoryMatch:
        if who.email_domain and not who.country:
            who = Customer(**{**vars(who), "country": country_of_domain(who.email_domain)})
        specs = {
            t.key: TerritorySpec(t.key, t.priority, t.fallback, [Rule.model_validate(r) for r in t.rules])
            for t in territories
        }
        by_key = {t.key: t for t in territories}
        won = winner(list(specs.values()), who)
        others = [
            k
            for k, s in specs.items()
            if not s.fallback and (won is None or k != won[0].key) and any(matches(r, who) for r in s.rules)
        ]
        if won is not None:
            spec, index = won
            rule = spec.rules[index]
            return TerritoryMatch(
                territory=_out(by_key[spec.key]),
                matched_rule=rule.describe(),
                rule_number=index + 1,
                fallback=False,
                also_matched=others,
                reason=f"Rule {index + 1} of {spec.key!r} matched ({rule.describe()}), priority {spec.priority}.",
            )
        fallback = next((t for t in territories if t.fallback), None)
        if fallback is None:
            raise InvalidInput(
                "No territory rule matches these details and this account has no fallback territory.",
                hint="Import a territory with fallback: true, or pass more details (country, region, industry).",
            )
        return TerritoryMatch(
            territory=_out(fallback),
            matched_rule=None,
            rule_number=None,
            fallback=True,
            also_matched=[],
            reason="No territory rule matched these details, so the fallback territory applies.",
        )

    async def find_territory(self, account: str, who: Customer) -> TerritoryMatch:
        if not any(vars(who).values()):
            raise InvalidInput(
                "Give at least one detail: country, region, postal_code, industry, company_size or email_domain."
            )
        async with self.db.session(account=account) as session:
            return self._match(await self._territories(session, account), who)

    async def find_rep(
        self,
        account: str,
        *,
        territory: str | None,
        who: Customer,
        role: str,
        strategy: Strategy,
        idempotency_key: str | None,
        dry_run: bool,
    ) -> RepPick:
        if territory is None and not any(vars(who).values()):
            raise InvalidInput("Name a territory, or give the customer's details (country, email_domain, ...).")
        try:
            async with self.db.transaction(account=account) as session:
                if idempotency_key:
                    replay = await self._replay(session, account, idempotency_key, role)
                    if replay is not None:
                        return replay
                territories = await self._territories(session, account)
                match = self._pick_territory(territories, territory, who)
                pick = await self._pick(session, account, territories, match, role, strategy, dry_run)
                if not dry_run:
                    await self._record(session, account, pick, idempotency_key)
                return pick
        except IntegrityError as exc:  # a concurrent call with the same key won the race
            raise Conflict(
                f"Idempotency key {idempotency_key!r} is being used by a concurrent call.",
                hint="Retry this call; it will return the first result.",
            ) from exc

    def _pick_territory(self, territories: list[Territory], territory: str | None, who: Customer) -> TerritoryMatch:
        if territory is None:
            return self._match(territories, who)
        found = next((t for t in territories if t.key == territory.lower()), None)
        if found is None:
            raise UnknownTerritory(territory, sorted(t.key for t in territories))
        reason = "Territory given by the caller."
        return TerritoryMatch(
            territory=_out(found),
            matched_rule=None,
            rule_number=None,
            fallback=found.fallback,
            also_matched=[],
            reason=reason,
        )

    async def _pick(
        self,
        session: AsyncSession,
        account: str,
        territories: list[Territory],
        match: TerritoryMatch,
        role: str,
        strategy: Strategy,
        dry_run: bool,
    ) -> RepPick:
        reps = list(await session.scalars(select(Rep).where(Rep.account_id == account, Rep.active).order_by(Rep.key)))
        home = match.territory.id
        pool = [r for r in reps if home in r.territories and r.role == role and r.assigned < r.capacity]
        fallback, reason = False, f"{role} in {home!r}"
        if not pool:
            spare = next((t for t in territories if t.fallback), None)
            in_spare = [r for r in reps if spare is not None and spare.key in r.territories and r.assigned < r.capacity]
            pool = [r for r in in_spare if r.role == role] or in_spare
            if not pool:
                raise InvalidInput(
                    f"No active {role} with spare capacity in {home!r}, and no fallback rep is free.",
                    hint="Import reps for this territory or a fallback territory, or raise capacities.",
                )
            fallback = True
            home = spare.key if spare is not None else home
            reason = (
                f"No {role} with spare capacity in {match.territory.id!r}; handed to the fallback territory {home!r}"
            )
            if pool[0].role != role:
                reason += f" (it has no {role}, so its {pool[0].role})"
        if strategy == "round_robin":
            position = await repo.advance_cursor(session, account, home, role, peek=dry_run)
            chosen = pool[(position - 1) % len(pool)]
            reason += f", round-robin turn {position} of {len(pool)} rep(s)."
        else:
            chosen = min(pool, key=lambda r: (r.assigned / max(r.capacity, 1), r.assigned, r.key))
            reason += f", least loaded: {chosen.assigned} of {chosen.capacity} assigned."
        rep = _rep(chosen)
        if not dry_run:
            rep.assigned += 1
        return RepPick(
            rep=rep,
            territory=match,
            role=role,
            strategy=strategy,
            fallback=fallback,
            reason=reason[0].upper() + reason[1:],
            applied=not dry_run,
        )

    async def _record(self, session: AsyncSession, account: str, pick: RepPick, key: str | None) -> None:
        await session.execute(
            update(Rep).where(Rep.account_id == account, Rep.key == pick.rep.id).values(assigned=Rep.assigned + 1)
        )
        session.add(
            Assignment(
                account_id=account,
                idempotency_key=key,
                rep=pick.rep.id,
                territory=pick.territory.territory.id,
                role=pick.role,
                strategy=pick.strategy,
                fallback=pick.fallback,
                reason=pick.reason,
                payload=pick.model_dump(mode="json"),
            )
        )
        await session.flush()

    async def _replay(self, session: AsyncSession, account: str, key: str, role: str) -> RepPick | None:
        query = select(Assignment).where(Assignment.account_id == account, Assignment.idempotency_key == key)
        previous = await session.scalar(query)
        if previous is None:
            return None
        if previous.role != role:
            raise key_reused(key, f"to find a {previous.role}, not a {role}")
        pick = RepPick.model_validate(previous.payload)
        return pick.model_copy(update={"applied": False, "replayed": True})
