"""The value types of a portfolio of strategies: its sleeves, its settings, and
the record of each allocation it traded toward (docs/portfolio-strategies.md)."""

from __future__ import annotations

from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.portfolio import Constraints, EstimationConfig, Method
from tradecore.domain.strategies.api import AnyStrategy
from tradecore.domain.strategies.sleeve_limits import SleeveLimits


@attrs.frozen(kw_only=True, slots=True)
class SleeveSpec:
    """One sub-strategy: its ``name`` (unique in the portfolio), the built
    ``strategy``, its relative ``budget``, whether it is ``halted`` and its limits."""

    name: str = attrs.field(validator=v.non_empty_str)
    strategy: AnyStrategy = attrs.field(eq=False)
    budget: float = attrs.field(default=1.0)
    halted: bool = attrs.field(default=False, validator=v.instance_of(bool))
    limits: SleeveLimits = attrs.field(factory=SleeveLimits)

    def __attrs_post_init__(self) -> None:
        budget = self.budget
        if isinstance(budget, bool) or not isinstance(budget, int | float):
            raise InvalidInput(f"{self.name}.budget", budget, "must be a number > 0")
        if not 0 < budget < float("inf"):
            raise InvalidInput(f"{self.name}.budget", budget, "must be a number > 0")


@attrs.frozen(kw_only=True, slots=True)
class PortfolioSettings:
    """How the sleeves are combined (the allocator's method and limits), the
    correlation monitor's alert level and window, the rebalance cadence (``0``:
    only when a sub-strategy changed its book) and the no-trade band."""

    strategy_id: str = attrs.field(default="portfolio", validator=v.non_empty_str)
    method: Method = attrs.field(
        default=Method.EQUAL_WEIGHT, validator=v.instance_of(Method)
    )
    constraints: Constraints = attrs.field(factory=Constraints)
    estimation: EstimationConfig = attrs.field(factory=EstimationConfig)
    correlation_alert: float | None = None
    correlation_window: int = 20
    rebalance_every: int = attrs.field(default=0)
    #: No-trade band: a symbol's trade smaller than this fraction of equity is not
    #: sent (a trade to flat always is); keeps equity drift from churning the book.
    min_trade: float = attrs.field(default=0.0)
    #: What the book is sized on: ``"account"`` (its marked equity) or ``"paper"``
    #: (the sum of the sleeves' virtual books: costless, but the same live and in
    #: a replay, whatever the fill timing).
    sizing: str = attrs.field(default="account")

    def __attrs_post_init__(self) -> None:
        every = self.rebalance_every
        if isinstance(every, bool) or not isinstance(every, int) or every < 0:
            raise InvalidInput("rebalance_every", every, "must be an int >= 0")
        alert = self.correlation_alert
        if alert is not None and (
            isinstance(alert, bool)
            or not isinstance(alert, int | float)
            or not -1 < alert < 1
        ):
            raise InvalidInput("correlation_alert", alert, "must be within (-1, 1)")
        window = self.correlation_window
        if isinstance(window, bool) or not isinstance(window, int) or window < 3:
            raise InvalidInput("correlation_window", window, "must be an int >= 3")
        if self.sizing not in ("account", "paper"):
            raise InvalidInput("sizing", self.sizing, "expected account or paper")
        band = self.min_trade
        if isinstance(band, bool) or not isinstance(band, int | float):
            raise InvalidInput("min_trade", band, "must be a number in [0, 1)")
        if not 0 <= band < 1:
            raise InvalidInput("min_trade", band, "must be a number in [0, 1)")


@attrs.frozen(kw_only=True, slots=True)
class AllocationRecord:
    """One allocation the portfolio traded toward: its id, when, the budgets after
    the correlation cap, the target shares (and the step sent toward them now),
    each symbol's split of them among the strategies (after their limits), the
    allocator's per-strategy weights and its warnings."""

    allocation_id: str
    timestamp_ns: int
    budgets: tuple[tuple[str, float], ...]
    targets: tuple[tuple[str, Decimal], ...]
    #: What was sent toward ``targets`` now (increases cut to the cash on hand).
    sent: tuple[tuple[str, Decimal], ...]
    splits: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
    weights: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
    warnings: tuple[str, ...]
