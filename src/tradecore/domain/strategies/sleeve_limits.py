"""A sub-strategy's own limits inside a portfolio, applied to its contribution.

Why here and not in the pre-trade gate: the engine's gate checks *orders* by the
decision's strategy id, and every order of a portfolio carries the portfolio's id
(so ``[risk.strategies.<portfolio id>]`` and the firm limits apply to the combined
book, unchanged). A sub-strategy's limits bound *its share* of that book instead:
after the allocator split each symbol's target among the strategies, each
strategy's contribution (in shares, at the last close) is cut to its limits --
``allow_short = false`` drops its short contributions; ``max_position_shares`` and
``max_position_notional`` bound each symbol's contribution; ``max_gross_exposure``
scales all its contributions down together. Same names and meanings as
``[risk.strategies.<id>]`` (per position, per strategy), so a strategy keeps the
limits it had when it traded alone. Caps only remove exposure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import attrs

from tradecore.domain.errors import InvalidInput


def _optional_positive(
    instance: object, attribute: attrs.Attribute[float | None], value: object
) -> None:
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidInput(attribute.name, value, "must be a number > 0")


@attrs.frozen(kw_only=True, slots=True)
class SleeveLimits:
    """Limits on one strategy's contribution (module docstring); ``None``: none."""

    max_position_shares: float | None = attrs.field(
        default=None, validator=_optional_positive
    )
    max_position_notional: float | None = attrs.field(
        default=None, validator=_optional_positive
    )
    max_gross_exposure: float | None = attrs.field(
        default=None, validator=_optional_positive
    )
    allow_short: bool = attrs.field(
        default=True, validator=attrs.validators.instance_of(bool)
    )

    @property
    def binding(self) -> bool:
        """Whether any limit is set."""
        return not self.allow_short or any(
            x is not None
            for x in (
                self.max_position_shares,
                self.max_position_notional,
                self.max_gross_exposure,
            )
        )

    def cap(
        self, shares: Mapping[str, float], prices: Mapping[str, float]
    ) -> dict[str, float]:
        """``shares`` (per symbol, signed) within these limits at ``prices``."""
        capped: dict[str, float] = {}
        for symbol, qty in sorted(shares.items()):
            if qty < 0 and not self.allow_short:
                continue
            bound = math.inf
            if self.max_position_shares is not None:
                bound = self.max_position_shares
            if self.max_position_notional is not None:
                bound = min(bound, self.max_position_notional / prices[symbol])
            capped[symbol] = math.copysign(min(abs(qty), bound), qty)
        if self.max_gross_exposure is not None:
            gross = sum(abs(q) * prices[s] for s, q in capped.items())
            if gross > self.max_gross_exposure:
                scale = self.max_gross_exposure / gross
                capped = {s: q * scale for s, q in capped.items()}
        return {s: q for s, q in capped.items() if q}
