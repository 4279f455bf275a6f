"""The pre-trade checker: every rule, plus the trading state, for one order.

Order of evaluation (the first refusal wins, so the recorded rule is the most basic
reason): trading state, price known, restricted symbol, market hours, price collar,
order size, shorting, position, gross and net exposure, daily loss, drawdown, rates.

The checker is pure: the caller passes the book, the trading state, the time and the
rate history, and counts an order as sent (``OrderRateTracker.record_order``) only
after it passed and went out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.spec import OrderSpec
from tradecore.domain.risk import rules
from tradecore.domain.risk.checks import PASSED, RiskVerdict
from tradecore.domain.risk.inputs import ExposureSnapshot, OrderFacts
from tradecore.domain.risk.limits import MarketHours, RiskLimits, RiskLimitSet
from tradecore.domain.risk.rates import ONE_MINUTE, ONE_SECOND, OrderRateTracker
from tradecore.domain.risk.trading_state import TradingState

#: Read on every order, as a module constant: on Python 3.11 an enum class's
#: attribute goes through ``EnumType.__getattr__``'s slot hook, about 900
#: instructions a read (cachegrind), a global's a few.
_ACTIVE = TradingState.ACTIVE


@attrs.frozen(kw_only=True, slots=True)
class TradingHours:
    """The regular sessions and the wider extended ones, for the market-hours rule.

    Both are calendars (XNYS regular hours, and 04:00-20:00 New York for extended
    hours, from the calendar adapter), so daylight saving, holidays and early closes
    are the exchange's, not a fixed UTC window.
    """

    regular: MarketCalendar = attrs.field(validator=v.instance_of(MarketCalendar))
    extended: MarketCalendar = attrs.field(validator=v.instance_of(MarketCalendar))


_BookRule = Callable[[RiskLimits, OrderFacts, ExposureSnapshot], RiskVerdict | None]
_OrderRule = Callable[[RiskLimits, OrderFacts], RiskVerdict | None]

_ORDER_RULES: tuple[_OrderRule, ...] = (
    rules.order_shares,
    rules.order_notional,
    rules.no_short,
    rules.position_shares,
    rules.position_notional,
)
_BOOK_RULES: tuple[_BookRule, ...] = (
    rules.gross_exposure,
    rules.net_exposure,
    rules.daily_loss,
    rules.drawdown,
)
#: Each rule with the test of whether ``limits`` let it refuse anything (a rule
#: whose limit is unset returns ``None`` for every order).
_ORDER_RULE_LIMITS: tuple[tuple[_OrderRule, Callable[[RiskLimits], bool]], ...] = (
    (rules.order_shares, lambda lim: lim.max_order_shares is not None),
    (rules.order_notional, lambda lim: lim.max_order_notional is not None),
    (rules.no_short, lambda lim: not lim.allow_short),
    (rules.position_shares, lambda lim: lim.max_position_shares is not None),
    (rules.position_notional, lambda lim: lim.max_position_notional is not None),
)
_BOOK_RULE_LIMITS: tuple[tuple[_BookRule, Callable[[RiskLimits], bool]], ...] = (
    (rules.gross_exposure, lambda lim: lim.max_gross_exposure is not None),
    (rules.net_exposure, lambda lim: lim.max_net_exposure is not None),
    (rules.daily_loss, lambda lim: lim.max_daily_loss is not None),
    (rules.drawdown, lambda lim: lim.max_drawdown is not None),
)


@attrs.frozen(slots=True)
class RulePlan:
    """One strategy's limits and the rules they can make refuse, in checking order.

    A rule whose limit is not set passes every order, so it is left out when the
    limits are first resolved instead of being asked (and passing) on every order;
    the rules kept run in the order the module docstring gives, so the first
    refusal is the same one the full list would find.
    """

    limits: RiskLimits
    restricted: bool
    hours: bool
    collar: bool
    order_rules: tuple[_OrderRule, ...]
    book_rules: tuple[_BookRule, ...]
    rates: bool
    #: Whether the snapshot must value the whole book (gross/net exposure,
    #: daily loss, drawdown), and whether it needs the day's P&L and drawdown.
    whole_book: bool
    needs_day: bool
    #: No rule can refuse: :meth:`PreTradeChecker.check` in the ACTIVE state is
    #: PASSED when the book has a mark for the order's symbol, else
    #: ``price_unknown`` (:meth:`PreTradeChecker.price_alone_decides`).
    checks_nothing: bool = False

    @classmethod
    def of(cls, limits: RiskLimits) -> RulePlan:
        """The plan for ``limits``: each rule kept only if its limit is set."""
        order_rules = tuple(rule for rule, binds in _ORDER_RULE_LIMITS if binds(limits))
        book_rules = tuple(rule for rule, binds in _BOOK_RULE_LIMITS if binds(limits))
        needs_day = limits.max_daily_loss is not None or limits.max_drawdown is not None
        exposure = (
            limits.max_gross_exposure is not None or limits.max_net_exposure is not None
        )
        restricted = bool(limits.restricted_symbols)
        hours = limits.market_hours is not None
        collar = limits.collar_bps is not None
        rates = (
            limits.max_orders_per_second is not None
            or limits.max_orders_per_minute is not None
        )
        return cls(
            limits=limits,
            restricted=restricted,
            hours=hours,
            collar=collar,
            order_rules=order_rules,
            book_rules=book_rules,
            rates=rates,
            whole_book=needs_day or exposure,
            needs_day=needs_day,
            checks_nothing=not (
                restricted or hours or collar or order_rules or book_rules or rates
            ),
        )


def price_unknown(symbol: str) -> RiskVerdict:
    """The refusal of an order whose symbol has no mark to value it with."""
    return RiskVerdict("price_unknown", {"symbol": symbol})


class PreTradeChecker:
    """Checks orders against a :class:`RiskLimitSet` and the trading state."""

    __slots__ = ("_by_strategy", "_hours", "_limits")

    def __init__(
        self, limits: RiskLimitSet | RiskLimits, hours: TradingHours | None = None
    ) -> None:
        """Use ``limits`` (a bare :class:`RiskLimits` applies to every strategy)."""
        if isinstance(limits, RiskLimits):
            limits = RiskLimitSet(global_limits=limits)
        self._limits = limits
        self._hours = hours
        if hours is None and _needs_hours(limits):
            raise InvalidInput(
                "hours", None, "a market_hours limit needs the calendar's trading hours"
            )
        self._by_strategy: dict[str, RulePlan] = {}

    def limits_for(self, strategy_id: str) -> RiskLimits:
        """The limits in force for ``strategy_id`` (global, tightened by its own)."""
        return self.plan_for(strategy_id).limits

    def may_read_references(self) -> bool:
        """Whether some strategy's limits set a price collar (the one rule that
        reads a book's reference prices): global limits or a strategy's own."""
        limits = self._limits
        return limits.global_limits.collar_bps is not None or any(
            own.collar_bps is not None for own in limits.strategies.values()
        )

    def may_count_orders(self) -> bool:
        """Whether some strategy's limits set an order rate (the rules that count
        the orders already sent): global limits or a strategy's own."""
        limits = self._limits
        return any(
            own.max_orders_per_second is not None
            or own.max_orders_per_minute is not None
            for own in (limits.global_limits, *limits.strategies.values())
        )

    def plan_for(self, strategy_id: str) -> RulePlan:
        """The limits in force for ``strategy_id`` and the rules they can refuse by."""
        found = self._by_strategy.get(strategy_id)
        if found is None:
            found = self._by_strategy[strategy_id] = RulePlan.of(
                self._limits.for_strategy(strategy_id)
            )
        return found

    def price_alone_decides(self, strategy_id: str, state: TradingState) -> bool:
        """Whether :meth:`check` of any order for ``strategy_id`` in ``state`` is
        PASSED when the book has a mark for its symbol and ``price_unknown``
        otherwise: the state is ACTIVE and no rule of the plan can refuse (a
        caller may then skip valuing the book)."""
        if state is not _ACTIVE:
            return False
        # ``plan_for``'s answer when it has the plan already (asked every order).
        plan = self._by_strategy.get(strategy_id)
        if plan is None:
            plan = self.plan_for(strategy_id)
        return plan.checks_nothing

    def check(
        self,
        spec: OrderSpec,
        *,
        strategy_id: str,
        at: datetime,
        book: ExposureSnapshot,
        state: TradingState = TradingState.ACTIVE,
        rates: OrderRateTracker | None = None,
    ) -> RiskVerdict:
        """Return PASSED, or the first rule that refuses ``spec`` and its numbers.

        Args:
            spec: the order about to be sent.
            strategy_id: whose limits apply.
            at: when it would be sent (market hours, rate windows).
            book: positions (working orders included), prices, P&L.
            state: the trading state now: HALTED refuses everything, REDUCING every
                order that does not shrink its position.
            rates: orders already sent; ``None`` means none were.
        """
        if state is TradingState.HALTED:
            return RiskVerdict("trading_halted", {"state": state.value})
        facts = OrderFacts.of(spec, book)
        if facts is None:
            return price_unknown(spec.symbol)
        if state is TradingState.REDUCING and not facts.reduces:
            return RiskVerdict(
                "trading_reducing",
                {
                    "state": state.value,
                    "position_before": str(facts.before),
                    "position_after": str(facts.after),
                },
            )
        plan = self.plan_for(strategy_id)
        limits = plan.limits
        return (
            (plan.restricted and rules.restricted_symbol(limits, facts))
            or (plan.hours and self._market_hours(limits, spec, at))
            or (plan.collar and rules.price_collar(limits, facts, book))
            or _first(plan.order_rules, limits, facts)
            or _first_book(plan.book_rules, limits, facts, book)
            or (plan.rates and _order_rates(limits, facts.symbol, at, rates))
            or PASSED
        )

    def check_cancel(
        self,
        symbol: str,
        *,
        strategy_id: str,
        at: datetime,
        rates: OrderRateTracker | None = None,
    ) -> RiskVerdict:
        """Return PASSED, or ``max_cancels_per_minute`` when one more is too many."""
        limit = self.limits_for(strategy_id).max_cancels_per_minute
        if limit is None:
            return PASSED
        count = (rates.cancels(symbol, at) if rates is not None else 0) + 1
        if count > limit:
            return RiskVerdict(
                "max_cancels_per_minute",
                {"limit": str(limit), "value": str(count), "symbol": symbol},
            )
        return PASSED

    def _market_hours(
        self, limits: RiskLimits, spec: OrderSpec, at: datetime
    ) -> RiskVerdict | None:
        policy = limits.market_hours
        hours = self._hours
        if policy is None or hours is None or hours.regular.is_open(at):
            return None
        if (
            policy is MarketHours.EXTENDED
            and spec.extended_hours
            and hours.extended.is_open(at)
        ):
            return None
        return RiskVerdict(
            "market_hours",
            {
                "policy": policy.value,
                "at": at.isoformat(),
                "extended_hours_order": str(spec.extended_hours).lower(),
            },
        )


