"""The simulated venue's working record of one order, and its deterministic ids.

A :class:`SimOrder` is mutable on purpose: the matching engine updates thousands of
them per simulated day and copies only when it hands one out. Ids are sha256 of the
seed and a sequence number, never time or ``hash()``, so a replay reproduces them.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime
from decimal import Decimal

import attrs

from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.money import ONE_SHARE, ZERO, quantize_price
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side

B = BrokerOrderStatus

#: Statuses after which nothing but a racing, already scheduled fill changes an order.
FINAL: frozenset[BrokerOrderStatus] = frozenset(
    {B.FILLED, B.CANCELED, B.EXPIRED, B.REJECTED, B.REPLACED}
)

#: Nine decimals, Alpaca's fractional share increment.
FRACTION_STEP = Decimal("0.000000001")


def derive_id(seed: int, *parts: str) -> str:
    """Return a UUID-shaped id that is a pure function of ``seed`` and ``parts``.

    The sha256 of ``"seed|part|part..."``. With two parts or more, the hash of the
    fixed ``"seed|kind|"`` prefix is taken once and copied (the venue derives two
    ids per order, always of a few kinds); the digest is the same either way.
    """
    if len(parts) < 2:
        hasher = hashlib.sha256("|".join((str(seed), *parts)).encode())
    else:
        hasher = _prefix_hash(seed, parts[0]).copy()
        hasher.update("|".join(parts[1:]).encode())
    d = hasher.hexdigest()
    return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}"


def id_prefix(seed: int, kind: str) -> hashlib._Hash:
    """The sha256 state :func:`derive_id` starts from for ``seed`` and ``kind``
    (for :func:`derive_from`: copied there, never updated)."""
    return _prefix_hash(seed, kind)


def derive_from(prefix: hashlib._Hash, part: str) -> str:
    """``derive_id(seed, kind, part)`` given ``prefix = id_prefix(seed, kind)``.

    The same id, without the cached look-up of the prefix and the join of the
    parts (about 2 K instructions): the venue names every new order this way.
    """
    hasher = prefix.copy()
    hasher.update(part.encode())
    d = hasher.hexdigest()
    return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}"


@functools.lru_cache(maxsize=256, typed=True)
def _prefix_hash(seed: int, kind: str) -> hashlib._Hash:
    """The sha256 state after ``"seed|kind|"`` (copied, never updated in place)."""
    return hashlib.sha256(f"{seed}|{kind}|".encode())


def trail_stop(spec: OrderSpec, hwm: Decimal) -> Decimal:
    """The stop of a trailing stop at high-water mark ``hwm``, on the cent.

    A sell stops ``trail_price`` (or ``trail_percent`` %) below the highest price
    seen, a buy as far above the lowest (Alpaca "Trailing Stop Orders").
    """
    sign = -1 if spec.side is Side.SELL else 1
    if spec.trail_price is not None:
        stop = hwm + sign * spec.trail_price
    else:
        assert spec.trail_percent is not None
        stop = hwm * (1 + sign * spec.trail_percent / 100)
    return quantize_price(stop) if stop > 0 else Decimal("0.01")


def qty_step(qty: Decimal) -> Decimal:
    """Return the size increment an order of ``qty`` fills in: whole or 1e-9 shares."""
    return ONE_SHARE if qty == qty.to_integral_value() else FRACTION_STEP


@attrs.define(eq=False, slots=True, kw_only=True)
class SimOrder:
    """An order inside the simulated venue; treat copies handed out as read-only."""

    broker_order_id: str
    client_order_id: str
    spec: OrderSpec
    qty: Decimal
    status: BrokerOrderStatus
    submitted_at: datetime
    updated_at: datetime
    #: Earliest moment a fill may happen (ack plus the first-fill latency).
    ready_at: datetime
    #: Fills must happen strictly before this (a pending cancel/replace, the expiry).
    deadline: datetime | None = None
    filled_qty: Decimal = ZERO
    filled_notional: Decimal = ZERO
    #: Filled plus scheduled-but-not-yet-happened fills.
    committed_qty: Decimal = ZERO
    fills_scheduled: int = 0
    queue_ahead: float | None = None
    triggered: bool = False
    leg_ids: tuple[str, ...] = ()
    parent_id: str | None = None
    replaced_by: str | None = None
    #: Trailing stops: the best price since the order was placed (the highest for a
    #: sell, the lowest for a buy; Alpaca's ``hwm``); ``None`` before any price.
    hwm: Decimal | None = None

    @property
    def remaining(self) -> Decimal:
        """Quantity not yet filled or scheduled to fill."""
        return self.qty - self.committed_qty

    @property
    def avg_price(self) -> Decimal | None:
        """Average fill price so far, or ``None`` before the first fill."""
        if self.filled_qty == 0:
            return None
        return self.filled_notional / self.filled_qty

    @property
    def is_final(self) -> bool:
        """True once the order can no longer be canceled or replaced."""
        return self.status in FINAL

    def stop_level(self) -> Decimal | None:
        """The price that triggers this order: its stop, or its trail off ``hwm``."""
        spec = self.spec
        if spec.order_type is not OrderType.TRAILING_STOP:
            return spec.stop_price
        if self.hwm is None:
            return None
        return trail_stop(spec, self.hwm)

    def step(self) -> Decimal:
        """Return the size increment this order fills in."""
        return qty_step(self.qty)

    def tighten_deadline(self, at: datetime) -> None:
        """Make fills at or after ``at`` impossible (cancel, replace or expiry)."""
        if self.deadline is None or at < self.deadline:
            self.deadline = at
