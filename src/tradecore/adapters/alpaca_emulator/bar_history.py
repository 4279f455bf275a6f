"""Historical bars as Alpaca serves them: any timeframe, adjusted for corporate actions.

The emulator's tape holds bars of one interval (1 minute by default); ``GET
/v2/stocks/bars`` aggregates them to the requested ``timeframe`` and back-adjusts
them for the corporate actions the emulator was configured with.

- **Timeframes** (alpacahq/alpaca-docs ``content/api-references/market-data-api/
  stock-pricing-data/historical.md``, Bars, ``timeframe``: "flexible for Min, Hour,
  Day, Week and Month time window sizes with a maximum constraint on the values:
  59Min, 23Hour, 1Day, 1Week, 12Month"; alpaca-py ``alpaca/data/timeframe.py``
  sends ``<n>Min``, ``<n>Hour``, ``1Day``, ``1Week``, ``<n>Month`` with Month in
  1/2/3/6/12).
- **Alignment.** Intraday bars are aligned to the New York clock and include
  extended-hours bars: an hourly bar covers 09:00–10:00 ET, pre-market included
  (alpacahq/alpaca-py#580, "Alpaca's API will return all hourly bars (including
  extended hours) ... the bar starting 09:00"). A daily bar covers its New York
  calendar day and is stamped at that day's midnight New York time: ``t`` is
  ``2022-04-11T04:00:00Z`` for 2022-04-11 in EDT (the alpaca-py ``test_get_bars``
  payload, docs/alpaca.md §8), so 05:00Z in EST; the daily bar "contains data for
  24 hours, starting at the timestamp" (Alpaca's kalmant, alpacahq/Alpaca-API#227).
  Early closes need nothing special: the day's bar holds the bars the day had.
  Weeks start on Monday and months on the 1st, at midnight New York time (an
  assumption: Alpaca documents neither stamp).
- **Adjustment** (same page: "Options are: 'raw', 'split', 'dividend' or 'all'.
  Default value is 'raw'"; Alpaca's changelog 2026-11-02 "adjustment on historical
  stock bars endpoints is now an enum array": a comma-separated list such as
  ``split,dividend``; "unknown, empty, and repeated values still return 400").
  Back-adjustment: bars before a split's ex-date have prices divided by the ratio
  and volumes multiplied by it; bars before a dividend's ex-date have prices
  multiplied by ``1 - dividend / close`` (the raw close of the last bar before
  the ex-date), the usual CRSP-style factor — Alpaca does not document its own.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from tradecore.adapters.alpaca_emulator import errors as err
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction

EASTERN = ZoneInfo("America/New_York")
ADJUSTMENTS = frozenset({"raw", "split", "dividend", "all"})
_PRICE_DIGITS = 4


class Unit(enum.Enum):
    """A timeframe's unit, spelled as Alpaca spells it."""

    MINUTE = "Min"
    HOUR = "Hour"
    DAY = "Day"
    WEEK = "Week"
    MONTH = "Month"


_MAX = {Unit.MINUTE: 59, Unit.HOUR: 23, Unit.DAY: 1, Unit.WEEK: 1}
_MONTHS = frozenset({1, 2, 3, 6, 12})


@attrs.frozen
class Timeframe:
    """``amount`` × ``unit`` (``5Min``, ``1Day``, ...)."""

    amount: int
    unit: Unit

    @property
    def intraday(self) -> bool:
        """Whether a bar is shorter than a day."""
        return self.unit in (Unit.MINUTE, Unit.HOUR)

    @property
    def length(self) -> timedelta:
        """The length of an intraday bar."""
        return timedelta(minutes=self.amount * (60 if self.unit is Unit.HOUR else 1))


def parse_timeframe(text: str | None) -> Timeframe:
    """Return the timeframe of a ``timeframe`` query value.

    Raises:
        ApiError: 400 for anything Alpaca refuses.
    """
    for unit in Unit:
        if text and text.endswith(unit.value) and text[: -len(unit.value)].isdigit():
            amount = int(text[: -len(unit.value)])
            ok = amount in _MONTHS if unit is Unit.MONTH else 1 <= amount <= _MAX[unit]
            if ok:
                return Timeframe(amount, unit)
    raise err.ApiError(
        400, {"code": 40010001, "message": f"invalid timeframe: {text!r}"}
    )


