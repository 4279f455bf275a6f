"""The data-quality gate: which bars a strategy may see.

A bar reaches the strategy only when its close is a finite positive price, its volume
a finite non-negative number, its timestamp later than the last accepted bar of the
same symbol (a repeat is a duplicate, an earlier one is out of order), and, when a
maximum age is configured, it is not older than that against the clock. Anything else
is rejected with the rule and the numbers (:class:`BarRejection`), for the audit log.

Why here and not only at load time: replay files are validated in bulk when loaded,
but a live feed delivers bars one by one, and a strategy fed a NaN close or a replayed
bar decides on garbage. The check sits on the per-bar hot path, so the accepting case
is a few chained comparisons and one dictionary lookup; the rule that failed is only
worked out for a bar already known to be bad.

Staleness is off by default (a replay's clock is the bars' own clock); live trading
turns it on (:meth:`DataQualityConfig.live`), because a bar that arrives minutes late
describes a market that is gone.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from tradecore.domain.errors import InvalidInput

if TYPE_CHECKING:
    from tradecore.domain.market.bar_frame import BarFrame

_INF = math.inf
_NO_BAR = -(2**63) - 1  # before every int64 nanosecond timestamp
_NS_PER_S = 1_000_000_000


class BarFault(enum.StrEnum):
    """The rule a rejected bar broke (stored as the audit entry's ``reason``)."""

    NON_FINITE_CLOSE = "non_finite_close"
    NON_POSITIVE_CLOSE = "non_positive_close"
    NON_FINITE_VOLUME = "non_finite_volume"
    NEGATIVE_VOLUME = "negative_volume"
    DUPLICATE = "duplicate_timestamp"
    OUT_OF_ORDER = "out_of_order"
    STALE = "stale"


def _optional_positive_age(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is None:
        return
    if not isinstance(value, timedelta):
        raise InvalidInput(attribute.name, value, "expected a timedelta or None")
    if value <= timedelta(0):
        raise InvalidInput(attribute.name, value, "must be > 0 (None turns it off)")


@attrs.frozen(kw_only=True, slots=True)
class DataQualityConfig:
    """What the gate checks besides the always-on rules.

    ``max_bar_age`` is measured from the bar's timestamp (its start) to the clock when
    the engine receives it, so it must allow at least one bar interval.
    """

    max_bar_age: timedelta | None = attrs.field(
        default=None, validator=_optional_positive_age
    )
    #: (symbol, New York date) pairs whose raw price jump a corporate action explains
    #: (a split's or cash dividend's ex-date): a price-jump rule lets those bars
    #: through (:func:`tradecore.domain.market.adjustment.explained_jumps`).
    explained_jumps: frozenset[tuple[str, date]] = attrs.field(
        factory=frozenset, validator=attrs.validators.instance_of(frozenset)
    )

    @classmethod
    def live(cls, bar_interval: timedelta = timedelta(minutes=1)) -> DataQualityConfig:
        """Live defaults: a bar older than two intervals is stale."""
        return cls(max_bar_age=2 * bar_interval)


@attrs.frozen(kw_only=True, slots=True)
class BarRejection:
    """One rejected bar: which rule, and the values that broke it."""

    symbol: str
    timestamp_ns: int
    fault: BarFault
    close: float
    volume: float
    #: The last accepted bar's timestamp of this symbol, if any.
    previous_ns: int | None = None
    #: The bar's age against the clock, when staleness was checked.
    age_ns: int | None = None
    max_age_ns: int | None = None

    def audit_payload(self) -> dict[str, object]:
        """The audit entry's payload: JSON-safe strings (a NaN stays readable)."""
        payload: dict[str, object] = {
            "symbol": self.symbol,
            "timestamp_ns": self.timestamp_ns,
            "reason": self.fault.value,
            "close": repr(self.close),
            "volume": repr(self.volume),
        }
        if self.previous_ns is not None:
            payload["previous_timestamp_ns"] = self.previous_ns
        if self.age_ns is not None:
            payload["age_s"] = repr(self.age_ns / _NS_PER_S)
            payload["max_age_s"] = repr((self.max_age_ns or 0) / _NS_PER_S)
        return payload


class BarScreen:
    """The gate's memory (last accepted timestamp per symbol) and its rules.

    Mutable by design, like an incremental indicator: one per engine.
    """

    __slots__ = ("_last_ns", "max_age_ns")

    def __init__(self, config: DataQualityConfig | None = None) -> None:
        """Screen bars under ``config`` (default: no staleness check)."""
        age = (config or DataQualityConfig()).max_bar_age
        #: Maximum bar age in nanoseconds; ``None``: staleness is not checked.
        self.max_age_ns: int | None = (
            None if age is None else age // timedelta(microseconds=1) * 1000
        )
        self._last_ns: dict[str, int] = {}

    def admit(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        now_ns: int | None = None,
    ) -> BarRejection | None:
        """Accept the bar (``None``, remembered) or say why not (not remembered).

        ``now_ns`` is the clock, needed only when a maximum age is configured.
        """
        last = self._last_ns
        max_age = self.max_age_ns
        if (
            0.0 < close < _INF
            and 0.0 <= volume < _INF
            and timestamp_ns > last.get(symbol, _NO_BAR)
            and (max_age is None or now_ns is None or now_ns - timestamp_ns <= max_age)
        ):
            last[symbol] = timestamp_ns
            return None
        return self._diagnose(symbol, timestamp_ns, close, volume, now_ns)

    def admits_in_order(self, frames: Sequence[BarFrame]) -> bool:
        """Whether :meth:`admit` is sure to accept every bar of ``frames`` fed in
        time order (each frame's rows in their order, each at most once).

        A replay asks once, before its first bar: when the answer is yes it records
        each bar in :attr:`accepted` instead of asking per bar (about a tenth of an
        idle bar's cost). A :class:`BarFrame` holds only finite positive closes,
        finite non-negative volumes and strictly increasing timestamps, so what is
        left to rule out is a staleness check (it reads the clock), two frames of
        one symbol (their rows would interleave) and a symbol whose last accepted
        bar is not before its frame's first.
        """
        if self.max_age_ns is not None:
            return False
        if len({frame.symbol for frame in frames}) != len(frames):
            return False
        last = self._last_ns
        return all(
            last.get(frame.symbol, _NO_BAR) < frame.timestamps.item(0)
            for frame in frames
            if len(frame)
        )

    @property
    def accepted(self) -> dict[str, int]:
        """The last accepted timestamp per symbol, as a live dict.

        Writing a bar's timestamp under its symbol is what :meth:`admit` does with
        a bar it accepts: for bars :meth:`admits_in_order` vouched for.
        """
        return self._last_ns

    def last_accepted_ns(self, symbol: str) -> int | None:
        """The timestamp of the last bar of ``symbol`` that was accepted."""
        return self._last_ns.get(symbol)

    def _diagnose(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        now_ns: int | None,
    ) -> BarRejection:
        previous = self._last_ns.get(symbol)
        fault, age = _fault(timestamp_ns, close, volume, previous, now_ns)
        return BarRejection(
            symbol=symbol,
            timestamp_ns=timestamp_ns,
            fault=fault,
            close=close,
            volume=volume,
            previous_ns=previous,
            age_ns=age,
            max_age_ns=self.max_age_ns if age is not None else None,
        )


def _fault(
    timestamp_ns: int,
    close: float,
    volume: float,
    previous: int | None,
    now_ns: int | None,
) -> tuple[BarFault, int | None]:
    """The first rule the bar breaks (the caller knows it breaks one)."""
    if not math.isfinite(close):
        return BarFault.NON_FINITE_CLOSE, None
    if close <= 0.0:
        return BarFault.NON_POSITIVE_CLOSE, None
    if not math.isfinite(volume):
        return BarFault.NON_FINITE_VOLUME, None
    if volume < 0.0:
        return BarFault.NEGATIVE_VOLUME, None
    if previous is not None and timestamp_ns == previous:
        return BarFault.DUPLICATE, None
    if previous is not None and timestamp_ns < previous:
        return BarFault.OUT_OF_ORDER, None
    assert now_ns is not None  # only staleness is left
    return BarFault.STALE, now_ns - timestamp_ns
