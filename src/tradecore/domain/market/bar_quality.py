"""The bulk data-quality rules: which rows of a symbol's bar columns are suspect.

:func:`screen_bars` runs every rule over whole numpy columns (one vectorized pass per
rule, no Python per row) and returns, for each suspect row, the *first* rule it breaks
and what to do with it: **quarantine** (the row is dropped from the data and written
to the run's quarantine file) or **flag** (kept, but listed). Loaders apply it to
files before building a :class:`~tradecore.domain.market.bar_frame.BarFrame`; the
same function screens a window of live bars. The per-bar gate of the engine
(:mod:`~tradecore.domain.market.data_quality`) is separate and unchanged.

The rules, in the order a row is tested (definitions and defaults in
:class:`QualityRules`):

``bad_price``
    open, high, low or close is not a finite number > 0.
``ohlc_envelope``
    ``low <= min(open, close)`` and ``max(open, close) <= high`` do not both hold.
``bad_volume``
    volume is not a finite number >= 0.
``timestamp_order``
    the timestamp is not after every earlier (kept) row's: a duplicate or a row out of
    order. The first occurrence is kept.
``jump``
    the close-to-close log return is larger than ``jump_sigmas`` times the standard
    deviation of the previous ``jump_window`` returns (times the square root of the
    bar intervals elapsed since the previous bar, at most 10: overnight and weekend
    gaps), and larger than ``jump_min_move``; unless :class:`QualityRules`'s
    ``explained`` says a corporate action explains it (split, dividend: another
    module knows those). The bar after a one-bar spike, which comes back to the
    level before it, is not a jump.
``zero_volume``
    volume is exactly 0: no trade printed, the prices are carried forward.
``frozen``
    a run of at least ``frozen_run`` consecutive bars, each with open = high = low =
    close = the previous close while volume > 0 (trades print, the price never
    moves: a stuck feed). Every bar of the run is suspect.
``volume_spike``
    volume is more than ``spike_multiple`` times the median volume of the previous
    ``spike_window`` bars (a median of 0 never spikes). Flagged, not quarantined, by
    default: news days are real.

Gaps against the calendar (missing sessions, missing minutes) remove no row; they are
counted by :func:`count_gaps`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Mapping
from datetime import date
from typing import Any

import attrs
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.market.calendar import MarketCalendar

_NS_PER_DAY = 86_400 * 1_000_000_000


class QualityRule(enum.StrEnum):
    """A data-quality rule (the ``rule`` column of the quarantine file)."""

    BAD_PRICE = "bad_price"
    OHLC_ENVELOPE = "ohlc_envelope"
    BAD_VOLUME = "bad_volume"
    TIMESTAMP_ORDER = "timestamp_order"
    NOT_A_SESSION = "not_a_session"
    JUMP = "jump"
    ZERO_VOLUME = "zero_volume"
    FROZEN = "frozen"
    VOLUME_SPIKE = "volume_spike"


#: Rule codes as stored in :class:`Screening` (index into this tuple).
RULES: tuple[QualityRule, ...] = tuple(QualityRule)


class Action(enum.StrEnum):
    """What happens to a row that breaks a rule."""

    QUARANTINE = "quarantine"  # dropped from the data, written to the quarantine
    FLAG = "flag"  # kept in the data, listed in the quarantine file


#: ``explained(symbol, day)``: a corporate action on ``day`` explains a jump.
JumpExplainer = Callable[[str, date], bool]


def _explainer(value: object) -> JumpExplainer | None:
    if value is None or callable(value):
        return value
    if isinstance(value, Collection):
        pairs = frozenset(value)
        for pair in pairs:
            if not (
                isinstance(pair, tuple)
                and len(pair) == 2
                and isinstance(pair[0], str)
                and isinstance(pair[1], date)
            ):
                raise InvalidInput("explained", pair, "expected (symbol, date) pairs")
        return lambda symbol, day: (symbol, day) in pairs
    raise InvalidInput(
        "explained", value, "expected (symbol, date) pairs or a callable"
    )


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise InvalidInput(attribute.name, value, "must be a number > 0")


def _default_actions() -> dict[QualityRule, Action]:
    return {rule: Action.QUARANTINE for rule in QualityRule} | {
        QualityRule.VOLUME_SPIKE: Action.FLAG
    }


def _with_defaults(given: Mapping[QualityRule, Action]) -> dict[QualityRule, Action]:
    return _default_actions() | {QualityRule(k): Action(v) for k, v in given.items()}


@attrs.frozen(kw_only=True)
class QualityRules:
    """The gate's thresholds and what each rule does (the defaults are documented).

    ``explained`` is the narrow hook for corporate actions: a set of
    ``(symbol, date)`` pairs, or a callable ``(symbol, date) -> bool``, where the
    date is the UTC date of the bar that jumps (for US equities its session date:
    the ex-date). It is asked only about rows that already break the jump rule.
    ``actions`` overrides the action of some rules (the rest keep the defaults:
    quarantine, and flag for ``volume_spike``).
    """

    jump_sigmas: float = attrs.field(default=10.0, validator=_positive)
    jump_window: int = attrs.field(default=20, validator=_positive)
    jump_min_move: float = attrs.field(default=0.05, validator=_positive)
    spike_multiple: float = attrs.field(default=20.0, validator=_positive)
    spike_window: int = attrs.field(default=20, validator=_positive)
    frozen_run: int = attrs.field(default=5, validator=_positive)
    explained: JumpExplainer | None = attrs.field(
        default=None, converter=_explainer, eq=False
    )
    actions: dict[QualityRule, Action] = attrs.field(
        factory=dict, converter=_with_defaults
    )

    def action(self, rule: QualityRule) -> Action:
        """Return what happens to a row breaking ``rule``."""
        return self.actions[rule]


@attrs.frozen(eq=False)
class Screening:
    """The verdict on one symbol's rows.

    ``keep`` marks the rows that stay in the data; ``rows`` and ``rules`` list every
    suspect row (sorted by row) with the code of the first rule it breaks (an index
    into :data:`RULES`); ``quarantined`` says whether that row was dropped.
    """

    keep: NDArray[np.bool_]
    rows: NDArray[np.int64]
    rules: NDArray[np.int8]
    quarantined: NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.rows)


def screen_bars(
    symbol: str,
    timestamps: NDArray[np.int64],
    open: NDArray[np.float64],
    high: NDArray[np.float64],
    low: NDArray[np.float64],
    close: NDArray[np.float64],
    volume: NDArray[np.float64],
    rules: QualityRules,
    *,
    suspect: NDArray[np.int8] | None = None,
) -> Screening:
    """Screen one symbol's bar columns (any order, any content) under ``rules``.

    ``suspect`` carries verdicts a loader already reached (``-1``: none; else a rule
    code, e.g. ``not_a_session``): those rows count as breaking that rule first.

    The structural rules (price, envelope, volume, order) run over every row; the
    statistical ones (jump, zero volume, frozen, volume spike) over the rows that
    passed them, in their order, so a broken row never skews a neighbour's verdict.
    """
    n = len(timestamps)
    code = np.full(n, -1, np.int8) if suspect is None else suspect.astype(np.int8)
    prices = (open, high, low, close)
    finite = np.ones(n, np.bool_)
    for column in prices:
        finite &= (column > 0.0) & (column < np.inf)
    _mark(code, ~finite, QualityRule.BAD_PRICE)
    with np.errstate(invalid="ignore"):
        outside = (low > np.minimum(open, close)) | (high < np.maximum(open, close))
    _mark(code, outside, QualityRule.OHLC_ENVELOPE)
    _mark(code, ~((volume >= 0.0) & (volume < np.inf)), QualityRule.BAD_VOLUME)
    sound = np.flatnonzero(code < 0)
    _mark_order(code, sound, timestamps)
    sound = np.flatnonzero(code < 0)
    _statistical(code, sound, symbol, timestamps, prices, volume, rules)
    rows = np.flatnonzero(code >= 0)
    actions = np.array([rules.action(rule) is Action.QUARANTINE for rule in RULES])
    quarantined = actions[code[rows]] if len(rows) else np.zeros(0, np.bool_)
    keep = np.ones(n, np.bool_)
    keep[rows[quarantined]] = False
    return Screening(keep, rows.astype(np.int64), code[rows], quarantined)


def screen_frame(frame: BarFrame, rules: QualityRules | None = None) -> Screening:
    """Screen a frame's bars: a window of live bars, or a notebook's frames.

    A :class:`BarFrame` already holds no broken price, envelope, volume or order, so
    what can come back are the statistical rules (jump, zero volume, frozen, volume
    spike). ``rules`` defaults to :class:`QualityRules`' documented defaults.
    """
    return screen_bars(
        frame.symbol,
        frame.timestamps,
        frame.open,
        frame.high,
        frame.low,
        frame.close,
        frame.volume,
        rules or QualityRules(),
    )


def _mark(code: NDArray[np.int8], bad: NDArray[np.bool_], rule: QualityRule) -> None:
    """Give rows that break ``rule`` its code unless they already broke another."""
    code[bad & (code < 0)] = RULES.index(rule)


def _mark_at(
    code: NDArray[np.int8], rows: NDArray[np.int64], rule: QualityRule
) -> None:
    code[rows[code[rows] < 0]] = RULES.index(rule)


def _mark_order(
    code: NDArray[np.int8], sound: NDArray[np.int64], timestamps: NDArray[np.int64]
) -> None:
    stamps = timestamps[sound]
    if len(stamps) < 2:
        return
    before = np.maximum.accumulate(stamps)[:-1]
    _mark_at(code, sound[1:][stamps[1:] <= before], QualityRule.TIMESTAMP_ORDER)


def _statistical(
    code: NDArray[np.int8],
    sound: NDArray[np.int64],
    symbol: str,
    timestamps: NDArray[np.int64],
    prices: tuple[NDArray[np.float64], ...],
    volume: NDArray[np.float64],
    rules: QualityRules,
) -> None:
    if len(sound) == len(timestamps):  # every row sound (as a rule): no copies
        open, high, low, close = prices
        vol, stamps = volume, timestamps
    else:
        open, high, low, close = (column[sound] for column in prices)
        vol, stamps = volume[sound], timestamps[sound]
    jumps = _jumps(
        close,
        stamps,
        rules.jump_window,
        rules.jump_sigmas,
        rules.jump_min_move,
    )
    if rules.explained is not None and jumps.any():
        for index in np.flatnonzero(jumps):
            day = _utc_date(int(timestamps[sound[index]]))
            if rules.explained(symbol, day):
                jumps[index] = False
    _mark_at(code, sound[jumps], QualityRule.JUMP)
    _mark_at(code, sound[vol == 0.0], QualityRule.ZERO_VOLUME)
    flat = _flat_after_previous(open, high, low, close) & (vol > 0.0)
    _mark_at(code, sound[_runs_at_least(flat, rules.frozen_run)], QualityRule.FROZEN)
    spikes = _volume_spikes(vol, rules.spike_window, rules.spike_multiple)
    _mark_at(code, sound[spikes], QualityRule.VOLUME_SPIKE)


def _utc_date(ns: int) -> date:
    return date.fromordinal(date(1970, 1, 1).toordinal() + ns // _NS_PER_DAY)


#: The most bar intervals a return's volatility band is widened for (sqrt: 10x).
_MAX_ELAPSED = 100.0


def median_gap(gaps: NDArray[np.int64]) -> float:
    """The median of integer gaps, as ``np.median`` of them as floats gives it.

    Why the integers: the median of a float array checks its middle values for NaN,
    and that check imports ``numpy.ma`` (about 2% of a short replay's instructions).
    Integers cannot be NaN; their median is the mean of the same middle values,
    summed as float64, so the number is the same (a property holds the two equal).
    """
    return float(np.median(gaps))


def _jumps(
    close: NDArray[np.float64],
    stamps: NDArray[np.int64],
    window: int,
    sigmas: float,
    min_move: float,
) -> NDArray[np.bool_]:
    """Rows whose log return beats both the volatility band and the minimum move.

    sigma of row i: the population standard deviation of the ``window`` returns
    before it (fewer at the start; no verdict before two), from running sums. The
    band widens with the time since the previous bar, by the square root of the
    elapsed median intervals (at most 10x): an overnight or weekend gap moves
    more than one bar does.
    """
    n = len(close)
    jumps = np.zeros(n, np.bool_)
    if n < 4:
        return jumps
    log_close = np.log(close)
    returns = np.diff(log_close)  # returns[k] is row k+1's
    sums = np.concatenate(([0.0], np.cumsum(returns)))
    squares = np.concatenate(([0.0], np.cumsum(returns * returns)))
    k = np.arange(len(returns))
    first = np.maximum(k - window, 0)
    count = k - first
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (sums[k] - sums[first]) / count
        variance = (squares[k] - squares[first]) / count - mean * mean
    sigma = np.sqrt(np.maximum(variance, 0.0))
    gaps = np.diff(stamps)
    steps = gaps.astype(np.float64)
    typical = max(median_gap(gaps), 1.0)
    elapsed = np.sqrt(np.clip(steps / typical, 1.0, _MAX_ELAPSED))
    band = np.maximum(sigmas * sigma * elapsed, min_move)
    raw = (np.abs(returns) > band) & (count >= 2)
    # A one-bar spike: the next bar returns to the level before it. Not a jump.
    back = np.zeros_like(raw)
    back[1:] = raw[:-1] & (np.abs(log_close[2:] - log_close[:-2]) <= band[:-1])
    jumps[1:] = raw & ~back
    return jumps


def _flat_after_previous(
    open: NDArray[np.float64],
    high: NDArray[np.float64],
    low: NDArray[np.float64],
    close: NDArray[np.float64],
) -> NDArray[np.bool_]:
    flat = np.zeros(len(close), np.bool_)
    flat[1:] = (
        (high[1:] == low[1:])
        & (open[1:] == close[1:])
        & (close[1:] == close[:-1])
        & (high[1:] == close[1:])
    )
    return flat


def _runs_at_least(mask: NDArray[np.bool_], length: int) -> NDArray[np.bool_]:
    """Rows inside a run of ``True`` at least ``length`` long."""
    if not mask.any():
        return mask
    edges = np.diff(np.concatenate(([0], mask.view(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    long = (stops - starts) >= length
    marks = np.zeros(len(mask) + 1, np.int64)
    np.add.at(marks, starts[long], 1)
    np.add.at(marks, stops[long], -1)
    return np.cumsum(marks[:-1]) > 0


def window_minima(values: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    """The minimum of each run of ``window`` consecutive values (NaN-free input), as
    ``sliding_window_view(values, window).min(axis=1)`` gives them.

    In about four passes over the values instead of ``window`` comparisons per
    value (van Herk / Gil-Werman): cut the values into blocks of ``window``; a run
    starting at ``k`` spans the end of one block and the start of the next, so its
    minimum is the smaller of the minimum from ``k`` to its block's end and the
    minimum from the next block's start to ``k + window - 1``.
    """
    count = len(values) - window + 1
    if count <= 0:
        return np.empty(0, np.float64)
    blocks = -(-len(values) // window)
    padded = np.full(blocks * window, np.inf)
    padded[: len(values)] = values
    grid = padded.reshape(blocks, window)
    from_start = np.minimum.accumulate(grid, axis=1).ravel()
    to_end = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(to_end[:count], from_start[window - 1 : window - 1 + count])


#: Rows of the sliding windows a volume median is taken over at once (memory bound).
_MEDIAN_CHUNK = 65_536


def window_medians(windows: NDArray[np.float64]) -> NDArray[np.float64]:
    """The median of each row of ``windows`` (NaN-free), as ``np.median(windows,
    axis=1)`` gives it.

    Why not ``np.median``: on floats it checks each row's largest value for NaN, and
    that check imports ``numpy.ma`` (about 2% of a short replay's instructions). The
    volumes screened here are sound (``bad_volume`` set the others aside), so there
    is no NaN to find. The same middle values are taken (``np.partition``) and, for
    an even width, summed and halved as ``np.mean`` of the two does (a property
    holds the two equal).
    """
    width = windows.shape[1]
    half = width // 2
    if width % 2:
        return np.partition(windows, half, axis=1)[:, half]
    middle = np.partition(windows, (half - 1, half), axis=1)
    return (middle[:, half - 1] + middle[:, half]) / 2


def _volume_spikes(
    volume: NDArray[np.float64], window: int, multiple: float
) -> NDArray[np.bool_]:
    """Rows whose volume beats ``multiple`` x the median of the previous ``window``.

    Exact and cheap: the window minimum (a strided reduction) bounds the median from
    below, so only rows above ``multiple`` x that minimum need the median itself.
    """
    n = len(volume)
    spikes = np.zeros(n, np.bool_)
    if n <= window:
        return spikes
    windows = sliding_window_view(volume[:-1], window)  # windows[k] precedes k+window
    floor = window_minima(volume[:-1], window)
    candidates = np.flatnonzero(volume[window:] > multiple * floor)
    for start in range(0, len(candidates), _MEDIAN_CHUNK):
        chosen = candidates[start : start + _MEDIAN_CHUNK]
        median = window_medians(windows[chosen])
        hit = (median > 0.0) & (volume[window + chosen] > multiple * median)
        spikes[window + chosen[hit]] = True
    return spikes


@attrs.frozen
class Gaps:
    """What a symbol's bars miss against the calendar (counted, never fatal).

    ``sessions``: sessions between the first and the last bar with no bar at all;
    ``bars``: for intraday bars, bar slots missing inside the regular hours of
    sessions that have bars, from the first bar to the last (0 for daily bars).
    """

    sessions: int
    bars: int


def count_gaps(
    timestamps: NDArray[np.int64], calendar: MarketCalendar, interval_ns: int
) -> Gaps:
    """Count the sessions and intraday bar slots ``timestamps`` miss on ``calendar``.

    A bar belongs to the session whose ``[open, close)`` holds its start (a daily bar
    stamped before its open, e.g. at midnight, to that date's session); bars longer
    than a day are not checked. An intraday session expects
    ``ceil((close - open) / interval)`` bars (the first session from the first
    bar, the last up to the last bar's end); bars outside regular hours
    (pre-market, after hours) are not counted either way.
    """
    if len(timestamps) == 0 or calendar.is_always_open or interval_ns > _NS_PER_DAY:
        return Gaps(0, 0)  # weekly or monthly bars: no session is expected daily
    first = _utc_date(int(timestamps[0]))
    last = _utc_date(int(timestamps[-1]))
    sessions = calendar.sessions_between(first, last)
    if not sessions:
        return Gaps(0, 0)
    opens = np.array([to_ns(s.open) for s in sessions], np.int64)
    closes = np.array([to_ns(s.close) for s in sessions], np.int64)
    daily = interval_ns >= _NS_PER_DAY // 2
    if daily:
        days = np.array([s.date.toordinal() for s in sessions], np.int64)
        bar_days = timestamps // _NS_PER_DAY + date(1970, 1, 1).toordinal()
        present = np.isin(days, bar_days)
        return Gaps(int((~present).sum()), 0)
    index = np.searchsorted(opens, timestamps, side="right") - 1
    inside = (index >= 0) & (timestamps < closes[np.maximum(index, 0)])
    counts = np.bincount(index[inside], minlength=len(sessions))
    # The data's own start and end cut the first and last sessions short.
    starts, ends = opens.copy(), closes.copy()
    if inside.any():
        first_in, last_in = index[inside][0], index[inside][-1]
        starts[first_in] = timestamps[inside][0]
        ends[last_in] = min(
            int(closes[last_in]), int(timestamps[inside][-1]) + interval_ns
        )
    expected = -(-(ends - starts) // interval_ns)
    touched = counts > 0
    missing_bars = np.maximum(expected[touched] - counts[touched], 0).sum()
    return Gaps(int((~touched).sum()), int(missing_bars))
