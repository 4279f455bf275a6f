"""Schedule the fills one bar gives the working orders of its symbol.

The per-order decision is :func:`tradecore.domain.venue.matching.match_order`; this module
turns its outcome into scheduled venue actions: fills (with fees and deterministic
execution ids), and for IOC/FOK orders the cancel of whatever did not fill on their one
look at the market. Orders of one symbol share the bar's liquidity in submission order.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from tradecore.domain.market.bars import Bar, Quote
from tradecore.domain.market.calendar import bar_span
from tradecore.domain.orders.broker_status import BrokerOrderStatus as B
from tradecore.domain.orders.money import ZERO
from tradecore.domain.orders.spec import OrderType, TimeInForce
from tradecore.domain.venue.book import Action, ActionKind, VenueBook
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.matching import (
    Match,
    Path,
    match_order,
    ohlc_path,
    opening_match,
    opening_path,
)
from tradecore.domain.venue.sim_order import SimOrder, derive_from

_IMMEDIATE = (TimeInForce.IOC, TimeInForce.FOK)
#: Enum members read on every order, as module constants: on Python 3.11 an
#: enum class's attribute goes through ``EnumType.__getattr__``'s slot hook,
#: about 900 instructions a read (cachegrind), where a global's costs a few.
_ACCEPTED, _NEW = B.ACCEPTED, B.NEW
_MARKET, _FILL = OrderType.MARKET, ActionKind.FILL


def match_bar(
    book: VenueBook,
    config: VenueConfig,
    now: datetime,
    bar: Bar,
    orders: dict[str, SimOrder],
    quote: Quote | None,
    *,
    exec_ids: hashlib._Hash,
    free_fills: bool,
) -> None:
    """Match ``bar`` against its symbol's working ``orders`` and schedule fills.

    Only the part of the bar inside a session counts (:func:`bar_span`); extended-hours
    orders use the extended session. Orders are skipped when they became ready after
    that part ended. A fill at or after an order's deadline (pending cancel/replace,
    expiry) is not scheduled.

    The bar's intrabar path is worked out only once an order reads more of it than
    its open: a market order ready at the bar's start (nearly every replay order)
    fills at the open, all a match reads of the path then (:func:`opening_path`).
    Under a model that ``free_fills`` (:func:`~.matching.fills_any_size_free`)
    and without a quote, such an order's match is :func:`opening_match`.

    ``exec_ids``: ``id_prefix(config.seed, "exec")``, kept by the venue.
    """
    model = config.fill_model
    regular = bar_span(book.calendar, bar.timestamp, config.bar_interval)
    extended: tuple[datetime, datetime] | None = None
    path: Path | None = None  # ohlc_path(bar), computed once an order reads it
    liquidity = model.liquidity.cap(bar.volume, 1.0)
    opening = free_fills and quote is None
    for order in list(orders.values()):
        span = regular
        if order.spec.extended_hours:  # its span, found once per bar when wanted
            if extended is None:
                extended = _extended_span(config, bar.timestamp, regular)
            span = extended
        if span is None or order.ready_at >= span[1]:
            continue
        start, end = span
        if order.status is _ACCEPTED:
            order.status = _NEW  # a queued order is routed at the open
        span_s = (end - start).total_seconds()
        ready = (order.ready_at - start).total_seconds() / span_s
        ready = ready if ready > 0.0 else 0.0  # max(0.0, ready), as max picks
        spec = order.spec
        if (
            opening
            and not ready
            and spec.order_type is _MARKET
            and spec.stop_price is None
            and liquidity == math.inf
        ):
            match = opening_match(order, bar)
        else:
            if path is None and (
                ready or spec.order_type is not _MARKET or spec.stop_price
            ):
                path = ohlc_path(bar)
            match = match_order(
                model,
                order,
                bar,
                opening_path(bar) if path is None else path,
                quote,
                ready,
                liquidity,
            )
        order.queue_ahead, order.triggered = match.queue_ahead, match.triggered
        if match.hwm is not None:
            order.hwm = match.hwm
        at = _fill_time(now, start, match.at * span_s)
        if match.qty > ZERO and (order.deadline is None or at < order.deadline):
            _schedule_fill(book, config, order, match, at, exec_ids)
            liquidity -= float(match.qty)
        if order.spec.time_in_force in _IMMEDIATE:
            _finish_immediate(book, order, at)


def _fill_time(now: datetime, start: datetime, offset_s: float) -> datetime:
    """When a match ``offset_s`` into its span happens: never before ``now``.

    A match at the span's start (a market order ready when its bar opens: nearly
    every replay fill) adds no ``timedelta``, whose construction from a float costs
    more than the rest of this arithmetic.
    """
    at = start + timedelta(seconds=offset_s) if offset_s else start
    return at if at > now else now


def _extended_span(
    config: VenueConfig, start: datetime, regular: tuple[datetime, datetime] | None
) -> tuple[datetime, datetime] | None:
    """The span an extended-hours order may trade in: the extended session, or any bar."""
    if config.extended_calendar is None:
        return start, start + config.bar_interval
    return bar_span(config.extended_calendar, start, config.bar_interval) or regular


def _schedule_fill(
    book: VenueBook,
    config: VenueConfig,
    order: SimOrder,
    match: Match,
    at: datetime,
    exec_ids: hashlib._Hash,
) -> None:
    assert match.price is not None
    book.commit(order, match.qty)
    order.fills_scheduled += 1
    # ``derive_id(seed, "exec", broker id, n)`` from the venue's kept prefix: the
    # same digest, without the parts' join and the prefix's cached look-up.
    execution_id = derive_from(
        exec_ids, f"{order.broker_order_id}|{order.fills_scheduled}"
    )
    fee = config.fee_model.fee(order.spec.side, match.qty, match.price)
    action = Action(
        kind=_FILL,
        order_id=order.broker_order_id,
        qty=match.qty,
        price=match.price,
        fee=fee,
        execution_id=execution_id,
    )
    book.schedule(at, action)
    if order.remaining == ZERO:  # a Decimal zero: no int converted per fill
        book.unwork(order)


def _finish_immediate(book: VenueBook, order: SimOrder, at: datetime) -> None:
    # IOC/FOK get one look at the market; whatever did not fill is canceled then.
    book.unwork(order)
    if order.remaining > 0:
        reason = f"{order.spec.time_in_force} remainder"
        action = Action(
            kind=ActionKind.CANCEL, order_id=order.broker_order_id, reason=reason
        )
        book.schedule(at, action)
