"""Back-adjusting bars for corporate actions, point in time: research's view of prices.

Raw bars are what traded; the simulated venue always trades them. Research (and a
strategy, with ``tradecore-replay run --adjustment``) may prefer a series without the
price jumps splits and dividends cause. The convention is CRSP's, as Alpaca's bars
endpoint applies it (``adjustment=raw|split|dividend|all``) and as the emulator's
``adapters/alpaca_emulator/bar_history.py`` does:

- **split** (``ratio`` new shares per old): bars *before* the ex-date get prices
  divided by the ratio and volume multiplied by it;
- **cash dividend** (``cash`` per share): bars before the ex-date get prices
  multiplied by ``1 - cash / close``, where ``close`` is the raw close of the last bar
  before the ex-date (CRSP's price factor; Alpaca does not document its own).

"Before the ex-date" is before midnight New York time starting the ex-date (a bar is
stamped with its start; a daily bar at its day's New York midnight), so pre- and
after-market bars belong to their New York day.

Point in time: only actions with ``ex_date <= as_of`` are applied (an action not yet
known on ``as_of`` changes nothing); ``as_of`` defaults to the New York date of the
last bar. Factors multiply, so the order of actions does not matter. Everything is a
few numpy operations per action over whole columns; raw frames are never changed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import numpy as np

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bar_frame import BarFrame, from_ns, to_ns
from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction

NEW_YORK = ZoneInfo("America/New_York")


class Adjustment(enum.StrEnum):
    """Which corporate actions a price series is adjusted for (Alpaca's values)."""

    RAW = "raw"
    SPLIT = "split"
    DIVIDEND = "dividend"
    ALL = "all"

    @property
    def splits(self) -> bool:
        """Whether splits are adjusted for."""
        return self in (Adjustment.SPLIT, Adjustment.ALL)

    @property
    def dividends(self) -> bool:
        """Whether cash dividends are adjusted for."""
        return self in (Adjustment.DIVIDEND, Adjustment.ALL)

    @classmethod
    def parse(cls, text: str) -> Adjustment:
        """The adjustment named ``text`` (raw, split, dividend, all).

        Raises:
            InvalidInput: an unknown name.
        """
        try:
            return cls(text)
        except ValueError:
            known = ", ".join(a.value for a in cls)
            raise InvalidInput("adjustment", text, f"known: {known}") from None


def ex_date_start_ns(ex_date: date) -> int:
    """Nanoseconds of midnight New York time starting ``ex_date``: the action's moment."""
    return to_ns(datetime.combine(ex_date, time(0), tzinfo=NEW_YORK))


def new_york_date(timestamp_ns: int) -> date:
    """The New York calendar date of a bar stamped ``timestamp_ns``."""
    return from_ns(timestamp_ns).astimezone(NEW_YORK).date()


@attrs.frozen(kw_only=True, slots=True)
class AdjustmentStep:
    """One action's factor: bars stamped before ``cutoff_ns`` are multiplied by it."""

    cutoff_ns: int
    price: float
    volume: float


def adjustment_steps(
    frame: BarFrame,
    actions: Iterable[CorporateAction],
    adjustment: Adjustment,
    as_of: date | None = None,
) -> list[AdjustmentStep]:
    """The factors ``frame``'s bars get from ``actions`` of its symbol, by cutoff.

    Actions of other symbols, of kinds ``adjustment`` leaves out, after ``as_of``, or
    with no bar before their ex-date are skipped. Sorted by cutoff.
    """
    if adjustment is Adjustment.RAW or len(frame) == 0:
        return []
    limit = new_york_date(int(frame.timestamps[-1])) if as_of is None else as_of
    steps = []
    for action in actions:
        if action.symbol != frame.symbol or action.ex_date > limit:
            continue
        cutoff = ex_date_start_ns(action.ex_date)
        before = int(np.searchsorted(frame.timestamps, cutoff, side="left"))
        if before == 0:
            continue  # nothing traded before it: nothing to adjust
        step = _step(frame, action, adjustment, cutoff, before)
        if step is not None:
            steps.append(step)
    steps.sort(key=lambda s: s.cutoff_ns)
    return steps


def _step(
    frame: BarFrame,
    action: CorporateAction,
    adjustment: Adjustment,
    cutoff: int,
    before: int,
) -> AdjustmentStep | None:
    if action.is_split and adjustment.splits:
        assert action.ratio is not None
        # 1 / ratio in exact decimal first: a 1-for-3 reverse split multiplies by 3.0.
        price = float(Decimal(1) / action.ratio)
        return AdjustmentStep(cutoff_ns=cutoff, price=price, volume=float(action.ratio))
    if action.kind is ActionKind.CASH_DIVIDEND and adjustment.dividends:
        assert action.cash is not None
        prior_close = float(frame.close[before - 1])
        factor = 1.0 - float(action.cash) / prior_close
        if factor <= 0.0:
            raise InvalidInput(
                "cash", action.cash, f"not below the prior close {prior_close!r}"
            )
        return AdjustmentStep(cutoff_ns=cutoff, price=factor, volume=1.0)
    return None


def factor_columns(
    timestamps: np.ndarray, steps: Sequence[AdjustmentStep]
) -> tuple[np.ndarray, np.ndarray]:
    """Per-bar price and volume factors (1.0 where nothing applies)."""
    price = np.ones(len(timestamps), dtype=np.float64)
    volume = np.ones(len(timestamps), dtype=np.float64)
    for step in steps:
        before = int(np.searchsorted(timestamps, step.cutoff_ns, side="left"))
        price[:before] *= step.price
        volume[:before] *= step.volume
    return price, volume


def adjust_frame(
    frame: BarFrame,
    actions: Iterable[CorporateAction],
    adjustment: Adjustment,
    as_of: date | None = None,
) -> BarFrame:
    """Return ``frame`` back-adjusted as of ``as_of`` (the same frame if nothing applies).

    Prices are not rounded: a 4-for-1 split divides exactly, and no rounding step can
    reintroduce a jump. Raises ``InvalidInput`` for a dividend not below its prior
    close (a factor <= 0).
    """
    steps = adjustment_steps(frame, actions, adjustment, as_of)
    if not steps:
        return frame
    price, volume = factor_columns(frame.timestamps, steps)
    return BarFrame(
        symbol=frame.symbol,
        timestamps=frame.timestamps,
        open=frame.open * price,
        high=frame.high * price,
        low=frame.low * price,
        close=frame.close * price,
        volume=frame.volume * volume,
        provenance=frame.provenance,
    )


class AdjustedPrices:
    """The factor a bar's price and volume get, looked up bar by bar (replay feed).

    Built once from the frames (the factors of every symbol, as of the data's end);
    :meth:`factors` is a dictionary lookup and a bisection over a symbol's few
    cutoffs.
    """

    __slots__ = ("_steps",)

    def __init__(self, steps: dict[str, tuple[list[int], list[float], list[float]]]):
        """Hold per symbol: cutoffs, and the price/volume factor before each cutoff."""
        self._steps = steps

    @classmethod
    def of(
        cls,
        frames: Iterable[BarFrame],
        actions: Sequence[CorporateAction],
        adjustment: Adjustment,
        as_of: date | None = None,
    ) -> AdjustedPrices:
        """The factors of ``frames`` for ``actions`` (point in time as ``as_of``)."""
        table: dict[str, tuple[list[int], list[float], list[float]]] = {}
        for frame in frames:
            steps = adjustment_steps(frame, actions, adjustment, as_of)
            if not steps:
                continue
            # Factor of a bar = product of the steps whose cutoff is after it.
            price, volume = [1.0] * (len(steps) + 1), [1.0] * (len(steps) + 1)
            for i in range(len(steps) - 1, -1, -1):
                price[i] = price[i + 1] * steps[i].price
                volume[i] = volume[i + 1] * steps[i].volume
            table[frame.symbol] = ([s.cutoff_ns for s in steps], price, volume)
        return cls(table)

    def __bool__(self) -> bool:
        """Whether any symbol is adjusted at all."""
        return bool(self._steps)

    def factors(self, symbol: str, timestamp_ns: int) -> tuple[float, float]:
        """The (price, volume) factor of ``symbol``'s bar stamped ``timestamp_ns``."""
        entry = self._steps.get(symbol)
        if entry is None:
            return 1.0, 1.0
        cutoffs, price, volume = entry
        k = int(np.searchsorted(cutoffs, timestamp_ns, side="right"))
        return price[k], volume[k]


def explained_jumps(actions: Iterable[CorporateAction]) -> frozenset[tuple[str, date]]:
    """The (symbol, New York date) pairs whose price jump an action explains.

    Splits and cash dividends move the raw price on their ex-date; a data-quality
    jump rule must not reject those bars (``DataQualityConfig.explained_jumps``).
    """
    return frozenset(
        (a.symbol, a.ex_date)
        for a in actions
        if a.is_split or a.kind is ActionKind.CASH_DIVIDEND
    )
