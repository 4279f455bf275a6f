"""The richer strategy form: full bars, a market view, batch callbacks.

Two forms of strategy run on the same engine:

- the **simple form** (:class:`~tradecore.domain.strategies.protocol.Strategy`):
  any object with a ``strategy_id`` and ``on_bar(symbol, timestamp_ns, close,
  volume, portfolio)``; unchanged, and what the existing strategies are;
- the **bar form**: a subclass of :class:`BarStrategy` (the explicit marker the
  engine checks with ``isinstance``). It overrides ``on_bar(bar, view)`` (one
  symbol's closed :class:`~tradecore.domain.market.bars.Bar`), ``on_bars(timestamp_ns,
  bars, view)`` (once per timestamp, every symbol's bar: cross-sectional
  strategies), or both. ``view`` is the point-in-time
  :class:`~tradecore.domain.strategies.market_view.MarketView`.

Either form may return a :class:`Target` (shares), a
:class:`~tradecore.domain.strategies.protocol.WeightTarget` (fraction of equity), a
:class:`~tradecore.domain.strategies.protocol.NotionalTarget` (dollars), a list or
tuple of them, or ``None``. Anything else is a :class:`StrategyError` naming the
strategy and what it returned (:func:`as_targets`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any

from tradecore.domain.errors import StrategyError
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.strategies.market_view import MarketFeed, MarketView
from tradecore.domain.strategies.protocol import (
    NO_TARGETS,
    AccountView,
    AnyTarget,
    NotionalTarget,
    PortfolioView,
    Strategy,
    Target,
    WeightTarget,
)

#: What a strategy callback may return.
Returned = AnyTarget | Sequence[AnyTarget] | None

_KINDS = (Target, WeightTarget, NotionalTarget)


class BarStrategy:
    """Base class (and marker) of the bar form; see the module docstring.

    Subclasses set ``strategy_id`` (a class attribute or in ``__init__``) and
    override ``on_bar``, ``on_bars`` or both. ``history`` is how many bars per
    symbol the view keeps (its ``history(symbol, n)`` can go back that far).
    """

    strategy_id: str
    #: Bars per symbol the market view keeps (the longest lookback needed); a
    #: class attribute, or set per instance in ``__init__``.
    history: int = 256

    def on_bar(self, bar: Bar, view: MarketView) -> Returned:
        """One symbol's bar closed; return targets (or ``None``)."""
        return None

    def on_bars(
        self, timestamp_ns: int, bars: Mapping[str, Bar], view: MarketView
    ) -> Returned:
        """Every symbol's bar at ``timestamp_ns`` closed; return targets."""
        return None


#: A strategy of either form.
AnyStrategy = Strategy | BarStrategy


def callbacks(kind: type[BarStrategy]) -> tuple[bool, bool]:
    """Which of ``on_bar`` / ``on_bars`` the strategy class overrides."""
    return (
        kind.on_bar is not BarStrategy.on_bar,
        kind.on_bars is not BarStrategy.on_bars,
    )


class BarStrategyRunner:
    """A :class:`BarStrategy` seen by the engine as the simple form.

    The engine calls :meth:`on_bar` with each admitted bar, as for any strategy; the
    runner files the bar in the market feed (the full bar the driver staged) and
    calls the strategy's ``on_bar`` if it has one. :meth:`on_timestamp` (the engine's
    end of a timestamp) calls ``on_bars`` with the cross-section.
    """

    def __init__(
        self,
        inner: BarStrategy,
        account: AccountView,
        calendar: MarketCalendar | None = None,
    ) -> None:
        """Run ``inner`` with a market feed of its ``history`` bars per symbol."""
        self.inner = inner
        self.strategy_id = inner.strategy_id
        self.feed = MarketFeed(account, inner.history, calendar)
        self.view = self.feed.view
        self._per_bar, self.batched = callbacks(type(inner))

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Returned:
        """File the bar; hand it to the strategy's ``on_bar`` if it has one."""
        bar = self.feed.commit(symbol, timestamp_ns, close, volume)
        if self._per_bar:
            return self.inner.on_bar(bar, self.view)
        return NO_TARGETS

    def on_timestamp(self, timestamp_ns: int) -> Returned:
        """Every bar at ``timestamp_ns`` is in: the strategy's ``on_bars``."""
        if not self.batched or self.feed.now_ns != timestamp_ns:
            return NO_TARGETS
        return self.inner.on_bars(timestamp_ns, self.view.cross_section, self.view)


def as_targets(strategy_id: str, returned: object) -> tuple[AnyTarget, ...]:
    """A callback's result as a tuple of targets.

    Raises:
        StrategyError: it is neither a target, a list/tuple of targets nor ``None``
            (names the strategy and what it returned).
    """
    if returned is None:
        return NO_TARGETS
    if isinstance(returned, _KINDS):
        return (returned,)
    if isinstance(returned, list | tuple):
        for item in returned:
            if not isinstance(item, _KINDS):
                raise StrategyError(
                    f"strategy {strategy_id!r} returned a {type(returned).__name__} "
                    f"holding {_shown(item)}; expected Target, WeightTarget or "
                    "NotionalTarget items"
                )
        return tuple(returned)
    raise StrategyError(
        f"strategy {strategy_id!r} returned {_shown(returned)}; expected a Target "
        "(or WeightTarget/NotionalTarget), a list or tuple of them, or None"
    )


def in_shares(
    strategy_id: str, target: AnyTarget, price: float | None, equity: float
) -> Target:
    """``target`` as whole shares (toward zero) at ``price`` with ``equity``.

    Raises:
        StrategyError: the symbol has no price (no bar yet: unknown to the market).
    """
    if type(target) is Target and price is not None:
        return target
    if not isinstance(target, _KINDS):
        raise StrategyError(
            f"strategy {strategy_id!r} returned a sequence holding {_shown(target)}; "
            "expected Target, WeightTarget or NotionalTarget items"
        )
    if price is None:
        raise StrategyError(
            f"strategy {strategy_id!r} targeted {target.symbol!r}, a symbol with no "
            "bar so far (unknown symbol, or not yet traded)"
        )
    if isinstance(target, Target):
        return target
    amount = (
        target.weight * equity if isinstance(target, WeightTarget) else target.notional
    )
    shares = Decimal(repr(amount / price)).quantize(Decimal(1), ROUND_DOWN)
    return Target(
        target.symbol,
        shares,
        target.signal,
        target.horizon,
        expected_edge_bps=target.expected_edge_bps,
        probability=target.probability,
        strength=target.strength,
        protection=target.protection,
    )


def _shown(value: Any) -> str:
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{type(value).__name__} {text}"
