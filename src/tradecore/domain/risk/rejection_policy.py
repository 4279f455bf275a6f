"""What to do when the broker rejects an order: one policy per rejection reason.

The broker's reason is classified into a :class:`RejectionKind`; each kind maps to
exactly one :class:`RejectionAction` (:data:`POLICY`). :func:`decide` turns that into
a concrete retry (an amended order and when to send it) or a give-up, with a cap so a
rejection can never loop: every action but the backoff is tried at most once per
decision, and no decision is retried more than ``max_retries`` times in total (also
judged from the attempt number, so a restart that forgot the history still stops).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.money import price_increment, quantize_qty
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side

_BPS = Decimal(10_000)


class RejectionKind(enum.StrEnum):
    """Why the broker said no, as far as the reason tells."""

    BUYING_POWER = "buying_power"
    MARKET_CLOSED = "market_closed"
    LOT_SIZE = "lot_size"
    RATE_LIMITED = "rate_limited"
    PRICE_BAND = "price_band"
    NOT_ALLOWED = "not_allowed"
    UNKNOWN = "unknown"


class RejectionAction(enum.StrEnum):
    """The one thing done about a rejection."""

    REDUCE_SIZE = "reduce_size_retry_once"
    WAIT_FOR_OPEN = "wait_for_open"
    ROUND_TO_LOT = "round_to_lot"
    BACKOFF = "backoff"
    ADJUST_TO_COLLAR = "adjust_limit_to_collar"
    GIVE_UP = "give_up_and_alert"


#: Each rejection kind's one policy.
POLICY: Mapping[RejectionKind, RejectionAction] = {
    RejectionKind.BUYING_POWER: RejectionAction.REDUCE_SIZE,
    RejectionKind.MARKET_CLOSED: RejectionAction.WAIT_FOR_OPEN,
    RejectionKind.LOT_SIZE: RejectionAction.ROUND_TO_LOT,
    RejectionKind.RATE_LIMITED: RejectionAction.BACKOFF,
    RejectionKind.PRICE_BAND: RejectionAction.ADJUST_TO_COLLAR,
    RejectionKind.NOT_ALLOWED: RejectionAction.GIVE_UP,
    RejectionKind.UNKNOWN: RejectionAction.GIVE_UP,
}

#: Phrases (lower case) that identify a kind in a broker's reason or code; first
#: match wins, in this order (Alpaca's messages and codes, and the simulator's).
_PHRASES: tuple[tuple[RejectionKind, tuple[str, ...]], ...] = (
    (RejectionKind.RATE_LIMITED, ("rate limit", "too many requests", "429")),
    (RejectionKind.BUYING_POWER, ("buying power", "insufficient", "40310000")),
    (
        RejectionKind.MARKET_CLOSED,
        ("market is closed", "market closed", "outside market hours", "not open"),
    ),
    (RejectionKind.LOT_SIZE, ("lot size", "fractional", "multiple of", "whole")),
    (
        RejectionKind.PRICE_BAND,
        ("price band", "collar", "too far", "limit price", "away from"),
    ),
    (
        RejectionKind.NOT_ALLOWED,
        ("not tradable", "not shortable", "short", "restricted", "unknown symbol"),
    ),
)


def classify(reason: str, code: str | None = None) -> RejectionKind:
    """Return the kind of a rejection from the broker's reason text and code."""
    text = f"{code or ''} {reason}".lower()
    for kind, phrases in _PHRASES:
        if any(p in text for p in phrases):
            return kind
    return RejectionKind.UNKNOWN


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    v.finite_float(instance, attribute, value)
    assert isinstance(value, float | int)
    if value <= 0:
        raise InvalidInput(attribute.name, value, "must be > 0")


