"""What each model request cost: the genai-prices data first, then the `prices:` table in the configuration.

An unknown price is recorded as unknown (None), never as zero, and logged once per model so an operator can add it
to `prices:`. A response that did not report its usage (some streaming endpoints) cannot be priced either.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from decimal import Decimal

from genai_prices import Usage, calc_price
from pydantic_ai import ModelResponse

from salient_host.config.schema import Price

log = logging.getLogger(__name__)
MILLION = Decimal(1_000_000)


def load_prices() -> None:
    """Load the genai-prices data now (about a quarter second), not on a visitor's first priced request."""
    # Any lookup loads the whole data set; should this model ever leave it, the data is loaded all the same.
    with contextlib.suppress(LookupError):
        calc_price(Usage(input_tokens=1, output_tokens=1), "gpt-4o-mini", provider_id="openai")


class Pricer:
    def __init__(self, prices: Mapping[str, Price], *, source: str = "the configuration") -> None:
        self.prices = dict(prices)
        self.source = source
        self._warned: set[str] = set()

    def price(self, response: ModelResponse, *, configured_name: str | None = None) -> Decimal | None:
        """The response's cost in USD, or None when no price is known for its model."""
        model = response.model_name or configured_name or "unknown"
        usage = response.usage
        if usage.unmeasured_requests:
            self._warn_once(model, f"the response from {model!r} did not report its token usage; cost unknown")
            return None
        known = self._genai_price(response)
        if known is not None:
            return known
        for name in (response.model_name, configured_name):
            if name and name in self.prices:
                price = self.prices[name]
                return (
                    Decimal(str(price.input_usd_per_million)) * usage.input_tokens
                    + Decimal(str(price.output_usd_per_million)) * usage.output_tokens
                ) / MILLION
        self._warn_once(
            model,
            f"no price known for model {model!r}: its requests are recorded with an unknown cost and cost budgets "
            f"cannot count them; add `prices: {{{model}: {{input_usd_per_million: ..., output_usd_per_million: "
            f"...}}}}` to {self.source}",
        )
        return None

    def _genai_price(self, response: ModelResponse) -> Decimal | None:
        if not response.model_name:
            return None
        usage, name, when = response.usage, response.model_name, response.timestamp
        # The provider's URL identifies it best (resellers share model names); its name is the second choice.
        if response.provider_url:
            try:
                return calc_price(
                    usage, name, provider_api_url=response.provider_url, genai_request_timestamp=when
                ).total_price
            except (LookupError, ValueError):  # an unknown URL (a gateway, a loopback server); usage it cannot price
                pass
        if response.provider_name:
            try:
                return calc_price(
                    usage, name, provider_id=response.provider_name, genai_request_timestamp=when
                ).total_price
            except (LookupError, ValueError):
                pass
        return None

    def _warn_once(self, model: str, message: str) -> None:
        if model not in self._warned:
            self._warned.add(model)
            log.warning(message)
