"""Crossfeed's recommendations and competitive answers, below the MCP layer: each takes the caller's account first."""

from __future__ import annotations

from decimal import Decimal

from salient_core.db import Database
from salient_core.errors import InvalidInput, NotFound
from salient_core.pagination import PageRequest
from sqlalchemy import func, select

from salient_crossfeed import explain, mining
from salient_crossfeed import repository as repo
from salient_crossfeed.catalogue import ProductCache, Products, difference
from salient_crossfeed.errors import UnknownCompetitor
from salient_crossfeed.models import Claim, Competitor, CrossSellRule, UpsellPath
from salient_crossfeed.routing import Routing
from salient_crossfeed.schemas import (
    Battlecard,
    ClaimOut,
    Comparison,
    CompetitorOut,
    CompetitorPage,
    CrossSellItem,
    CrossSellResult,
    CuratedEvidence,
    Explanation,
    MinedEvidence,
    Money,
    Thresholds,
    UpsellItem,
    UpsellResult,
)


def curated_evidence(rule: CrossSellRule) -> CuratedEvidence:
    return CuratedEvidence(
        id=f"rule:{rule.key}",
        primary=rule.primary,
        relationship=rule.relationship,
        reason=rule.reason,
        bundle_discount_pct=rule.bundle_discount_pct,
        priority=rule.priority,
    )


def mined_evidence(found: mining.MinedRule) -> MinedEvidence:
    return MinedEvidence(
        id=f"mined:{found.antecedent}>{found.consequent}",
        antecedent=found.antecedent,
        orders=found.orders,
        antecedent_orders=found.antecedent_orders,
        pair_orders=found.pair_orders,
        support=found.support,
        confidence=found.confidence,
        lift=found.lift,
    )