def _fraction(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    v.decimal(instance, attribute, value)
    assert isinstance(value, Decimal)
    if not 0 < value < 1:
        raise InvalidInput(attribute.name, value, "must be in (0, 1)")


@attrs.frozen(kw_only=True, slots=True)
class RejectionPolicy:
    """The knobs of the actions, and the cap on retries."""

    max_retries: int = attrs.field(default=3, validator=v.instance_of(int))
    size_factor: Decimal = attrs.field(default=Decimal("0.5"), validator=_fraction)
    lot_size: Decimal = attrs.field(default=Decimal(1), validator=v.positive_decimal)
    backoff_base_s: float = attrs.field(default=1.0, validator=_positive)
    #: The longest wait before a retry: waits double from ``backoff_base_s``
    #: up to this cap.
    backoff_max_s: float = attrs.field(default=60.0, validator=_positive)
    collar_bps: Decimal = attrs.field(
        default=Decimal(100), validator=v.positive_decimal
    )
    #: The market's sessions: a "market closed" reject waits for the next open.
    #: ``None``: sessions are unknown, so waiting for the open cannot be planned.
    calendar: MarketCalendar | None = None


@attrs.frozen(kw_only=True, slots=True)
class Rejection:
    """One rejected order and what was already tried for its decision."""

    reason: str
    spec: OrderSpec
    at: datetime = attrs.field(validator=v.utc_datetime)
    attempt: int = 1
    code: str | None = None
    tried: tuple[RejectionAction, ...] = ()
    #: The collar's reference price (last trade or prior close), if known.
    reference_price: Decimal | None = None


@attrs.frozen(kw_only=True, slots=True)
class RejectionDecision:
    """What to do: retry ``retry_spec`` at ``retry_at``, or give up (both ``None``)."""

    kind: RejectionKind
    policy: RejectionAction
    action: RejectionAction
    note: str
    retry_spec: OrderSpec | None = None
    retry_at: datetime | None = None

    @property
    def gives_up(self) -> bool:
        """True when nothing will be retried."""
        return self.action is RejectionAction.GIVE_UP


def decide(rejection: Rejection, policy: RejectionPolicy) -> RejectionDecision:
    """Return the one thing to do about ``rejection`` under ``policy``."""
    kind = classify(rejection.reason, rejection.code)
    action = POLICY[kind]
    retries = max(len(rejection.tried), rejection.attempt - 1)
    if action is not RejectionAction.GIVE_UP and retries >= policy.max_retries:
        return _give_up(kind, action, f"retry cap reached ({policy.max_retries})")
    once = action is not RejectionAction.BACKOFF
    if once and action in rejection.tried:
        return _give_up(kind, action, f"{action.value} was already tried once")
    planner = _PLANNERS.get(action)
    if planner is None:
        return _give_up(kind, action, f"no retry for {kind.value}: {rejection.reason}")
    planned = planner(rejection, policy)
    if isinstance(planned, str):
        return _give_up(kind, action, planned)
    spec, at, note = planned
    return RejectionDecision(
        kind=kind, policy=action, action=action, note=note, retry_spec=spec, retry_at=at
    )


def _give_up(
    kind: RejectionKind, policy: RejectionAction, note: str
) -> RejectionDecision:
    return RejectionDecision(
        kind=kind, policy=policy, action=RejectionAction.GIVE_UP, note=note
    )


_Plan = tuple[OrderSpec, datetime, str] | str  # a retry, or why there is none


def _reduce_size(r: Rejection, p: RejectionPolicy) -> _Plan:
    spec = r.spec
    if spec.qty is None:
        notional = (spec.notional or Decimal(0)) * p.size_factor
        return attrs.evolve(spec, notional=notional), r.at, f"notional {notional}"
    qty = quantize_qty(spec.qty * p.size_factor, p.lot_size)
    if qty <= 0:
        return f"{spec.qty} x {p.size_factor} rounds to no shares"
    return attrs.evolve(spec, qty=qty), r.at, f"qty {spec.qty} -> {qty}"


def _round_to_lot(r: Rejection, p: RejectionPolicy) -> _Plan:
    spec = r.spec
    if spec.qty is None:
        return "a notional order has no lot to round to"
    qty = quantize_qty(spec.qty, p.lot_size)
    if qty <= 0 or qty == spec.qty:
        return f"rounding {spec.qty} to lots of {p.lot_size} changes nothing"
    return attrs.evolve(spec, qty=qty), r.at, f"qty {spec.qty} -> {qty}"


def _backoff(r: Rejection, p: RejectionPolicy) -> _Plan:
    n = r.tried.count(RejectionAction.BACKOFF)
    delay = min(p.backoff_max_s, p.backoff_base_s * 2**n)
    return r.spec, r.at + timedelta(seconds=delay), f"retry in {delay:g}s"


def _wait_for_open(r: Rejection, p: RejectionPolicy) -> _Plan:
    opening = next_open(p.calendar, r.at)
    if opening is None:
        return "the session never closes, so waiting for the open cannot help"
    return r.spec, opening, f"retry at the open {opening.isoformat()}"


def _adjust_to_collar(r: Rejection, p: RejectionPolicy) -> _Plan:
    spec, ref = r.spec, r.reference_price
    if spec.order_type is not OrderType.LIMIT or spec.limit_price is None:
        return "only a limit order's price can be moved into the collar"
    if ref is None:
        return "no reference price to build the collar from"
    band = ref * p.collar_bps / _BPS
    tick = price_increment(ref)
    if spec.side is Side.BUY:
        edge = (ref + band).quantize(tick, rounding=ROUND_FLOOR)
        price = min(spec.limit_price, edge)
    else:
        edge = (ref - band).quantize(tick, rounding=ROUND_CEILING)
        price = max(spec.limit_price, edge)
    if price == spec.limit_price or price <= 0:
        return f"limit {spec.limit_price} is already inside the collar around {ref}"
    return attrs.evolve(spec, limit_price=price), r.at, f"limit -> {price}"


_PLANNERS = {
    RejectionAction.REDUCE_SIZE: _reduce_size,
    RejectionAction.ROUND_TO_LOT: _round_to_lot,
    RejectionAction.BACKOFF: _backoff,
    RejectionAction.WAIT_FOR_OPEN: _wait_for_open,
    RejectionAction.ADJUST_TO_COLLAR: _adjust_to_collar,
}


def next_open(calendar: MarketCalendar | None, at: datetime) -> datetime | None:
    """Return the first session open strictly after ``at``.

    ``None`` when there is no such open to wait for: no calendar, or a market that
    never closes.
    """
    if calendar is None or calendar.is_always_open:
        return None
    opening = calendar.next_open(at)
    return (
        opening if opening > at else calendar.next_open(at + timedelta(microseconds=1))
    )