def _first(
    checks: tuple[_OrderRule, ...], limits: RiskLimits, facts: OrderFacts
) -> RiskVerdict | None:
    for check in checks:
        verdict = check(limits, facts)
        if verdict is not None:
            return verdict
    return None


def _first_book(
    checks: tuple[_BookRule, ...],
    limits: RiskLimits,
    facts: OrderFacts,
    book: ExposureSnapshot,
) -> RiskVerdict | None:
    for check in checks:
        verdict = check(limits, facts, book)
        if verdict is not None:
            return verdict
    return None


def _order_rates(
    limits: RiskLimits, symbol: str, at: datetime, rates: OrderRateTracker | None
) -> RiskVerdict | None:
    windows = (
        ("max_orders_per_second", limits.max_orders_per_second, ONE_SECOND),
        ("max_orders_per_minute", limits.max_orders_per_minute, ONE_MINUTE),
    )
    for rule, limit, span in windows:
        if limit is None:
            continue
        count = (rates.orders(symbol, at, span) if rates is not None else 0) + 1
        if count > limit:
            return RiskVerdict(
                rule, {"limit": str(limit), "value": str(count), "symbol": symbol}
            )
    return None


def _needs_hours(limits: RiskLimitSet) -> bool:
    """Whether any limit in ``limits`` checks market hours."""
    every = (limits.global_limits, *limits.strategies.values())
    return any(limit.market_hours is not None for limit in every)