class CrossfeedService:
    def __init__(self, db: Database, thresholds: mining.Thresholds) -> None:
        self.db = db
        self.thresholds = thresholds
        self.routing = Routing(db)
        self.products = ProductCache()

    # -- cross-sell and up-sell ------------------------------------------------------------------------------

    async def recommend_cross_sell(
        self, account: str, *, products: list[str], customer: str | None, exclude_owned: bool, limit: int
    ) -> CrossSellResult:
        if not products and not customer:
            raise InvalidInput("Give product_ids, a customer, or both.", hint="Pass the products being looked at.")
        async with self.db.session(account=account) as session:
            catalogue = await self.products.get(session, account)
            basis = catalogue.resolve_all(products)
            owned = await repo.owned_by(session, account, customer) if customer else []
            if customer and not owned and not basis:
                raise NotFound(
                    f"No orders on file for customer {customer!r}, so nothing is known that they own.",
                    hint="Pass product_ids (what they are looking at) instead.",
                )
            # What they look at is never offered back; what they own is, for re-buys, unless exclude_owned.
            excluded = set(basis) | (set(owned) if exclude_owned else set())
            basis = list(dict.fromkeys([*basis, *owned]))
            query = select(CrossSellRule).where(CrossSellRule.account_id == account, CrossSellRule.primary.in_(basis))
            rules = list(await session.scalars(query.order_by(CrossSellRule.priority, CrossSellRule.key)))
            pairs = await repo.pairs_with(session, account, basis)
            items = await repo.item_counts(session, account, {p for ab in pairs for p in ab})
            n = await repo.order_total(session, account)
        mined = mining.rules_from(n, items, pairs, basis, self.thresholds)
        found: dict[str, CrossSellItem] = {}
        for rule in rules:
            if rule.suggested in excluded or rule.suggested not in catalogue.skus:
                continue
            item = found.setdefault(
                rule.suggested, CrossSellItem(product=catalogue.out(rule.suggested), reason=rule.reason, evidence=[])
            )
            item.evidence.append(curated_evidence(rule))
        for association in mined:
            target = association.consequent
            if target in excluded or target not in catalogue.skus:
                continue
            if target not in found:
                reason = (
                    f"Bought with {catalogue.name(association.antecedent)} in {association.pair_orders} of "
                    f"{association.antecedent_orders} orders ({association.confidence:.0%}), "
                    f"{association.lift:.1f}x as often as by chance."
                )
                found[target] = CrossSellItem(product=catalogue.out(target), reason=reason, evidence=[])
            if not any(e.kind == "mined" for e in found[target].evidence):  # the strongest association suffices
                found[target].evidence.append(mined_evidence(association))
        result = CrossSellResult(
            basis=basis,
            customer=customer,
            excluded=sorted(excluded),
            items=list(found.values())[:limit],
            thresholds=Thresholds(**vars(self.thresholds)),
        )
        if not result.items:
            result.message = (
                "No curated rule and no mined association (above the thresholds) suggests anything new for "
                f"{', '.join(basis)}; do not suggest add-ons without evidence."
            )
        return result

    async def recommend_upsell(self, account: str, *, product: str, budget: Decimal | None) -> UpsellResult:
        if budget is not None and budget < 0:
            raise InvalidInput(f"budget {budget} is below zero.", hint="Pass the most the customer will pay, or none.")
        async with self.db.session(account=account) as session:
            catalogue = await self.products.get(session, account)
            base = catalogue.resolve(product)
            query = select(UpsellPath).where(UpsellPath.account_id == account, UpsellPath.base == base)
            paths = list(await session.scalars(query.order_by(UpsellPath.priority, UpsellPath.key)))
        base_price = catalogue.price(product)
        items, over = [], []
        for path in paths:
            if path.premium not in catalogue.skus:
                continue
            premium = catalogue.out(path.premium)
            if budget is not None and premium.price_from.amount > budget:
                over.append(path.premium)
                continue
            items.append(
                UpsellItem(
                    id=f"upsell:{path.key}",
                    product=premium,
                    price_difference=difference(premium.price_from, base_price),
                    gains=path.gains,
                    for_whom=path.for_whom,
                )
            )
        result = UpsellResult(
            base=catalogue.out(base),
            base_price=base_price,
            budget=Money(amount=budget, currency=base_price.currency) if budget is not None else None,
            items=items,
            over_budget=over,
        )
        if not items:
            result.message = (
                f"{len(over)} upgrade(s) exceed the budget." if over else f"No upgrade path is on file for {base!r}."
            )
        return result

    # -- competitors -----------------------------------------------------------------------------------------

    async def list_competitors(self, account: str, *, limit: int, cursor: str | None) -> CompetitorPage:
        at = PageRequest.from_cursor(cursor, account=account, query=["competitors"], limit=limit)
        claims = (
            select(Claim.competitor, func.count().label("n"))
            .where(Claim.account_id == account)
            .group_by(Claim.competitor)
            .subquery()
        )
        query = (
            select(Competitor, claims.c.n)
            .outerjoin(claims, claims.c.competitor == Competitor.key)
            .where(Competitor.account_id == account)
            .order_by(Competitor.key)
        )
        async with self.db.session(account=account) as session:  # one select: competitors and their claim counts
            rows = (await session.execute(query)).all()
        return CompetitorPage(
            items=[_competitor(c, int(n or 0)) for c, n in rows[at.offset : at.offset + limit]],
            total=len(rows),
            next_cursor=at.next_cursor(len(rows)),
        )

    async def _claims(
        self, account: str, competitor: str, product: str | None
    ) -> tuple[Products, Competitor, list[ClaimOut], int]:
        async with self.db.session(account=account) as session:
            catalogue = await self.products.get(session, account)
            resolved = catalogue.resolve(product) if product else None
            known = list(await session.scalars(select(Competitor).where(Competitor.account_id == account)))
            match = next(
                (c for c in known if c.key == competitor.lower() or c.name.lower() == competitor.lower()), None
            )
            if match is None:
                raise UnknownCompetitor(competitor, sorted(c.key for c in known))
            query = select(Claim).where(Claim.account_id == account, Claim.competitor == match.key)
            if resolved:
                query = query.where((Claim.product == resolved) | Claim.product.is_(None))
            claims = list(await session.scalars(query))
        claims.sort(key=lambda c: (c.product is None, c.topic))
        total = len(claims)
        return catalogue, match, [_claim(c) for c in claims], total

    async def get_battlecard(self, account: str, *, competitor: str, product: str | None) -> Battlecard:
        catalogue, match, claims, total = await self._claims(account, competitor, product)
        card = Battlecard(
            competitor=_competitor(match, total),
            product=catalogue.out(catalogue.resolve(product)) if product else None,
            claims=claims,
        )
        if not claims:
            card.message = f"No claims on file about {match.name}; say so rather than improvise a comparison."
        return card

    async def compare_vs_competitor(self, account: str, *, product: str, competitor: str) -> Comparison:
        catalogue, match, claims, total = await self._claims(account, competitor, product)
        comparison = Comparison(
            product=catalogue.out(catalogue.resolve(product)),
            competitor=_competitor(match, total),
            their_products=sorted({c.their_product for c in claims if c.their_product}),
            rows=claims,
        )
        if not any(c.product for c in claims):
            comparison.message = f"No claim compares {comparison.product.name} with {match.name} directly" + (
                "; only claims about all our products are shown." if claims else "."
            )
        return comparison

    # -- explanations ----------------------------------------------------------------------------------------

    async def explain(self, account: str, ref: str) -> Explanation:
        return await explain.explain(self.db, account, ref, self.thresholds)


def _competitor(c: Competitor, claims: int) -> CompetitorOut:
    return CompetitorOut(id=c.key, name=c.name, website=c.website, summary=c.summary, claims=claims)


def _claim(c: Claim) -> ClaimOut:
    return ClaimOut(
        topic=c.topic,
        product=c.product,
        their_product=c.their_product,
        ours=c.ours,
        theirs=c.theirs,
        source=c.source,
        as_of=c.as_of,
    )
