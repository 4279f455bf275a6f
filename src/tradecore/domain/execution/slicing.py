"""TWAP and POV slicers: a parent order becomes child orders with restart-safe ids.

Why: a scheduled order is many broker orders, and a crash between two of them must
neither lose nor repeat one. Each child's client order id is derived from the parent's
decision key and the slice index (:func:`slice_client_order_id`), never from its size
or the time, so re-deriving the plan after a restart yields the ids already sent.

Quantities are Decimals in multiples of ``lot`` (the size increment), and no child is
smaller than ``min_qty`` except when the whole order is; anything left below one lot
goes to the last child, so the children always add up to the parent exactly.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.float_checks import fraction, require_non_negative
from tradecore.domain.orders.client_order_id import DecisionKey, slice_client_order_id
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.money import ONE_SHARE, quantize_qty

_ZERO = Decimal(0)


@attrs.frozen(kw_only=True, slots=True)
class ChildSlice:
    """One child order of a sliced parent."""

    parent_key: DecisionKey
    index: int
    client_order_id: str
    qty: Decimal
    #: When a TWAP child becomes due (``None`` for POV: it is due when volume is).
    not_before: datetime | None = None


@attrs.frozen(kw_only=True, slots=True)
class LotRules:
    """Size increment and smallest child (e.g. 1 and 100 for round lots)."""

    lot: Decimal = attrs.field(default=ONE_SHARE, validator=v.positive_decimal)
    min_qty: Decimal = attrs.field(default=ONE_SHARE, validator=v.positive_decimal)

    def __attrs_post_init__(self) -> None:
        if self.min_qty % self.lot != 0:
            raise InvalidInput("min_qty", self.min_qty, f"not a multiple of {self.lot}")


def twap_slices(
    key: DecisionKey,
    *,
    slices: int,
    start: datetime,
    horizon: timedelta,
    lots: LotRules = LotRules(),
) -> tuple[ChildSlice, ...]:
    """Split ``key.qty`` into at most ``slices`` near-equal children over ``horizon``.

    Child i is due at ``start + i·horizon/n``. Fewer children are made when equal
    children would fall below ``lots.min_qty``; sizes differ by at most one lot
    (plus the sub-lot remainder on the last child).

    Raises:
        InvalidInput: ``slices`` is not >= 1, ``horizon`` is negative or ``start`` is
            not UTC.
    """
    if isinstance(slices, bool) or not isinstance(slices, int) or slices < 1:
        raise InvalidInput("slices", slices, "must be an int >= 1")
    if horizon < timedelta(0):
        raise InvalidInput("horizon", horizon, "must be >= 0")
    if not isinstance(start, datetime) or start.utcoffset() != timedelta(0):
        raise InvalidInput("start", start, "expected a UTC timestamp")
    sizes = _split(key.qty, slices, lots)
    step = horizon / len(sizes)
    return tuple(
        ChildSlice(
            parent_key=key,
            index=i,
            client_order_id=slice_client_order_id(key, i),
            qty=qty,
            not_before=start + step * i,
        )
        for i, qty in enumerate(sizes)
    )


def _split(total: Decimal, slices: int, lots: LotRules) -> list[Decimal]:
    whole_lots = int((total / lots.lot).to_integral_value(rounding=ROUND_DOWN))
    remainder = total - whole_lots * lots.lot
    most = int(total / lots.min_qty)
    n = max(1, min(slices, most, whole_lots))
    base, extra = divmod(whole_lots, n)
    sizes = [(base + (1 if i < extra else 0)) * lots.lot for i in range(n)]
    sizes[-1] += remainder
    return sizes


@attrs.frozen(kw_only=True, slots=True)
class PovSlicer:
    """Size each child as a share of the volume observed in the last interval."""

    participation: float = attrs.field(validator=fraction)
    lots: LotRules = attrs.field(factory=LotRules, validator=v.instance_of(LotRules))

    def next_slice(
        self,
        key: DecisionKey,
        *,
        index: int,
        remaining: Decimal,
        observed_volume: float,
    ) -> ChildSlice | None:
        """Return child ``index`` for the next interval, or ``None`` to wait.

        The child is ``participation × observed_volume`` rounded down to the lot and
        at most ``remaining``; below ``min_qty`` it waits for more volume, unless it
        is the last piece of the order.

        Raises:
            InvalidInput: ``remaining`` is negative or exceeds the parent, or the
                volume is negative or not finite.
        """
        volume = require_non_negative("observed_volume", observed_volume)
        if remaining < 0 or remaining > key.qty:
            raise InvalidInput("remaining", remaining, f"must be within 0..{key.qty}")
        target = quantize_qty(Decimal(repr(self.participation * volume)), self.lots.lot)
        qty = min(target, remaining)
        if qty <= 0 or (qty < self.lots.min_qty and qty < remaining):
            return None
        return ChildSlice(
            parent_key=key,
            index=index,
            client_order_id=slice_client_order_id(key, index),
            qty=qty,
        )


def realized_participation(filled_qty: Decimal, observed_volume: float) -> float:
    """Return our fills over the market volume in the same interval (0 if none).

    Raises:
        InvalidInput: the volume is negative or not finite.
    """
    volume = require_non_negative("observed_volume", observed_volume)
    if volume == 0.0:
        return 0.0 if filled_qty == 0 else float("inf")
    return float(filled_qty) / volume


def child_intent(
    parent: OrderIntent, child: ChildSlice, *, decided_at: datetime
) -> OrderIntent:
    """Build the CREATED intent for ``child`` of ``parent``.

    The child keeps the parent's decision key (its identity), spec (with the child's
    quantity), hashes and policy, and points at the parent's client order id.

    Raises:
        InvalidInput: the child belongs to another decision.
    """
    if child.parent_key != parent.decision_key:
        raise InvalidInput(
            "child", child.client_order_id, "belongs to another decision"
        )
    return OrderIntent(
        client_order_id=child.client_order_id,
        decision_key=parent.decision_key,
        attempt=1,
        spec=attrs.evolve(parent.spec, qty=child.qty, notional=None),
        decided_at=decided_at,
        updated_at=decided_at,
        arrival_price=parent.arrival_price,
        expected_edge_bps=parent.expected_edge_bps,
        execution_policy=parent.execution_policy,
        config_hash=parent.config_hash,
        model_hash=parent.model_hash,
        cost_model_hash=parent.cost_model_hash,
        parent_client_order_id=parent.client_order_id,
    )
