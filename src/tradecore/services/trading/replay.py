"""The replay driver: a discrete-event loop on a virtual clock.

Bars and broker events are merged by time. For each bar timestamp ``t`` (a bar covers
``[t, t + interval)``):

1. the clock moves to ``t`` and broker events due by then are applied;
2. bars at ``t`` are fed to the broker where an order is working (the market for the
   interval; the broker schedules fills inside it);
3. the clock moves to ``t + interval`` — the bars have closed — applying the events
   due on the way, so fills that landed inside the bar are seen first;
4. the strategy sees each closed bar and acts; orders are sent at ``t + interval``,
   which is when the next bar opens.

Corporate actions (if any) are fed to the broker like bars, at midnight New York time
starting their ex-date, before the first bar at or after it: the broker changes the
account (and cancels the orders it cancels), and the engine books what it reports
(:meth:`TradingEngine.on_corporate_action`). Actions before the first bar are already
in the data and are not applied; actions after the last bar never come.

With a calendar, a bar is known at the end of its part inside a session: a daily
bar (stamped at midnight New York) at that session's close, an hourly bar that
straddles the close at the close. A decision then happens at the close, and its
order waits (queued, as Alpaca queues it) for the next open.

:func:`replay_steps` is the loop as a generator that pauses at each timestamp
between steps 3 and 4 (the RL environment drives it); :func:`run_replay` runs it
to the end.

The loop does a few dictionary operations per bar; bars stay in numpy columns and a
:class:`Bar` object is only built for a broker that has a working order to match.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator, Sequence
from datetime import datetime, timedelta

import attrs
import numpy as np

from tradecore.domain.market.adjustment import ex_date_start_ns
from tradecore.domain.market.bar_frame import BarFrame, from_ns, timeline_chunks
from tradecore.domain.market.calendar import MarketCalendar, bar_close
from tradecore.domain.market.corporate_actions import CorporateAction
from tradecore.domain.strategies.market_view import MarketFeed
from tradecore.ports.broker import ScheduledBroker
from tradecore.ports.clock import ManualClock
from tradecore.services.trading.engine import TradingEngine

_LONG_BAR = timedelta(hours=1)
_MICROSECOND = timedelta(microseconds=1)


@attrs.frozen
class ReplayProgress:
    """Where a replay is: bars done out of the total."""

    done: int
    total: int


@attrs.frozen(kw_only=True)
class ReplayRun:
    """What the driver observed: bar count and the equity curve it sampled."""

    bars: int
    timestamps_ns: np.ndarray
    equity: np.ndarray


def run_replay(
    frames: Sequence[BarFrame],
    engine: TradingEngine,
    broker: ScheduledBroker,
    clock: ManualClock,
    *,
    interval: timedelta,
    on_progress: Callable[[ReplayProgress], None] | None = None,
    calendar: MarketCalendar | None = None,
    release: Callable[[BarFrame, int], None] | None = None,
    corporate_actions: Sequence[CorporateAction] = (),
) -> ReplayRun:
    """Drive ``engine`` and ``broker`` through ``frames`` in time order.

    The bars are walked a chunk of the time order at a time
    (:func:`~tradecore.domain.market.bar_frame.timeline_chunks`): what the driver
    holds besides the frames is one chunk's index and the equity samples. After
    each chunk, ``release`` (if given) hears, per frame, the row before which no
    bar will be read again (frames on memory-mapped files let those pages go).

    ``corporate_actions`` are applied when time reaches their ex-date (module
    docstring); the venue keeps trading raw prices.
    """
    steps = _steps(
        frames,
        engine,
        broker,
        clock,
        interval=interval,
        on_progress=on_progress,
        calendar=calendar,
        release=release,
        corporate_actions=corporate_actions,
        pauses=False,
    )
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


@attrs.frozen
class ReplayStep:
    """A timestamp the driver paused at: its bars have closed and the fills due by
    then are booked, but the engine (so the strategy) has not seen them yet.

    ``rows`` are ``(frame index, row)`` of the bars stamped ``timestamp_ns``.
    """

    timestamp_ns: int
    rows: tuple[tuple[int, int], ...]


def replay_steps(
    frames: Sequence[BarFrame],
    engine: TradingEngine,
    broker: ScheduledBroker,
    clock: ManualClock,
    *,
    interval: timedelta,
    on_progress: Callable[[ReplayProgress], None] | None = None,
    calendar: MarketCalendar | None = None,
    release: Callable[[BarFrame, int], None] | None = None,
    corporate_actions: Sequence[CorporateAction] = (),
) -> Generator[ReplayStep, None, ReplayRun]:
    """:func:`run_replay` as a generator that pauses at each timestamp.

    It yields a :class:`ReplayStep` once the timestamp's bars have closed, before
    the engine sees them: whoever drives it (the RL environment) can read the book
    and set what the strategy will do, then resume. Exhausted, it returns the
    :class:`ReplayRun`. ``run_replay`` is the same loop without the pauses.
    """
    return _steps(
        frames,
        engine,
        broker,
        clock,
        interval=interval,
        on_progress=on_progress,
        calendar=calendar,
        release=release,
        corporate_actions=corporate_actions,
        pauses=True,
    )


def _steps(
    frames: Sequence[BarFrame],
    engine: TradingEngine,
    broker: ScheduledBroker,
    clock: ManualClock,
    *,
    interval: timedelta,
    on_progress: Callable[[ReplayProgress], None] | None,
    calendar: MarketCalendar | None,
    release: Callable[[BarFrame, int], None] | None,
    corporate_actions: Sequence[CorporateAction],
    pauses: bool,
) -> Generator[ReplayStep, None, ReplayRun]:
    """The loop; it yields a :class:`ReplayStep` per timestamp only if it ``pauses``
    (building the step's rows costs an idle run about a tenth of its loop)."""
    symbols = [f.symbol for f in frames]
    index_of = {symbol: f for f, symbol in enumerate(symbols)}
    interval_ns = interval // _MICROSECOND * 1000  # exact, as datetimes count
    known_at = _known_at(calendar, interval)
    total = sum(len(f) for f in frames)
    report_every = max(1, total // 100)
    reported = -report_every
    # Every bar stamped at or before this has been seen: a symbol's latest one among
    # them is its current bar (looked up only when an order needs it).
    seen_ns = -(2**63)
    # The bars stamped ``seen_ns``: (lo, hi, names, frame_of, row_of) of the chunk
    # lists, rows ``lo..hi-1`` (set with ``seen_ns``, so the two always agree).
    now_rows: tuple[int, int, list[str], list[int], list[int]] = (0, 0, [], [], [])
    fed: set[str] = set()
    sampled_at: list[np.ndarray] = []
    sampled: list[np.ndarray] = []
    done = 0

    def feed_before_order(symbol: str) -> None:
        # The broker prices and checks an order against the last bar it saw: show it
        # the bar that just closed, unless it already had it (never match a bar twice).
        if symbol not in fed:
            if (found := _row_now(symbol, *now_rows)) is not None:
                frame, row = frames[found[0]], found[1]
            else:  # no bar of the symbol at ``seen_ns``: search its frame
                frame = frames[index_of[symbol]]
                if (at_or_before := frame.row_at(seen_ns)) is None:
                    raise KeyError(symbol)  # no bar yet: nothing to price the order
                row = at_or_before
            broker.on_bar(frame.bar(row))
            fed.add(symbol)

    engine.before_order = feed_before_order
    feed = engine.market
    on_rows, equity_of = engine.on_bar_rows, engine.equity
    # Bars are vouched for only while nobody else feeds the engine: a driver that
    # pauses may show it bars of its own between two steps.
    prescreened = not pauses and engine.passes_screen(frames)
    working = broker.working_symbols()  # a live view: see the loop below
    # ``_advance``'s quiet case, tested in the loop: one has_pending call per move.
    has_pending, move_clock = broker.has_pending, clock.advance_to
    start_ns = min((int(f.timestamps[0]) for f in frames if len(f)), default=0)
    due = sorted(
        (
            (ex_date_start_ns(a.ex_date), i, a)
            for i, a in enumerate(corporate_actions)
            if ex_date_start_ns(a.ex_date) > start_ns
        ),
        key=lambda item: (item[0], item[1]),
    )
    next_action_ns = due[0][0] if due else sys.maxsize
    # The datetime of the last bar's close: with back-to-back bars it is the next
    # bar's open, reused instead of converted again. Only where a bar is known at
    # its nominal end (not at a session close that cuts it short). That end is
    # the open's datetime plus the interval: the datetime ``from_ns`` gives for
    # its nanoseconds (whole microseconds), without a conversion per timestamp.
    ends_on_grid = calendar is None or interval < _LONG_BAR
    end_ns, end_at = -1, from_ns(0)
    for chunk in timeline_chunks(frames):
        stamps = chunk.timestamps
        starts = np.flatnonzero(np.r_[True, np.diff(stamps) != 0])
        ends = np.r_[starts[1:], len(stamps)]
        equity = np.empty(len(starts), dtype=np.float64)
        frame_of, row_of = chunk.frame_index.tolist(), chunk.row_index.tolist()
        names = [symbols[f] for f in frame_of]
        closes, volumes = _chunk_columns(frames, chunk.frame_index, chunk.row_index)
        times = stamps[starts].tolist()
        for g, (lo, hi) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            t_ns = times[g]
            if next_action_ns <= t_ns:
                next_action_ns = _apply_actions(clock, broker, engine, due, t_ns)
            at = end_at if t_ns == end_ns else from_ns(t_ns)
            if has_pending():
                _catch_up(clock, broker, engine, at)
            else:
                move_clock(at)
            fed.clear()
            seen_ns, now_rows = t_ns, (lo, hi, names, frame_of, row_of)
            if working:  # else no bar of this timestamp could fill anything
                for i in range(lo, hi):
                    if (symbol := names[i]) in working:
                        broker.on_bar(frames[frame_of[i]].bar(row_of[i]))
                        fed.add(symbol)
            end_at = at + interval if known_at is None else known_at(t_ns)
            if has_pending():
                _catch_up(clock, broker, engine, end_at)
            else:
                move_clock(end_at)
            end_ns = t_ns + interval_ns if ends_on_grid else -1
            if pauses:
                yield ReplayStep(t_ns, _rows(frame_of, row_of, lo, hi))
            if feed is None:
                on_rows(t_ns, names, closes, volumes, lo, hi, prescreened)
            else:
                batch = _rows(frame_of, row_of, lo, hi)
                _feed_full_bars(feed, engine, frames, batch, t_ns)
            equity[g] = equity_of()
            if on_progress is not None and done + hi - reported >= report_every:
                reported = done + hi
                on_progress(ReplayProgress(reported, total))
        sampled_at.append(stamps[starts])
        sampled.append(equity)
        done += len(stamps)
        if release is not None:
            _release_chunk(frames, chunk.frame_index, chunk.row_index, release)
    _drain(clock, broker, engine)
    return ReplayRun(
        bars=total,
        timestamps_ns=np.concatenate([np.empty(0, np.int64), *sampled_at]),
        equity=np.concatenate([np.empty(0, np.float64), *sampled]),
    )


def _row_now(
    symbol: str,
    lo: int,
    hi: int,
    names: list[str],
    frame_of: list[int],
    row_of: list[int],
) -> tuple[int, int] | None:
    """``(frame index, row)`` of ``symbol``'s bar among rows ``lo..hi-1`` (the
    bars of the timestamp seen last), ``None`` if it has none there.

    A frame's timestamps strictly increase, so a bar stamped at the timestamp seen
    is the latest at or before it: the row ``BarFrame.row_at`` finds by binary
    search (a NumPy call, several times the cost of this list search).
    """
    try:
        i = names.index(symbol, lo, hi)
    except ValueError:
        return None
    return frame_of[i], row_of[i]


def _rows(
    frame_of: list[int], row_of: list[int], lo: int, hi: int
) -> tuple[tuple[int, int], ...]:
    """``(frame index, row)`` of the chunk's bars ``lo:hi`` (one timestamp's)."""
    return tuple(zip(frame_of[lo:hi], row_of[lo:hi], strict=True))


def frames_present(frame_index: np.ndarray) -> list[int]:
    """The frame indexes (non-negative) that occur in ``frame_index``, ascending.

    ``np.unique``'s answer, without its masked-array check: that check imports
    ``numpy.ma``, about 2% of a short replay's instructions (a property holds the
    two equal).
    """
    present: list[int] = np.flatnonzero(np.bincount(frame_index)).tolist()
    return present


def _chunk_columns(
    frames: Sequence[BarFrame], frame_index: np.ndarray, row_index: np.ndarray
) -> tuple[list[float], list[float]]:
    """The chunk's closes and volumes in its time order, as Python floats.

    Gathered with one NumPy take per frame and converted once: reading them bar by
    bar from the frames' arrays cost a numpy scalar and a ``float()`` each.
    """
    closes = np.empty(len(frame_index), dtype=np.float64)
    volumes = np.empty(len(frame_index), dtype=np.float64)
    for f in frames_present(frame_index):
        where = frame_index == f
        rows = row_index[where]
        closes[where] = frames[f].close[rows]
        volumes[where] = frames[f].volume[rows]
    return closes.tolist(), volumes.tolist()


def _feed_full_bars(
    feed: MarketFeed,
    engine: TradingEngine,
    frames: Sequence[BarFrame],
    batch: tuple[tuple[int, int], ...],
    t_ns: int,
) -> None:
    """A bar-form strategy's timestamp: each full bar staged, then the engine's
    bar (the gate, the strategy's ``on_bar``), then its batch callback."""
    for f, r in batch:
        frame = frames[f]
        close, volume = float(frame.close[r]), float(frame.volume[r])
        feed.stage(
            frame.symbol,
            t_ns,
            float(frame.open[r]),
            float(frame.high[r]),
            float(frame.low[r]),
            close,
            volume,
            frame.provenance,
        )
        engine.on_bar(frame.symbol, t_ns, close, volume)
    engine.on_timestamp(t_ns)


def _apply_actions(
    clock: ManualClock,
    broker: ScheduledBroker,
    engine: TradingEngine,
    due: list[tuple[int, int, CorporateAction]],
    until_ns: int,
) -> int:
    """Apply the actions due by ``until_ns`` (popped from ``due``); the next one's time."""
    while due and due[0][0] <= until_ns:
        at_ns, _, action = due.pop(0)
        _advance(clock, broker, engine, max(from_ns(at_ns), clock.now()))
        booking = broker.on_corporate_action(action)
        engine.on_events(broker.poll_events())
        engine.on_corporate_action(booking)
    return due[0][0] if due else sys.maxsize


def _release_chunk(
    frames: Sequence[BarFrame],
    frame_index: np.ndarray,
    row_index: np.ndarray,
    release: Callable[[BarFrame, int], None],
) -> None:
    """Tell ``release`` each chunk frame's last row: the rows before it are done.

    The last row itself stays: it is the symbol's current bar until its next one.
    """
    last = np.full(len(frames), -1, dtype=np.int64)
    np.maximum.at(last, frame_index, row_index)
    for f in np.flatnonzero(last > 0).tolist():
        release(frames[f], int(last[f]))


def _known_at(
    calendar: MarketCalendar | None, interval: timedelta
) -> Callable[[int], datetime] | None:
    """When a bar starting at ``t_ns`` is known; ``None``: at its nominal end.

    Bars shorter than an hour never straddle a close of a calendar whose sessions
    start and end on the minute grid, so only longer bars pay for the lookup (and
    the loop converts their nominal end itself, without a call through here).
    """
    if calendar is None or interval < _LONG_BAR:
        return None
    return lambda t_ns: bar_close(calendar, from_ns(t_ns), interval)


def _advance(
    clock: ManualClock, broker: ScheduledBroker, engine: TradingEngine, to: datetime
) -> None:
    """Move the clock to ``to``, applying the broker's events due on the way."""
    if not broker.has_pending():  # nothing due and nothing to poll: only time moves
        clock.advance_to(to)
        return
    _catch_up(clock, broker, engine, to)


def _catch_up(
    clock: ManualClock, broker: ScheduledBroker, engine: TradingEngine, to: datetime
) -> None:
    """:func:`_advance` when the broker has something pending.

    Each event is applied once the clock is at the time it is due: those due by
    ``to`` are applied a due time at a time, with the events that happened before
    it. The broker is asked what happened and what is due next in one call
    (``poll_until_next``); when nothing more is due by ``to``, the events taken
    are all there is, so the broker is not asked for events again after the clock
    moves (it would answer with them alone: nothing happens at a broker whose
    next event is later, and its every call catches up with the clock first).
    """
    while True:
        events, due = broker.poll_until_next()
        if due is None or due > to:
            break
        clock.advance_to(due)
        engine.on_events([*events, *broker.poll_events()])
    clock.advance_to(to)
    if events:  # most timestamps bring none
        engine.on_events(events)


def _drain(clock: ManualClock, broker: ScheduledBroker, engine: TradingEngine) -> None:
    while (due := broker.next_event_at()) is not None:
        clock.advance_to(max(due, clock.now()))
        engine.on_events(broker.poll_events())
