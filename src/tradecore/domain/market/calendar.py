"""Market calendars: exchange sessions with daylight saving, holidays and early closes.

A :class:`MarketCalendar` is plain data: one row per session (its exchange-local date
and its UTC open and close), kept in sorted int64 arrays and queried by binary search,
so the domain answers "is the market open?", "when does a day order expire?" and
"which trading day is this?" without a calendar library or the wall clock. An adapter
(``adapters/calendar``) fills it from an exchange calendar; the schedule hash lets a
manifest pin exactly which schedule a result was computed on.

Queries outside the schedule's range raise :class:`InvalidInput` instead of guessing,
because a missing session and a holiday look the same from inside the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import sha256_bytes, sha256_hex
from tradecore.domain.market._schedule_arrays import (
    MICROSECOND,
    NS_PER_DAY,
    NS_PER_US,
    BoolArray,
    Int64Array,
    as_float,
    bool_array,
    check_schedule,
    empty_int64,
    floor_day,
    from_epoch_day,
    from_epoch_ns,
    int64_array,
    modal_length_ns,
    positive_float,
    shift_day,
    to_epoch_day,
    to_epoch_ns,
)

_DAY = timedelta(days=1)
_HASH_FORMAT = "tradecore.market-calendar/1"


# --- the session value ----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Session:
    """One trading session: its exchange-local date and its UTC open and close.

    ``early_close`` is data from the calendar source (e.g. the day after
    Thanksgiving), not derived here: "early" is relative to the exchange's regular
    local close, which the domain does not know.
    """

    date: dt.date = attrs.field(validator=v.instance_of(dt.date))
    open: datetime = attrs.field(validator=v.utc_datetime)
    close: datetime = attrs.field(validator=v.utc_datetime)
    early_close: bool = attrs.field(default=False, validator=v.instance_of(bool))

    def __attrs_post_init__(self) -> None:
        if self.close <= self.open:
            raise InvalidInput("close", self.close, "must be after open")

    @property
    def length(self) -> timedelta:
        """Return how long the session lasts."""
        return self.close - self.open


def _schedule_hash(calendar: MarketCalendar) -> str:
    def digest(array: npt.NDArray[Any]) -> str:
        return sha256_bytes(array.astype(array.dtype.newbyteorder("<")).tobytes())

    return sha256_hex(
        {
            "format": _HASH_FORMAT,
            "name": calendar.name,
            "sessions_per_year": calendar.sessions_per_year,
            "always_open": calendar.is_always_open,
            "days": digest(calendar._days),
            "opens_ns": digest(calendar._opens),
            "closes_ns": digest(calendar._closes),
            "early_close": digest(calendar._early.astype(np.uint8)),
        }
    )


# --- the calendar ---------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class MarketCalendar:
    """An exchange's sessions over a range of dates, or a market that never closes.

    Build it with :meth:`from_sessions`, :meth:`from_arrays` or :meth:`always_open`.
    Every instant argument must be timezone-aware (naive ones raise
    :class:`InvalidInput` naming the argument); every datetime returned is UTC.
    Sessions are half-open: the open belongs to the session, the close does not.

    Two calendars are equal when their name, ``sessions_per_year`` and schedule are;
    ``schedule_hash`` is a stable digest of exactly that.
    """

    name: str = attrs.field(validator=v.non_empty_str)
    sessions_per_year: float = attrs.field(converter=as_float, validator=positive_float)
    is_always_open: bool = attrs.field(default=False, validator=v.instance_of(bool))
    _days: Int64Array = attrs.field(
        factory=empty_int64, converter=int64_array, eq=False, repr=False
    )
    _opens: Int64Array = attrs.field(
        factory=empty_int64, converter=int64_array, eq=False, repr=False
    )
    _closes: Int64Array = attrs.field(
        factory=empty_int64, converter=int64_array, eq=False, repr=False
    )
    _early: BoolArray = attrs.field(
        factory=lambda: bool_array([]), converter=bool_array, eq=False, repr=False
    )
    schedule_hash: str = attrs.field(init=False)
    # Python ints of the range bounds and modal length: the hot paths compare against
    # them without touching numpy scalars.
    _first_open: int = attrs.field(init=False, eq=False, repr=False)
    _last_close: int = attrs.field(init=False, eq=False, repr=False)
    _modal_length: int = attrs.field(init=False, eq=False, repr=False)
    # The span of the last instant asked about (see _Span), in a one-item list: the
    # span is replaced whole, so a reader never mixes two sessions' answers.
    _span: list[_Span] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.is_always_open and self._days.size:
            raise InvalidInput(
                "sessions", self._days.size, "an always-open calendar takes none"
            )
        if not self.is_always_open and not self._days.size:
            raise InvalidInput("sessions", 0, "a calendar needs at least one session")
        check_schedule(self._days, self._opens, self._closes, self._early)
        first, last = (
            (0, 0) if self.is_always_open else (self._opens[0], self._closes[-1])
        )
        object.__setattr__(self, "_first_open", int(first))
        object.__setattr__(self, "_last_close", int(last))
        object.__setattr__(
            self, "_modal_length", modal_length_ns(self._opens, self._closes)
        )
        object.__setattr__(self, "schedule_hash", _schedule_hash(self))
        object.__setattr__(self, "_span", [_NO_SPAN])

    # --- construction -----------------------------------------------------------------

    @classmethod
    def from_sessions(
        cls,
        name: str,
        sessions: Iterable[tuple[date, datetime, datetime]],
        *,
        early_closes: Iterable[date] = (),
        sessions_per_year: float = 252.0,
    ) -> MarketCalendar:
        """Return the calendar of ``(date, open, close)`` rows, in increasing order.

        Args:
            name: The calendar's name, e.g. ``"XNYS"``.
            sessions: One row per session; opens and closes timezone-aware.
            early_closes: Dates of sessions that close early; each must be a session.
            sessions_per_year: The annualization factor for per-session statistics.

        Raises:
            InvalidInput: A naive time, open not before close, dates out of order,
                overlapping sessions, or an early close on a date with no session.
        """
        rows = list(sessions)
        days = [to_epoch_day("date", row[0]) for row in rows]
        opens = [to_epoch_ns("open", row[1]) for row in rows]
        closes = [to_epoch_ns("close", row[2]) for row in rows]
        early_days = {to_epoch_day("early_closes", d) for d in early_closes}
        missing = early_days.difference(days)
        if missing:
            first = from_epoch_day(min(missing))
            raise InvalidInput("early_closes", first, "not a session of the calendar")
        early = [d in early_days for d in days]
        return cls(
            name=name,
            sessions_per_year=sessions_per_year,
            days=days,
            opens=opens,
            closes=closes,
            early=early,
        )

    @classmethod
    def from_arrays(
        cls,
        name: str,
        *,
        days: Int64Array,
        opens_ns: Int64Array,
        closes_ns: Int64Array,
        early_close: BoolArray,
        sessions_per_year: float = 252.0,
    ) -> MarketCalendar:
        """Return the calendar of parallel arrays (the fast path for adapters).

        Args:
            name: The calendar's name.
            days: Session dates as days since 1970-01-01, strictly increasing.
            opens_ns: Opens as UTC epoch nanoseconds.
            closes_ns: Closes as UTC epoch nanoseconds.
            early_close: Whether each session closes early.
            sessions_per_year: The annualization factor.

        Raises:
            InvalidInput: The arrays differ in length or break the ordering rules.
        """
        return cls(
            name=name,
            sessions_per_year=sessions_per_year,
            days=days,
            opens=opens_ns,
            closes=closes_ns,
            early=early_close,
        )

    @classmethod
    def always_open(cls, name: str = "24/7") -> MarketCalendar:
        """Return a market open around the clock: each UTC day is one session.

        Day orders then expire at midnight UTC, ``sessions_per_year`` is 365 and no
        query is ever out of range.
        """
        return cls(name=name, sessions_per_year=365.0, is_always_open=True)

    # --- range ------------------------------------------------------------------------

    @property
    def first_session(self) -> date:
        """Return the first session's date (``date.min`` when always open)."""
        if self.is_always_open:
            return date.min
        return from_epoch_day(self._days.item(0))

    @property
    def last_session(self) -> date:
        """Return the last session's date (``date.max`` when always open)."""
        if self.is_always_open:
            return date.max
        return from_epoch_day(self._days.item(-1))

    def _out_of_range(self, field: str, value: object) -> InvalidInput:
        return InvalidInput(
            field,
            value,
            f"outside the calendar's range {self.first_session}..{self.last_session}"
            f" ({self.name}); ask the calendar port for a wider schedule",
        )

    def _covered_ns(self, field: str, at: datetime) -> int:
        """Return ``at`` in ns if it lies between the first open and the last close."""
        ns = to_epoch_ns(field, at)
        if not self._first_open <= ns < self._last_close:
            # Before the first open a session outside the data might be running.
            first, last = (
                from_epoch_ns(self._first_open),
                from_epoch_ns(self._last_close),
            )
            raise InvalidInput(
                field,
                at,
                f"outside the calendar's range: {self.name} knows instants from the "
                f"first open {first.isoformat()} to the last close {last.isoformat()}",
            )
        return ns

    def _covered_day(self, field: str, day: date) -> int:
        """Return the index of the first session dated on or after ``day`` (in range)."""
        number = to_epoch_day(field, day)
        if not self._days[0] <= number <= self._days[-1]:
            raise self._out_of_range(field, day)
        return int(self._days.searchsorted(number, "left"))

    def _span_of(self, at: datetime) -> _Span | None:
        """The span holding ``at``: the one asked about last, else a new one.

        ``None`` for an always-open calendar (its answers need no search). A naive
        or out-of-range ``at`` raises as every query does.
        """
        span = self._span[0]
        try:
            if span.after <= at < span.close:
                return span
        except TypeError:  # naive: compared with an aware datetime
            pass
        if self.is_always_open:
            to_epoch_ns("at", at)
            return None
        ns = self._covered_ns("at", at)
        index = int(self._closes.searchsorted(ns, "right"))
        session = self._session_at(index)
        after = self._closes.item(index - 1) if index else self._first_open
        span = _Span(from_epoch_ns(after), session.open, session.close, session)
        self._span[0] = span
        return span

    def _session_at(self, index: int) -> Session:
        return Session(
            date=from_epoch_day(self._days.item(index)),
            open=from_epoch_ns(self._opens.item(index)),
            close=from_epoch_ns(self._closes.item(index)),
            early_close=bool(self._early[index]),
        )

    # --- instants ---------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """Return whether a session is on at ``at`` (open inclusive, close exclusive)."""
        span = self._span_of(at)
        return True if span is None else span.open <= at

    def session_of(self, at: datetime) -> Session | None:
        """Return the session whose ``[open, close)`` contains ``at``, or None."""
        span = self._span_of(at)
        if span is None:
            return _whole_day(floor_day(to_epoch_ns("at", at)))
        return span.session if span.open <= at else None

    def trading_day(self, at: datetime) -> date:
        """Return the date of the session ``at`` belongs to for per-day accounting.

        That is the session containing ``at``, else the next one: a time after the
        close, on a weekend or on a holiday belongs to the next session, as brokers
        queue day orders placed then. Equivalently, the session whose close is
        :meth:`next_close` of ``at``.
        """
        span = self._span_of(at)
        if span is None:
            return from_epoch_day(floor_day(to_epoch_ns("at", at)) // NS_PER_DAY)
        return span.session.date

    def next_open(self, at: datetime) -> datetime:
        """Return the first session open at or after ``at`` (at an open, that open).

        Raises:
            InvalidInput: ``at`` is naive, or no session of the range opens after it.
        """
        span = self._span_of(at)
        if span is None:
            ns = to_epoch_ns("at", at)
            return from_epoch_ns(-(-ns // NS_PER_DAY) * NS_PER_DAY)
        if at <= span.open:
            return span.open
        ns = self._covered_ns("at", at)
        index = int(self._opens.searchsorted(ns, "left"))
        if index == self._opens.size:
            raise self._out_of_range("at", at)
        return from_epoch_ns(self._opens.item(index))

    def next_close(self, at: datetime) -> datetime:
        """Return the first session close strictly after ``at``: a day order's expiry.

        Placed in a session, a day order expires at that session's close; placed
        after the close or on a closed day, at the next session's close.
        """
        span = self._span_of(at)
        if span is None:
            return from_epoch_ns(floor_day(to_epoch_ns("at", at)) + NS_PER_DAY)
        return span.close

    def previous_close(self, at: datetime) -> datetime:
        """Return the last session close at or before ``at``.

        Raises:
            InvalidInput: ``at`` is naive, or no session of the range closed by then.
        """
        if self.is_always_open:
            return from_epoch_ns(floor_day(to_epoch_ns("at", at)))
        ns = self._covered_ns("at", at)
        index = int(self._closes.searchsorted(ns, "right")) - 1
        if index < 0:
            raise self._out_of_range("at", at)
        return from_epoch_ns(self._closes.item(index))

    # --- dates ------------------------------------------------------------------------

    def session(self, day: date) -> Session | None:
        """Return the session dated ``day``, or None on a weekend or holiday."""
        if self.is_always_open:
            return _whole_day(to_epoch_day("day", day) * NS_PER_DAY)
        index = self._covered_day("day", day)
        found = self._days[index] == to_epoch_day("day", day)
        return self._session_at(index) if found else None

    def is_session(self, day: date) -> bool:
        """Return whether the market has a session dated ``day``."""
        return self.session(day) is not None

    def sessions_between(self, start: date, end: date) -> tuple[Session, ...]:
        """Return the sessions dated from ``start`` to ``end``, both inclusive."""
        first, stop = self._day_span(start, end)
        if self.is_always_open:
            return tuple(_whole_day(d * NS_PER_DAY) for d in range(first, stop))
        return tuple(self._session_at(i) for i in range(first, stop))

    def sessions_in_range(self, start: date, end: date) -> int:
        """Return how many sessions are dated from ``start`` to ``end`` (inclusive)."""
        first, stop = self._day_span(start, end)
        return stop - first

    def _day_span(self, start: date, end: date) -> tuple[int, int]:
        """Return ``[first, stop)``: session indices, or epoch days when always open."""
        if to_epoch_day("end", end) < to_epoch_day("start", start):
            raise InvalidInput("end", end, f"before start {start}")
        if self.is_always_open:
            return to_epoch_day("start", start), to_epoch_day("end", end) + 1
        first = self._covered_day("start", start)
        stop = self._covered_day("end", end)
        if self._days[stop] == to_epoch_day("end", end):
            stop += 1
        return first, stop

    def next_session(self, day: date) -> date:
        """Return the first session date strictly after ``day``.

        Raises:
            InvalidInput: ``day`` is out of range, or is on or after the last session.
        """
        if self.is_always_open:
            return shift_day("day", day, 1)
        index = self._covered_day("day", day)
        if self._days[index] == to_epoch_day("day", day):
            index += 1
        if index == self._days.size:
            raise self._out_of_range("day", day)
        return from_epoch_day(self._days.item(index))

    def previous_session(self, day: date) -> date:
        """Return the last session date strictly before ``day``.

        Raises:
            InvalidInput: ``day`` is out of range, or is on or before the first session.
        """
        if self.is_always_open:
            return shift_day("day", day, -1)
        index = self._covered_day("day", day) - 1
        if index < 0:
            raise self._out_of_range("day", day)
        return from_epoch_day(self._days.item(index))

    # --- statistics -------------------------------------------------------------------

    def bars_per_session(self, interval: timedelta) -> float:
        """Return how many bars of ``interval`` fill a regular session.

        The regular session is the most common session length (6.5 hours on XNYS,
        so 390 one-minute bars); daily or longer bars count one per session.

        Raises:
            InvalidInput: ``interval`` is not a positive timedelta.
        """
        if not isinstance(interval, timedelta) or interval <= timedelta(0):
            raise InvalidInput("interval", interval, "must be a positive timedelta")
        if interval >= _DAY:
            return 1.0
        return self._modal_length / (interval // MICROSECOND * NS_PER_US)


@attrs.frozen
class _Span:
    """The instants from one session's previous close (or, for the first session,
    its open) to its close: all of them belong to that session's trading day and
    have its close as the next close, and they are in the session from its open.

    The calendar keeps the span of the instant asked about last and answers from
    it (``is_open``, ``trading_day``, ``next_close``, ``session_of``, ``next_open``
    before the open): the engine, the gate and the venue ask about the same
    instant several times a bar and about the same session for hundreds of bars,
    so nearly every question is two datetime comparisons, not a conversion to
    nanoseconds and a binary search.
    """

    after: datetime
    open: datetime
    close: datetime
    session: Session


#: The span before any question: holds no instant (compares as empty).
_NO_SPAN = _Span(
    datetime.max.replace(tzinfo=dt.UTC),
    datetime.max.replace(tzinfo=dt.UTC),
    datetime.min.replace(tzinfo=dt.UTC),
    Session(
        date=date.min,
        open=datetime.min.replace(tzinfo=dt.UTC),
        close=datetime.max.replace(tzinfo=dt.UTC),
    ),
)


def _whole_day(midnight_ns: int) -> Session:
    """Return the always-open session of the UTC day starting at ``midnight_ns``."""
    day = from_epoch_day(midnight_ns // NS_PER_DAY)
    try:
        close = from_epoch_ns(midnight_ns + NS_PER_DAY)
    except OverflowError:
        raise InvalidInput("day", day, "no session beyond the end of time") from None
    return Session(date=day, open=from_epoch_ns(midnight_ns), close=close)


def bar_span(
    calendar: MarketCalendar, start: datetime, interval: timedelta
) -> tuple[datetime, datetime] | None:
    """Return the part of the bar ``[start, start + interval)`` inside a session.

    A minute bar in the session is itself; a bar that straddles the open or the close
    (an hourly bar from 09:00 New York, the last bar of an early close) is clipped to
    the session; a daily bar stamped at midnight is its session's open to close, so
    an order queued overnight fills at that open. ``None``: the bar lies wholly
    outside every session (pre-market, after hours, a weekend, a holiday).
    """
    end = start + interval
    if calendar.is_always_open:
        return start, end
    if not calendar.is_open(start):
        start = calendar.next_open(start)
        if start >= end:
            return None
    return start, min(end, calendar.next_close(start))


def bar_close(
    calendar: MarketCalendar | None, start: datetime, interval: timedelta
) -> datetime:
    """When the bar ``[start, start + interval)`` is known: the end of its part in a
    session (a daily bar at its session's close), else its nominal end.

    Bars shorter than an hour never straddle a close of a calendar whose sessions
    start and end on the minute grid, so they skip the lookup (the replay's hot path).
    """
    end = start + interval
    if calendar is None or interval < timedelta(hours=1):
        return end
    span = bar_span(calendar, start, interval)
    return end if span is None else span[1]
