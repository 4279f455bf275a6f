"""Graceful degradation: component health decides what the engine may still do.

Four components can fail independently: the broker connection, the market-data
feed, the model (the strategy's signal), the store. Each is OK, DEGRADED or DOWN;
one table (:data:`MODE_TABLE`) maps each (component, health) to a trading mode, and
the most restrictive mode wins. A mode allows a set of order actions
(:data:`ALLOWED`), nested from FULL down to MONITOR_ONLY:

* FULL: anything (new entries, reductions, closes);
* NO_NEW_ENTRIES: only orders that shrink a position (reduce or close);
* EMERGENCY_CLOSE: only orders that close a position to flat;
* MONITOR_ONLY: nothing is sent (the broker or the store cannot be trusted with an
  order: an order the store cannot persist breaks exactly-once).

Pure and table-driven so the whole policy reads in one screen and is tested
exhaustively; the service (:mod:`tradecore.services.controls.degradation`) measures health.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput
from tradecore.domain.execution.policy import DEGRADED_PROVENANCES
from tradecore.domain.market.bars import Provenance


class Component(enum.StrEnum):
    """What can fail."""

    BROKER = "broker"
    DATA_FEED = "data_feed"
    MODEL = "model"
    STORE = "store"


class Health(enum.StrEnum):
    """How a component is doing."""

    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


class Mode(enum.StrEnum):
    """What the engine may do, least to most restrictive (see :data:`SEVERITY`)."""

    FULL = "full"
    NO_NEW_ENTRIES = "no_new_entries"
    EMERGENCY_CLOSE = "emergency_close"
    MONITOR_ONLY = "monitor_only"


class OrderAction(enum.StrEnum):
    """What an order does to the position it trades."""

    ENTER = "enter"  # opens or grows a position (or flips it through zero)
    REDUCE = "reduce"  # shrinks it, not to zero
    CLOSE = "close"  # takes it exactly to zero


SEVERITY: Mapping[Mode, int] = {
    Mode.FULL: 0,
    Mode.NO_NEW_ENTRIES: 1,
    Mode.EMERGENCY_CLOSE: 2,
    Mode.MONITOR_ONLY: 3,
}

ALLOWED: Mapping[Mode, frozenset[OrderAction]] = {
    Mode.FULL: frozenset(OrderAction),
    Mode.NO_NEW_ENTRIES: frozenset({OrderAction.REDUCE, OrderAction.CLOSE}),
    Mode.EMERGENCY_CLOSE: frozenset({OrderAction.CLOSE}),
    Mode.MONITOR_ONLY: frozenset(),
}

#: (component, health) -> mode. Why each row:
#: a flaky broker or feed, a doubtful model, a slow store: stop adding risk;
#: a model that is down leaves its positions unmanaged: close them;
#: a broker that is down cannot take orders, a feed that is down cannot price
#: them, a store that is down cannot persist them: send nothing.
MODE_TABLE: Mapping[tuple[Component, Health], Mode] = {
    **{(c, Health.OK): Mode.FULL for c in Component},
    (Component.BROKER, Health.DEGRADED): Mode.NO_NEW_ENTRIES,
    (Component.BROKER, Health.DOWN): Mode.MONITOR_ONLY,
    (Component.DATA_FEED, Health.DEGRADED): Mode.NO_NEW_ENTRIES,
    (Component.DATA_FEED, Health.DOWN): Mode.MONITOR_ONLY,
    (Component.MODEL, Health.DEGRADED): Mode.NO_NEW_ENTRIES,
    (Component.MODEL, Health.DOWN): Mode.EMERGENCY_CLOSE,
    (Component.STORE, Health.DEGRADED): Mode.NO_NEW_ENTRIES,
    (Component.STORE, Health.DOWN): Mode.MONITOR_ONLY,
}


_COMPONENTS = tuple(Component)
#: Modes already worked out, by every component's health in ``_COMPONENTS`` order
#: (at most 3**4 entries): the engine asks before every order.
_MODES: dict[tuple[Health, ...], Mode] = {}


def mode_for(health: Mapping[Component, Health]) -> Mode:
    """The most restrictive mode any component's health asks for (absent: OK)."""
    key = tuple([health.get(c, Health.OK) for c in _COMPONENTS])
    mode = _MODES.get(key)
    if mode is None:
        modes = (MODE_TABLE[(c, h)] for c, h in zip(_COMPONENTS, key, strict=True))
        mode = _MODES[key] = max(modes, key=SEVERITY.__getitem__)
    return mode


def order_action(position: Decimal, delta: Decimal) -> OrderAction:
    """Classify an order of signed ``delta`` against signed ``position``."""
    after = position + delta
    if position != 0 and after == 0:
        return OrderAction.CLOSE
    shrinks = (
        position != 0 and (after > 0) == (position > 0) and abs(after) < abs(position)
    )
    return OrderAction.REDUCE if shrinks else OrderAction.ENTER


