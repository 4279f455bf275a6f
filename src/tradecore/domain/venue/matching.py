"""Match one working order against one bar: the pure core of the simulated venue.

A bar only says open, high, low, close and volume, so the engine assumes the usual
intrabar path: open → low → high → close on an up bar, open → high → low → close on a
down bar, at constant speed. That path says *when* a limit or stop is reached (the fill
timestamp) and what the price is when an order becomes ready mid-bar.

Rules (the fill model supplies every number):

- aggressive (market, marketable limit, triggered stop): at the path price when the
  order is ready, plus half the spread, impact and adverse selection against us, for
  at most our share of the rest of the bar's volume; a limit order whose cost-adjusted
  price would cross its limit rests instead;
- passive limit: fills at the limit (never better-than-limit violations) once the path
  reaches it: behind the queue on a touch, level cleared when the bar trades through;
- stops trigger when the path reaches the stop, then act as market or limit orders.
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from typing import NamedTuple

from tradecore.domain.market.bars import Bar, Quote
from tradecore.domain.orders.money import ZERO, quantize_qty, to_price
from tradecore.domain.orders.spec import OrderType, Side, TimeInForce
from tradecore.domain.venue.fill_models import FillModel
from tradecore.domain.venue.sim_order import SimOrder, trail_stop

#: (time fraction of the bar, price) corners of the assumed intrabar path.
Path = tuple[tuple[float, float], ...]

_LIMIT_TYPES = (OrderType.LIMIT, OrderType.STOP_LIMIT)


class Match(NamedTuple):
    """Outcome for one order and one bar; ``qty == 0`` means no fill this bar.

    A named tuple (built for every order on every bar it is matched against), as
    the venue's scheduled actions are: quicker to build than a frozen attrs class.
    """

    qty: Decimal
    price: Decimal | None
    #: When it happened (or the order was last looked at), as a fraction of the bar.
    at: float
    queue_ahead: float | None
    triggered: bool
    #: A trailing stop's high-water mark after the part of the bar looked at.
    hwm: Decimal | None = None


def ohlc_path(bar: Bar) -> Path:
    """Return the assumed intrabar path, corners timed by distance travelled.

    Written out for the three legs (it runs once per matched bar); the sums are
    taken in the same order as a loop over the legs, so the times are the same
    floats.
    """
    o, h, l, c = bar.open, bar.high, bar.low, bar.close  # noqa: E741
    p0, p1, p2, p3 = (o, l, h, c) if c >= o else (o, h, l, c)
    first, second, third = abs(p1 - p0), abs(p2 - p1), abs(p3 - p2)
    total = first + second + third
    if total == 0:
        return ((0.0, o), (1.0, c))
    to_second = first + second
    return (
        (0.0, p0),
        (first / total, p1),
        (to_second / total, p2),
        ((to_second + third) / total, p3),
    )


def opening_path(bar: Bar) -> Path:
    """The part of :func:`ohlc_path` a market order ready at the bar's start reads:
    its first corner, the open at time 0 (:func:`match_order` prices such an order
    there and looks no further; a property test holds the two matches equal)."""
    return ((0.0, bar.open),)


def price_at(path: Path, t: float) -> float:
    """Return the path price at fraction ``t`` of the bar."""
    for (ta, pa), (tb, pb) in itertools.pairwise(path):
        if t <= tb:
            return pa if tb == ta else pa + (pb - pa) * (t - ta) / (tb - ta)
    return path[-1][1]


def first_reach(path: Path, start: float, level: float, upward: bool) -> float | None:
    """Return the first fraction >= ``start`` where price is >= (upward) or <= level."""

    def hit(p: float) -> bool:
        return p >= level if upward else p <= level

    for (ta, pa), (tb, pb) in itertools.pairwise(path):
        if tb < start:
            continue
        if ta < start:
            ta, pa = start, price_at(path, start)
        if hit(pa):
            return ta
        if hit(pb):
            return ta + (tb - ta) * (level - pa) / (pb - pa)
    return None


def extremes_after(path: Path, start: float) -> tuple[float, float]:
    """Return the (low, high) of the path from fraction ``start`` on."""
    prices = [price_at(path, start)] + [p for t, p in path if t > start]
    return min(prices), max(prices)


def fillable(remaining: Decimal, available: float, step: Decimal) -> Decimal:
    """Return how much of ``remaining`` fits in ``available`` shares, in ``step``s."""
    if math.isinf(available):
        return remaining
    if available <= 0:
        return ZERO
    return min(remaining, quantize_qty(Decimal(available), step))


def match_order(
    model: FillModel,
    order: SimOrder,
    bar: Bar,
    path: Path,
    quote: Quote | None,
    start: float,
    liquidity_left: float,
) -> Match:
    """Match ``order`` against ``bar`` from fraction ``start`` of it on.

    Args:
        model: the fill model in force.
        order: the working order (read only; the caller applies the outcome).
        bar: the bar, i.e. the market for its interval.
        path: ``ohlc_path(bar)``, computed once per bar.
        quote: the latest quote for the symbol, if any (spread, queue size).
        start: when the order is ready, as a fraction of the bar.
        liquidity_left: shares of this bar not yet taken by our other orders.

    Returns:
        The fill for this bar (possibly none) and the order's updated queue/trigger.
    """
    side = order.spec.side
    triggered, t = order.triggered, start
    hwm = None
    if order.spec.order_type is OrderType.TRAILING_STOP and not triggered:
        t_trig, hwm = trail_reach(order, path, start)
        if t_trig is None:
            return Match(ZERO, None, start, order.queue_ahead, False, hwm)
        triggered, t = True, t_trig
    stop = order.spec.stop_price
    if stop is not None and not triggered:
        t_trig = first_reach(path, start, float(stop), upward=side is Side.BUY)
        if t_trig is None:
            return Match(ZERO, None, start, order.queue_ahead, False)
        triggered, t = True, t_trig
    limit = order.spec.limit_price if order.spec.order_type in _LIMIT_TYPES else None
    # At the bar's start the path is at its open (what price_at gives there).
    reference = path[0][1] if t == 0.0 else price_at(path, t)
    cap = model.liquidity.cap(bar.volume, 1.0 - t)
    cap = cap if cap < liquidity_left else liquidity_left  # min(), as min picks
    if limit is None or _marketable(reference, limit, side):
        aggressive = _aggressive(
            model, order, bar, quote, (t, reference, cap), limit, triggered
        )
        if aggressive is not None:
            # Built without a mark: copy it only to add a trailing stop's.
            return aggressive if hwm is None else aggressive._replace(hwm=hwm)
    assert limit is not None  # a market order always matches aggressively
    return _passive(
        model, order, bar, path, quote, (t, limit, liquidity_left), triggered
    )


def trail_reach(
    order: SimOrder, path: Path, start: float
) -> tuple[float | None, Decimal | None]:
    """When a trailing stop triggers on ``path`` from ``start``, and its new ``hwm``.

    The high-water mark follows the path (up for a sell, down for a buy) and the stop
    trails it; the stop triggers where the path comes back to the stop. Before any
    price the mark starts at the path price when the order is ready.
    """
    sell = order.spec.side is Side.SELL
    best = price_at(path, start) if order.hwm is None else float(order.hwm)
    corners = [(start, price_at(path, start))] + [(t, p) for t, p in path if t > start]
    for (ta, pa), (tb, pb) in itertools.pairwise([corners[0], *corners]):
        best = max(best, pa) if sell else min(best, pa)
        level = float(trail_stop(order.spec, to_price(best)))
        if (pa <= level) if sell else (pa >= level):
            return ta, to_price(best)
        if (pb <= level) if sell else (pb >= level):
            return ta + (tb - ta) * (level - pa) / (pb - pa), to_price(best)
    last = corners[-1][1]
    best = max(best, last) if sell else min(best, last)
    return None, to_price(best)


def _marketable(price: float, limit: Decimal, side: Side) -> bool:
    return price <= float(limit) if side is Side.BUY else price >= float(limit)


def _all_or_none(order: SimOrder) -> bool:
    return order.spec.time_in_force is TimeInForce.FOK


def _aggressive(
    model: FillModel,
    order: SimOrder,
    bar: Bar,
    quote: Quote | None,
    at: tuple[float, float, float],
    limit: Decimal | None,
    triggered: bool,
) -> Match | None:
    t, reference, cap = at  # when, the path price then, and the shares we may take
    remaining = order.remaining
    # Unlimited liquidity fills it all (``fillable``'s first case, without the
    # order's size increment, which only a finite share needs).
    qty = remaining if math.isinf(cap) else fillable(remaining, cap, order.step())
    if qty == ZERO or (qty < remaining and _all_or_none(order)):
        return Match(ZERO, None, t, order.queue_ahead, triggered)
    sign = order.spec.side.sign
    cost = (
        0.0
        if quote is None and _costless(model)
        else _cost(model, bar, quote, float(qty), sign)
    )
    price = to_price(reference * (1.0 + sign * cost))
    if limit is not None and (price - limit) * sign > 0:
        return None  # costs would cross the limit: the order rests at its limit
    return Match(qty, price, t, None, triggered)


def fills_any_size_free(model: FillModel) -> bool:
    """Whether ``model`` takes any quantity of a bar (no participation cap) at no
    cost without a quote (:func:`_costless`): the ideal model. Fixed by the model,
    so the venue asks once (:func:`opening_match` holds only under it)."""
    return model.liquidity.max_participation is None and _costless(model)


def opening_match(order: SimOrder, bar: Bar) -> Match:
    """:func:`match_order` of a market order without a stop, ready at the bar's
    start, under a model that :func:`fills_any_size_free`, without a quote and with
    the bar's liquidity unlimited: all it has left at the bar's open.

    The general match walks the trailing, stop and limit tests, the liquidity cap
    and :func:`_aggressive` to reach the same answer (nearly every replay order is
    this one; a property test holds the two equal, errors included).
    """
    qty = order.remaining
    if qty == ZERO:
        return Match(ZERO, None, 0.0, order.queue_ahead, order.triggered)
    return Match(qty, to_price(bar.open), 0.0, None, order.triggered)


def _costless(model: FillModel) -> bool:
    """Whether, without a quote, :func:`_cost` is 0.0 for any bar (the ideal model):
    no spread floor or range share, no impact, no adverse selection. Their three
    calls cost more than the rest of an aggressive match."""
    spread = model.spread
    return not (
        spread.floor_bps
        or spread.range_fraction
        or model.impact.k
        or model.adverse_selection.coefficient
    )


def _cost(
    model: FillModel, bar: Bar, quote: Quote | None, qty: float, sign: int
) -> float:
    """The price fraction an aggressive fill of ``qty`` shares on side ``sign``
    pays: half the spread, impact and adverse selection."""
    participation = qty / bar.volume if bar.volume > 0 else 1.0
    return (
        model.spread.spread_bps(bar, quote) / 2e4
        + model.impact.impact_fraction(bar, participation)
        + model.adverse_selection.penalty_fraction(bar, sign)
    )


def _passive(
    model: FillModel,
    order: SimOrder,
    bar: Bar,
    path: Path,
    quote: Quote | None,
    at: tuple[float, Decimal, float],
    triggered: bool,
) -> Match:
    start, limit, liquidity_left = at
    buy = order.spec.side is Side.BUY
    level = float(limit)
    t = first_reach(path, start, level, upward=not buy)
    queue = order.queue_ahead
    if queue is None:
        queue = _initial_queue(model, bar, quote, level, buy)
    if t is None:
        return Match(ZERO, None, start, queue, triggered)
    cap = min(liquidity_left, model.liquidity.cap(bar.volume, 1.0 - t))
    low, high = extremes_after(path, t)
    through = low < level if buy else high > level
    if not model.queue.enabled or through:
        available, queue = cap, 0.0
    else:
        traded = bar.volume * (1.0 - t) * model.queue.touch_fraction
        available = min(cap, max(0.0, traded - queue))
        queue = max(0.0, queue - traded)
    qty = fillable(order.remaining, available, order.step())
    if qty == 0 or (_all_or_none(order) and qty < order.remaining):
        return Match(ZERO, None, t, queue, triggered)
    return Match(qty, limit, t, queue, triggered)


def _initial_queue(
    model: FillModel, bar: Bar, quote: Quote | None, level: float, buy: bool
) -> float:
    if not model.queue.enabled:
        return 0.0
    if quote is not None:
        best, size = (quote.bid, quote.bid_size) if buy else (quote.ask, quote.ask_size)
        if best == level and size > 0:
            return size
    return model.queue.ahead_fraction * bar.volume