def parse_adjustment(text: str | None) -> frozenset[str]:
    """Return the adjustments asked for: ``{"split"}``, ``{"split", "dividend"}``...

    Raises:
        ApiError: 400 for an unknown, empty or repeated value.
    """
    if text is None:
        return frozenset()
    parts = text.split(",")
    if any(p not in ADJUSTMENTS for p in parts) or len(set(parts)) != len(parts):
        raise err.ApiError(
            400, {"code": 40010001, "message": f"invalid adjustment: {text!r}"}
        )
    kinds = set(parts) - {"raw"}
    if "all" in kinds:
        kinds = {"split", "dividend"}
    return frozenset(kinds)


def bucket_start(at: datetime, timeframe: Timeframe) -> datetime:
    """The start of the bar of ``timeframe`` that ``at`` falls in (see module doc)."""
    local = at.astimezone(EASTERN)
    if timeframe.intraday:
        minutes = local.hour * 60 + local.minute
        step = int(timeframe.length.total_seconds() // 60)
        start = minutes - minutes % step
        aligned = local.replace(hour=start // 60, minute=start % 60, second=0)
        return aligned.replace(microsecond=0)
    day = local.date()
    if timeframe.unit is Unit.WEEK:
        day -= timedelta(days=day.weekday())
    elif timeframe.unit is Unit.MONTH:
        month0 = (day.month - 1) - (day.month - 1) % timeframe.amount
        day = date(day.year, month0 + 1, 1)
    return datetime.combine(day, time(0), tzinfo=EASTERN)


def bucket_end(start: datetime, timeframe: Timeframe) -> datetime:
    """When the bar that starts at ``start`` closes."""
    if timeframe.intraday:
        return start + timeframe.length
    day = start.astimezone(EASTERN).date()
    if timeframe.unit is Unit.DAY:
        day += timedelta(days=1)
    elif timeframe.unit is Unit.WEEK:
        day += timedelta(days=7)
    else:
        month0 = day.month - 1 + timeframe.amount
        day = date(day.year + month0 // 12, month0 % 12 + 1, 1)
    return datetime.combine(day, time(0), tzinfo=EASTERN)


def aggregate(bars: Sequence[Bar], timeframe: Timeframe) -> list[Bar]:
    """Roll one symbol's bars (in time order) up to ``timeframe``."""
    groups: dict[datetime, list[Bar]] = {}
    for bar in bars:
        groups.setdefault(bucket_start(bar.timestamp, timeframe), []).append(bar)
    return [_merge(start, members) for start, members in groups.items()]


def _merge(start: datetime, members: list[Bar]) -> Bar:
    first = members[0]
    return Bar(
        symbol=first.symbol,
        timestamp=start.astimezone(first.timestamp.tzinfo),
        open=first.open,
        high=max(b.high for b in members),
        low=min(b.low for b in members),
        close=members[-1].close,
        volume=sum(b.volume for b in members),
        provenance=first.provenance,
    )


def adjust(
    bars: Sequence[Bar], actions: Iterable[CorporateAction], kinds: frozenset[str]
) -> list[Bar]:
    """Back-adjust one symbol's bars (in time order) for ``kinds`` of ``actions``."""
    if not kinds or not bars:
        return list(bars)
    price = [1.0] * len(bars)
    volume = [1.0] * len(bars)
    days = [b.timestamp.astimezone(EASTERN).date() for b in bars]
    for action in actions:
        before = [i for i, d in enumerate(days) if d < action.ex_date]
        if not before:
            continue
        if "split" in kinds and action.is_split and action.ratio is not None:
            ratio = float(action.ratio)
            for i in before:
                price[i] /= ratio
                volume[i] *= ratio
        dividend = action.kind is ActionKind.CASH_DIVIDEND
        if "dividend" in kinds and dividend and action.cash is not None:
            close = bars[before[-1]].close
            factor = 1.0 - float(action.cash) / close
            for i in before:
                price[i] *= factor
    return [_scaled(b, p, v) for b, p, v in zip(bars, price, volume, strict=True)]


def _scaled(bar: Bar, price: float, volume: float) -> Bar:
    if price == 1.0 and volume == 1.0:
        return bar
    return attrs.evolve(
        bar,
        open=round(bar.open * price, _PRICE_DIGITS),
        high=round(bar.high * price, _PRICE_DIGITS),
        low=round(bar.low * price, _PRICE_DIGITS),
        close=round(bar.close * price, _PRICE_DIGITS),
        volume=float(round(bar.volume * volume)),
    )