def allows(mode: Mode, action: OrderAction) -> bool:
    """Whether ``mode`` lets an order doing ``action`` through."""
    return action in ALLOWED[mode]


def _fraction(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, float | int) or not 0 < value <= 1:
        raise InvalidInput(attribute.name, value, "must be a number in (0, 1]")


def _at_least_one(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 1:
        raise InvalidInput(attribute.name, value, "must be >= 1")


@attrs.frozen(kw_only=True, slots=True)
class HealthThresholds:
    """When a measured component turns DEGRADED or DOWN."""

    #: Broker calls that failed (timeouts, 5xx, refused) over the window.
    broker_degraded_rate: float = attrs.field(default=0.2, validator=_fraction)
    #: ... and the failed share at which the broker counts as DOWN.
    broker_down_rate: float = attrs.field(default=0.5, validator=_fraction)
    #: The window (seconds) those shares are taken over.
    broker_window_s: float = attrs.field(default=300.0, validator=_at_least_one)
    #: Fewer calls than this in the window say nothing: the broker stays OK.
    broker_min_calls: int = attrs.field(default=5, validator=_at_least_one)
    #: A symbol's data age, in expected bar intervals.
    data_interval_s: float = attrs.field(default=60.0, validator=_at_least_one)
    data_degraded_intervals: float = attrs.field(default=3.0, validator=_at_least_one)
    #: ... and the age, in intervals, at which a symbol's data counts as DOWN.
    data_down_intervals: float = attrs.field(default=10.0, validator=_at_least_one)
    #: Store operations that failed in a row.
    store_degraded_errors: int = attrs.field(default=1, validator=_at_least_one)
    #: ... and the failures in a row at which the store counts as DOWN.
    store_down_errors: int = attrs.field(default=3, validator=_at_least_one)

    def __attrs_post_init__(self) -> None:
        """DOWN must not come before DEGRADED."""
        pairs = (
            ("broker_down_rate", self.broker_degraded_rate, self.broker_down_rate),
            (
                "data_down_intervals",
                self.data_degraded_intervals,
                self.data_down_intervals,
            ),
            ("store_down_errors", self.store_degraded_errors, self.store_down_errors),
        )
        for name, degraded, down in pairs:
            if down < degraded:
                raise InvalidInput(
                    name, down, f"must be >= its degraded level {degraded}"
                )


def broker_health(failed: int, calls: int, t: HealthThresholds) -> Health:
    """Health from the failed share of recent calls (too few calls: OK)."""
    if calls < t.broker_min_calls:
        return Health.OK
    rate = failed / calls
    if rate >= t.broker_down_rate:
        return Health.DOWN
    return Health.DEGRADED if rate >= t.broker_degraded_rate else Health.OK


def data_health(age_s: float | None, t: HealthThresholds) -> Health:
    """Health from a symbol's data age (``None``: no bar yet, nothing to trade on)."""
    if age_s is None:
        return Health.DOWN
    intervals = age_s / t.data_interval_s
    if intervals > t.data_down_intervals:
        return Health.DOWN
    return Health.DEGRADED if intervals > t.data_degraded_intervals else Health.OK


def store_health(errors_in_a_row: int, t: HealthThresholds) -> Health:
    """Health from consecutive failed store operations."""
    if errors_in_a_row >= t.store_down_errors:
        return Health.DOWN
    return Health.DEGRADED if errors_in_a_row >= t.store_degraded_errors else Health.OK


def feed_health(provenance: Provenance) -> Health:
    """The data regime of a feed: IEX-only (one exchange, ~2.5 % of volume) or
    15-minute-late SIP is DEGRADED; the execution policy's degraded provenances."""
    return Health.DEGRADED if provenance in DEGRADED_PROVENANCES else Health.OK


class DegradedFeedAction(enum.StrEnum):
    """What a degraded data regime (iex, delayed_sip) does to trading.

    ``reduce_aggression`` (the default): keep trading; the execution-policy
    selector sees the provenance and goes passive (limit orders at the touch, no
    marketable ones), because a thin or late quote makes crossing the spread a bet
    on a price we cannot see. IEX-only is the normal state of a free Alpaca account,
    so halting or blocking entries on it would mean never trading at all.
    ``no_new_entries``: treat the feed as a DEGRADED data component (only orders
    that shrink a position), for strategies that must not open risk on thin data.
    """

    REDUCE_AGGRESSION = "reduce_aggression"
    NO_NEW_ENTRIES = "no_new_entries"


def regime_health(provenance: Provenance | None, action: DegradedFeedAction) -> Health:
    """The data component's health the feed's regime asks for under ``action``."""
    if provenance is None or action is DegradedFeedAction.REDUCE_AGGRESSION:
        return Health.OK
    return feed_health(provenance)


_RANK = {Health.OK: 0, Health.DEGRADED: 1, Health.DOWN: 2}


def worst(*healths: Health) -> Health:
    """The worst of ``healths`` (OK < DEGRADED < DOWN)."""
    return max(healths, key=_RANK.__getitem__)
