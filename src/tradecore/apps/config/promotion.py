"""The ``[promotion]`` section: the thresholds of ``tradecore-replay promote``.

Every key is optional; the defaults are the documented ones (see
docs/research-promotion.md). Values are strictly typed like every other section: a
string where a number belongs is a clear configuration error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from tradecore.domain.errors import InvalidInput
from tradecore.domain.research.leakage_check import DEFAULT_CUTS

if TYPE_CHECKING:
    from tradecore.domain.research.gate import PromotionCriteria


def _cuts(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise InvalidInput(attribute.name, value, "expected an integer >= 1")


@attrs.frozen(kw_only=True)
class PromotionSettings:
    """What a configuration must show across seeds to be promoted."""

    #: The mean annualized Sharpe ratio across seeds, at least.
    min_mean_sharpe: float = 0.5
    #: The standard deviation of the seeds' Sharpe ratios, at most.
    max_sharpe_std: float = 1.0
    #: The worst seed's maximum drawdown (a fraction of equity), at most.
    max_drawdown: float = 0.25
    #: Every seed's net-of-cost total return must be above this.
    min_net_return: float = 0.0
    #: Every stress run's net total return must be above this.
    min_stress_net_return: float = -0.05
    #: The seeds' mean turnover within these bounds.
    min_turnover: float = 0.0
    #: ... and at most this.
    max_turnover: float = 1000.0
    #: The deflated Sharpe ratio, at least.
    min_dsr: float = 0.95
    #: The strategy leakage check must pass.
    require_no_leakage: bool = True
    #: How many cut points the leakage check uses.
    leakage_cuts: int = attrs.field(default=DEFAULT_CUTS, validator=_cuts)

    def criteria(self) -> PromotionCriteria:
        """The gate's thresholds.

        Raises:
            InvalidInput: a threshold is not finite.
        """
        # Imported here: only ``promote`` asks; every other command reads the
        # section without using the gate (issue 18: start-up).
        from tradecore.domain.research.gate import PromotionCriteria

        fields = attrs.asdict(self)
        fields.pop("leakage_cuts")
        return PromotionCriteria(**fields)
