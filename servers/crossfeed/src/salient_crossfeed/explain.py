"""Explaining one piece of evidence: the curated rule or up-sell path as written, or a mined association
recomputed from today's counts with every number shown, so an agent can justify what it offered.
"""

from __future__ import annotations

from salient_core.db import Database
from sqlalchemy import select

from salient_crossfeed import mining
from salient_crossfeed import repository as repo
from salient_crossfeed.catalogue import Products
from salient_crossfeed.errors import UnknownRecommendation
from salient_crossfeed.models import CrossSellRule, UpsellPath
from salient_crossfeed.schemas import Explanation


async def explain(db: Database, account: str, ref: str, thresholds: mining.Thresholds) -> Explanation:
    kind, _, key = ref.partition(":")
    async with db.session(account=account) as session:
        catalogue = await Products.load(session, account)
        if kind == "rule":
            query = select(CrossSellRule).where(CrossSellRule.account_id == account, CrossSellRule.key == key)
            rule = await session.scalar(query)
            if rule is None:
                raise UnknownRecommendation(ref)
            return Explanation(
                id=ref,
                kind="curated",
                summary=f"Curated rule: offer {catalogue.name(rule.suggested)} with {catalogue.name(rule.primary)}.",
                steps=[
                    f"Rule {rule.key!r}: {rule.primary} -> {rule.suggested} ({rule.relationship}).",
                    f"Reason on file: {rule.reason}",
                    f"Bundle discount {rule.bundle_discount_pct}%; priority {rule.priority} (lower comes first).",
                ],
                still_valid=rule.suggested in catalogue.skus and rule.primary in catalogue.skus,
            )
        if kind == "upsell":
            path = await session.scalar(
                select(UpsellPath).where(UpsellPath.account_id == account, UpsellPath.key == key)
            )
            if path is None:
                raise UnknownRecommendation(ref)
            base, premium = catalogue.out(path.base), catalogue.out(path.premium)
            return Explanation(
                id=ref,
                kind="upsell",
                summary=f"Curated up-sell path: {base.name} -> {premium.name}.",
                steps=[
                    f"Price from {base.price_from.amount} to {premium.price_from.amount} "
                    f"{premium.price_from.currency}.",
                    "Gains: " + "; ".join(path.gains),
                    f"For: {path.for_whom or 'anyone considering the base product'}",
                ],
                still_valid=True,
            )
        if kind == "mined" and ">" in key:
            a, _, b = key.partition(">")
            pairs = await repo.pairs_with(session, account, [a])
            n_ab = pairs.get(mining.pair(a, b), 0)
            items = await repo.item_counts(session, account, [a, b])
            n = await repo.order_total(session, account)
            if n_ab == 0:
                raise UnknownRecommendation(ref)
            found = mining.rule(n, items, a, b, n_ab)
            return Explanation(
                id=ref,
                kind="mined",
                summary=f"Customers who bought {catalogue.name(a)} also bought {catalogue.name(b)}.",
                steps=[
                    f"{n} orders mined; {found.antecedent_orders} hold {a}, {found.consequent_orders} hold {b}, "
                    f"{n_ab} hold both.",
                    f"support = {n_ab}/{n} = {found.support}",
                    f"confidence = {n_ab}/{found.antecedent_orders} = {found.confidence}",
                    f"lift = confidence / ({found.consequent_orders}/{n}) = {found.lift}",
                    f"thresholds: support >= {thresholds.min_support}, confidence >= {thresholds.min_confidence}, "
                    f"lift >= {thresholds.min_lift}, pair orders >= {thresholds.min_pair_orders}",
                ],
                still_valid=mining.passes(found, thresholds),
            )
    raise UnknownRecommendation(ref)
