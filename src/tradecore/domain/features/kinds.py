"""Feature kinds: what one named feature computes, over a whole series and bar by bar.

A kind is a class with a ``kind`` name, a ``version`` (bumped whenever its output
changes, so the schema hash changes with it), its ``params`` (name -> type and
default), and two forms that must agree (a property test holds every built-in kind
to 1e-9): :meth:`FeatureKind.vectorised` over one symbol's whole series (research,
training) and :meth:`FeatureKind.online`, an updater fed one closed bar at a time
(replay and live). Users add kinds with :func:`register_kind`.

Every kind reads only bars at or before the one it stands for; a kind that peeks
ahead is what :func:`~tradecore.domain.features.leakage.feature_leakage` catches.

Built-in kinds (formulas of the indicators: :mod:`tradecore.domain.market.technical`):

==================  ==========================================================
``return``          ``close_t / close_{t-n} - 1`` (``log=true``: the log of the ratio)
``rsi``             Wilder's RSI of the close (0..100)
``atr``             Wilder's ATR divided by the close (a fraction of the price)
``bollinger_b``     Bollinger %b: ``(close - lower) / (upper - lower)`` (NaN if flat)
``macd_hist``       MACD histogram divided by the close
``ema_ratio``       ``close / EMA_n(close) - 1``
``zscore``          rolling z-score of the close over ``period`` bars
``volume_z``        rolling z-score of the volume over ``period`` bars
``dist_high``       ``close / highest high of period bars - 1`` (<= 0)
``dist_low``        ``close / lowest low of period bars - 1`` (>= 0)
``dist_vwap``       ``close / session VWAP - 1`` (VWAP restarts each session)
``minutes_since_open``  minutes from the session's open to the bar's start
``minutes_to_close``    minutes from the bar's start to the session's close (early
                    closes count: the calendar's close of that day)
``day_of_week``     the session's weekday, Monday = 0
``xs_rank``         cross-sectional rank of feature ``of`` among the symbols with a
                    bar at the same timestamp, 0 (lowest) .. 1 (highest), ties
                    averaged, 0.5 for a lone symbol (computed by the feature set)
``regime``          filtered HMM regime probabilities, fitted on past bars only
                    (:mod:`tradecore.domain.features.regime`)
==================  ==========================================================
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import attrs
import numpy as np
from numpy.typing import NDArray

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market import technical as ta

FloatArray = NDArray[np.float64]
_NAN = math.nan
#: A parameter value as declarations hold it.
Scalar = int | float | bool | str
#: Marks a parameter without a default.
REQUIRED: Any = object()


@attrs.frozen(slots=True, eq=False)
class SeriesInput:
    """One symbol's bars and their calendar context, as float64/int64 columns.

    ``session`` is the bar's trading day (a proleptic ordinal: VWAP restarts when it
    changes); ``since_open``/``to_close`` are minutes (NaN outside a session);
    ``weekday`` is the trading day's weekday (Monday = 0).
    """

    timestamps: NDArray[np.int64]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    session: NDArray[np.int64]
    since_open: FloatArray
    to_close: FloatArray
    weekday: FloatArray


@attrs.frozen(slots=True)
class BarPoint:
    """One closed bar and its calendar context (the online form's input)."""

    timestamp_ns: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    session: int
    since_open: float
    to_close: float
    weekday: float


#: The online form: fed each closed bar of one symbol, returns the feature's value.
Updater = Callable[[BarPoint], float]


class FeatureKind:
    """Base of every kind (see the module docstring); instances hold resolved params."""

    kind: ClassVar[str]
    version: ClassVar[int] = 1
    #: name -> (type, default or REQUIRED); the type is int, float, bool or str.
    params: ClassVar[Mapping[str, tuple[type, Any]]] = {}
    #: Computed across symbols by the feature set (only ``xs_rank``).
    cross_sectional: ClassVar[bool] = False

    def __init__(self, **params: Any) -> None:
        """Hold ``params`` (already checked by :func:`resolve_params`)."""
        self.p: dict[str, Any] = dict(params)

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        """The feature over a symbol's whole series (NaN while warming up)."""
        raise NotImplementedError

    def online(self) -> Updater:
        """A fresh updater for one symbol, fed its bars in time order."""
        raise NotImplementedError


KINDS: dict[str, type[FeatureKind]] = {}


def register_kind(kind: type[FeatureKind]) -> type[FeatureKind]:
    """Make ``kind`` usable by name in feature sets (a class decorator).

    Raises:
        InvalidInput: not a FeatureKind subclass, no name, or the name is taken by
            another class.
    """
    if not (isinstance(kind, type) and issubclass(kind, FeatureKind)):
        raise InvalidInput("kind", kind, "must be a FeatureKind subclass")
    name = getattr(kind, "kind", None)
    if not isinstance(name, str) or not name:
        raise InvalidInput("kind", kind, "needs a `kind` name string")
    held = KINDS.get(name)
    if held is not None and held is not kind:
        raise InvalidInput("kind", name, f"already registered by {held.__qualname__}")
    KINDS[name] = kind
    return kind


def resolve_params(
    feature: str, kind: type[FeatureKind], given: Mapping[str, object]
) -> dict[str, Scalar]:
    """``given`` checked against the kind's params, defaults filled in.

    Raises:
        InvalidInput: an unknown or missing parameter, or a value of the wrong type.
    """
    unknown = sorted(set(given) - set(kind.params))
    if unknown:
        known = ", ".join(kind.params) or "(none)"
        raise InvalidInput(
            f"feature {feature!r}", unknown[0], f"no such parameter; known: {known}"
        )
    out: dict[str, Scalar] = {}
    for name, (wanted, default) in kind.params.items():
        value = given.get(name, default)
        if value is REQUIRED:
            raise InvalidInput(f"feature {feature!r}", name, "parameter is required")
        out[name] = _typed(feature, name, wanted, value)
    return out


def _typed(feature: str, name: str, wanted: type, value: object) -> Scalar:
    field = f"feature {feature!r} parameter {name}"
    if wanted is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if type(value) is not wanted:
        raise InvalidInput(
            field, value, f"expected {wanted.__name__}, got {type(value).__name__}"
        )
    if wanted is float and not math.isfinite(value):  # type: ignore[arg-type]
        raise InvalidInput(field, value, "must be finite")
    return value  # type: ignore[return-value]


def _period(feature: FeatureKind, name: str = "period", minimum: int = 1) -> int:
    value = int(feature.p[name])
    if value < minimum:
        raise InvalidInput(f"{feature.kind} {name}", value, f"must be >= {minimum}")
    return value


# --- built-in kinds -------------------------------------------------------------------


@register_kind
class Return(FeatureKind):
    """``close_t / close_{t-n} - 1`` (or its log)."""

    kind = "return"
    params: ClassVar[Mapping[str, tuple[type, Any]]] = {
        "n": (int, 1),
        "log": (bool, False),
    }

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        n, c = _period(self, "n"), bars.close
        out = np.full(len(c), _NAN)
        if len(c) > n:
            ratio = c[n:] / c[:-n]
            out[n:] = np.log(ratio) if self.p["log"] else ratio - 1.0
        return out

    def online(self) -> Updater:
        n, log = _period(self, "n"), bool(self.p["log"])
        closes: deque[float] = deque(maxlen=n + 1)

        def update(bar: BarPoint) -> float:
            closes.append(bar.close)
            if len(closes) <= n:
                return _NAN
            ratio = bar.close / closes[0]
            return math.log(ratio) if log else ratio - 1.0

        return update


@register_kind
class Rsi(FeatureKind):
    """Wilder's RSI of the close."""

    kind = "rsi"
    params: ClassVar[Mapping[str, tuple[type, Any]]] = {"period": (int, 14)}

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        return ta.rsi_array(bars.close, _period(self))

    def online(self) -> Updater:
        rsi = ta.RSI(_period(self))
        return lambda bar: rsi.update(bar.close)


@register_kind
class Atr(FeatureKind):
    """Wilder's ATR as a fraction of the close."""

    kind = "atr"
    params: ClassVar[Mapping[str, tuple[type, Any]]] = {"period": (int, 14)}

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        atr = ta.atr_array(bars.high, bars.low, bars.close, _period(self))
        return atr / bars.close

    def online(self) -> Updater:
        atr = ta.ATR(_period(self))
        return lambda bar: atr.update(bar.high, bar.low, bar.close) / bar.close


def _percent_b(close: float, lower: float, upper: float) -> float:
    width = upper - lower
    return _NAN if not width > 0 else (close - lower) / width


@register_kind
class BollingerB(FeatureKind):
    """Bollinger %b: where the close sits in the bands (0 lower, 1 upper)."""

    kind = "bollinger_b"
    params: ClassVar[Mapping[str, tuple[type, Any]]] = {
        "period": (int, 20),
        "k": (float, 2.0),
    }

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        lower, _, upper = ta.bollinger_array(
            bars.close, _period(self), float(self.p["k"])
        )
        width = upper - lower
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(width > 0, (bars.close - lower) / width, _NAN)

    def online(self) -> Updater:
        bands = ta.BollingerBands(_period(self), float(self.p["k"]))

        def update(bar: BarPoint) -> float:
            lower, _, upper = bands.update(bar.close)
            return _percent_b(bar.close, lower, upper)

        return update


@register_kind
class MacdHist(FeatureKind):
    """Appel's MACD histogram divided by the close (comparable across prices)."""

    kind = "macd_hist"
    params: ClassVar[Mapping[str, tuple[type, Any]]] = {
        "fast": (int, 12),
        "slow": (int, 26),
        "signal": (int, 9),
    }

    def _args(self) -> tuple[int, int, int]:
        return (
            _period(self, "fast"),
            _period(self, "slow"),
            _period(self, "signal"),
        )

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        _, _, hist = ta.macd_array(bars.close, *self._args())
        return hist / bars.close

    def online(self) -> Updater:
        macd = ta.MACD(*self._args())
        return lambda bar: macd.update(bar.close)[2] / bar.close


@register_kind
class EmaRatio(FeatureKind):
    """``close / EMA - 1``."""

    kind = "ema_ratio"
    params: ClassVar[Mapping[str, tuple[type, Any]]] = {"period": (int, 20)}

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        return bars.close / ta.ema_array(bars.close, _period(self)) - 1.0

    def online(self) -> Updater:
        ema = ta.EMA(_period(self))
        return lambda bar: bar.close / ema.update(bar.close) - 1.0


@register_kind
class ZScore(FeatureKind):
    """Rolling z-score of the close."""

    kind = "zscore"
    params: ClassVar[Mapping[str, tuple[type, Any]]] = {"period": (int, 20)}

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        return ta.zscore_array(bars.close, _period(self, minimum=2))

    def online(self) -> Updater:
        z = ta.ZScore(_period(self, minimum=2))
        return lambda bar: z.update(bar.close)


@register_kind
class VolumeZ(FeatureKind):
    """Rolling z-score of the volume."""

    kind = "volume_z"
    params: ClassVar[Mapping[str, tuple[type, Any]]] = {"period": (int, 20)}

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        return ta.zscore_array(bars.volume, _period(self, minimum=2))

    def online(self) -> Updater:
        z = ta.ZScore(_period(self, minimum=2))
        return lambda bar: z.update(bar.volume)


@register_kind
class DistHigh(FeatureKind):
    """``close / highest high of the last period bars - 1``."""

    kind = "dist_high"
    params: ClassVar[Mapping[str, tuple[type, Any]]] = {"period": (int, 20)}

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        high, _ = ta.rolling_high_low_array(bars.high, bars.low, _period(self))
        return bars.close / high - 1.0

    def online(self) -> Updater:
        extremes = ta.RollingHighLow(_period(self))
        return lambda bar: bar.close / extremes.update(bar.high, bar.low)[0] - 1.0


@register_kind
class DistLow(FeatureKind):
    """``close / lowest low of the last period bars - 1``."""

    kind = "dist_low"
    params: ClassVar[Mapping[str, tuple[type, Any]]] = {"period": (int, 20)}

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        _, low = ta.rolling_high_low_array(bars.high, bars.low, _period(self))
        return bars.close / low - 1.0

    def online(self) -> Updater:
        extremes = ta.RollingHighLow(_period(self))
        return lambda bar: bar.close / extremes.update(bar.high, bar.low)[1] - 1.0


@register_kind
class DistVwap(FeatureKind):
    """``close / session VWAP - 1`` (typical-price VWAP, restarted each session)."""

    kind = "dist_vwap"

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        vwap = ta.vwap_array(bars.high, bars.low, bars.close, bars.volume, bars.session)
        return bars.close / vwap - 1.0

    def online(self) -> Updater:
        vwap = ta.VWAP()

        def update(bar: BarPoint) -> float:
            value = vwap.update(bar.high, bar.low, bar.close, bar.volume, bar.session)
            return bar.close / value - 1.0

        return update


@register_kind
class MinutesSinceOpen(FeatureKind):
    """Minutes since the session opened (NaN outside a session)."""

    kind = "minutes_since_open"

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        return bars.since_open.copy()

    def online(self) -> Updater:
        return lambda bar: bar.since_open


@register_kind
class MinutesToClose(FeatureKind):
    """Minutes until the session's close, early closes included."""

    kind = "minutes_to_close"

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        return bars.to_close.copy()

    def online(self) -> Updater:
        return lambda bar: bar.to_close


@register_kind
class DayOfWeek(FeatureKind):
    """The trading day's weekday, Monday = 0."""

    kind = "day_of_week"

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        return bars.weekday.copy()

    def online(self) -> Updater:
        return lambda bar: bar.weekday


@register_kind
class XsRank(FeatureKind):
    """Cross-sectional rank of feature ``of`` (the feature set computes it)."""

    kind = "xs_rank"
    params: ClassVar[Mapping[str, tuple[type, Any]]] = {"of": (str, REQUIRED)}
    cross_sectional = True

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        raise NotImplementedError("xs_rank is computed across symbols")

    def online(self) -> Updater:
        raise NotImplementedError("xs_rank is computed across symbols")


def unit_ranks(values: FloatArray) -> FloatArray:
    """Ranks of ``values`` scaled to 0..1 (ties averaged; NaN stays NaN; a lone
    value 0.5). Both forms of ``xs_rank`` call this, on the same values."""
    out = np.full(len(values), _NAN)
    valid = np.flatnonzero(~np.isnan(values))
    n = len(valid)
    if n == 0:
        return out
    if n == 1:
        out[valid] = 0.5
        return out
    v = values[valid]
    order = np.argsort(v, kind="stable")
    ranks = np.empty(n)
    sorted_v = v[order]
    starts = np.flatnonzero(np.r_[True, sorted_v[1:] != sorted_v[:-1]])
    ends = np.r_[starts[1:], n]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        ranks[order[a:b]] = (a + b - 1) / 2.0
    out[valid] = ranks / (n - 1)
    return out
