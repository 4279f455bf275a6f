"""The live loop: the same engine as replay, driven by a clock and a bar feed.

One cycle: apply the broker's events, feed every bar that closed since the last
cycle to the engine (which applies the risk gate and places orders), apply the
events those orders caused. Before the first cycle, :func:`recover` heals whatever
a previous run left behind. The loop stops when told to, when a recorded feed ends
(after a last cycle to collect events), or after ``max_cycles``.

Trading hours. Given ``trading_hours`` (a calendar: the regular sessions, or the
extended ones), the loop cycles only from a session's open to its close, both
included (the cycle at the close decides on the session's last bar); outside, it
makes no cycle and waits on the clock for the next open, waking once per
``cycle`` to apply the broker's events (an expiry at the close, a cancel) and to
notice ``should_stop``. Bars that closed while it waited reach the engine in the
first cycle of the session, in order, as the feed releases them. Waits do not
count as cycles, so ``max_cycles`` bounds the cycles, not the waiting. Sessions
are judged on the market's clock: ours plus ``market_offset`` (how far the
broker's clock is ahead, measured at start; zero when the broker's clock follows
ours, as the emulator's does when the run feeds it). A clock that a sleep does
not move (a virtual clock nothing advances) can never reach the open: the run
ends there, as if stopped, rather than hang.

Reconciliation while running. Besides the pass at start-up, the loop reconciles
every ``reconcile_every`` (``None``: never) in its cycles, and after every reconnect
of the broker's event stream (``reconnects`` counts connections), also while it
waits for the session: the same :class:`Reconciler`, in its running mode (events may still be
on their way, so gaps heal on the pass that finds them again). When a pass healed
anything (an external order, a missed fill, a position adjustment) the engine's
book is rebuilt from the store, so the strategy sees the broker's position. A broker
that cannot be reached for the pass is logged and tried at the next one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import attrs

from tradecore.domain.errors import TransientBrokerError
from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.ports.bar_feed import BarFeed
from tradecore.ports.broker import Broker
from tradecore.ports.clock import Clock
from tradecore.services.durability.commits import CommitPolicy
from tradecore.services.orders.reconciler import Reconciler, ReconcileReport
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.recovery import recover

log = logging.getLogger(__name__)

#: Most drain rounds: a broker that keeps sending events is not waited for forever.
MAX_DRAIN_ROUNDS = 50
_INSTANT = timedelta(microseconds=1)


@attrs.frozen(kw_only=True)
class CycleReport:
    """What one cycle did (the loop logs one per cycle)."""

    cycle: int
    bars: int
    events: int
    decisions: int


@attrs.frozen(kw_only=True)
class LiveRun:
    """What a whole run did."""

    recovery: ReconcileReport
    cycles: int
    bars: int
    decisions: int
    #: Reconciliation passes while running (after the one at start-up).
    reconciles: int = 0
    #: Healings those passes recorded (external orders, fills, adjustments).
    healed: int = 0


class LiveLoop:
    """Drives ``engine`` from ``feed`` and ``broker`` once per ``cycle``."""

    def __init__(
        self,
        engine: TradingEngine,
        broker: Broker,
        feed: BarFeed,
        reconciler: Reconciler,
        commits: CommitPolicy,
        clock: Clock,
        *,
        cycle: timedelta,
        market: Callable[[Sequence[Bar]], None] | None = None,
        trading_hours: MarketCalendar | None = None,
        market_offset: timedelta = timedelta(0),
        reconcile_every: timedelta | None = None,
        reconnects: Callable[[], int] | None = None,
        reconcile_timer: Callable[[], float] | None = None,
    ) -> None:
        """Wire the loop; ``cycle`` is how long it waits between cycles.

        ``market`` is shown each cycle's bars before the engine sees them: a simulated broker
        (or the emulator's market-data control) needs the market to fill orders; a
        real broker has its own. ``trading_hours``: cycle only in its sessions
        (``None``: around the clock); ``market_offset``: the broker's clock minus
        ours (module docstring). ``reconcile_every``: how often to reconcile while
        running (``None``: only at start); ``reconnects``: the broker event stream's
        connection count (a rise means a reconnect: reconcile); ``reconcile_timer``:
        seconds from a monotonic source to measure ``reconcile_every`` by (default:
        ``clock``) — on a virtual clock that races through recorded bars, the app
        passes real time, so a pass costs the broker's request budget per minute,
        not per bar.
        """
        self._engine = engine
        self._broker = broker
        self._feed = feed
        self._reconciler = reconciler
        self._commits = commits
        self._clock = clock
        self._cycle = cycle
        self._market = market
        self._hours = trading_hours
        self._offset = market_offset
        self._every = reconcile_every
        self._reconnects = reconnects
        self._connections = 0
        self._timer = reconcile_timer or (lambda: self._clock.now().timestamp())
        self._last_pass: float | None = None
        self.reconciles = 0
        self.healed = 0

    def run(
        self,
        *,
        should_stop: Callable[[], bool] = lambda: False,
        max_cycles: int | None = None,
        on_cycle: Callable[[CycleReport], None] | None = None,
    ) -> LiveRun:
        """Recover, then cycle until stopped, the feed ends, or ``max_cycles``."""
        recovery = recover(self._engine, self._reconciler, self._broker, self._commits)
        self._last_pass = self._timer()
        self._connections = self._reconnects() if self._reconnects is not None else 0
        cycles = bars = 0
        decided_before = self._engine.decisions
        while not should_stop() and (max_cycles is None or cycles < max_cycles):
            if not self._await_session(should_stop):
                break
            report = self.run_cycle(cycles)
            cycles, bars = cycles + 1, bars + report.bars
            if on_cycle is not None:
                on_cycle(report)
            if self._feed.exhausted or cycles == max_cycles:
                break
            self._clock.sleep(self._until_next_cycle().total_seconds())
        self._commits.flush()
        return LiveRun(
            recovery=recovery,
            cycles=cycles,
            bars=bars,
            decisions=self._engine.decisions - decided_before,
            reconciles=self.reconciles,
            healed=self.healed,
        )

    def drain(self, *, settle: Callable[[], None], quiet_rounds: int = 2) -> int:
        """After the last cycle: apply the broker's events until ``quiet_rounds``
        rounds in a row bring none (``settle`` lets a stream catch up between
        rounds), so the last fills are stored. Returns how many were applied."""
        applied = quiet = 0
        for _ in range(MAX_DRAIN_ROUNDS):
            settle()
            events = self._apply_events()
            applied += events
            quiet = 0 if events else quiet + 1
            if quiet >= quiet_rounds:
                break
        self._commits.flush()
        return applied

    def run_cycle(self, cycle: int) -> CycleReport:
        """One cycle: events, new closed bars through the engine, events again."""
        engine = self._engine
        decided = engine.decisions
        events = self._apply_events()
        self.reconcile_if_due()
        bars = self._feed.poll(self._clock.now())
        if bars and self._market is not None:
            self._market(bars)
            # Book the fills these bars gave before deciding on them, as a replay
            # does (its venue fills on a bar before the strategy sees it).
            events += self._apply_events()
        feed = engine.market
        for i, bar in enumerate(bars):
            engine.note_provenance(bar.symbol, bar.provenance)
            if feed is not None:
                feed.stage_bar(bar)
            at_ns = to_ns(bar.timestamp)
            engine.on_bar(bar.symbol, at_ns, bar.close, bar.volume)
            if feed is not None and (
                i + 1 == len(bars) or bars[i + 1].timestamp != bar.timestamp
            ):
                engine.on_timestamp(at_ns)
        events += self._apply_events()
        self._commits.flush()
        return CycleReport(
            cycle=cycle,
            bars=len(bars),
            events=events,
            decisions=engine.decisions - decided,
        )

    def _until_next_cycle(self) -> timedelta:
        """One ``cycle``, or less when the feed's next bar closes sooner.

        A daily bar closes at its session's close, not a cycle after the last one: the
        loop wakes then, and decides at the moment a replay of the same bars does.
        """
        wait = self._cycle
        closes = self._feed.next_close()
        if closes is not None:
            wait = max(min(wait, closes - self._clock.now()), timedelta(0))
        return wait

    def in_session(self, at: datetime) -> bool:
        """Whether the loop may cycle at market time ``at``: open to close, inclusive."""
        hours = self._hours
        return hours is None or hours.is_open(at) or hours.is_open(at - _INSTANT)

    def _await_session(self, should_stop: Callable[[], bool]) -> bool:
        """Wait for the session; False: stopped, or the clock cannot get there."""
        hours = self._hours
        if hours is None:
            return True
        while not self.in_session(market := self._clock.now() + self._offset):
            if should_stop():
                return False
            if self._apply_events():
                self._commits.flush()
            self.reconcile_if_due(interval=False)
            wait = min(hours.next_open(market) - market, self._cycle)
            before = self._clock.now()
            self._clock.sleep(wait.total_seconds())
            if self._clock.now() <= before:
                return False  # a virtual clock nothing advances: no open to wait for
        return True

    def reconcile_if_due(self, *, interval: bool = True) -> ReconcileReport | None:
        """Reconcile if ``reconcile_every`` passed or the event stream reconnected.

        ``interval=False`` (waiting for the session, when nothing trades): only a
        reconnect makes a pass; the interval's next pass is in the session's first cycle.
        """
        now = self._timer()
        due = (
            interval
            and self._every is not None
            and (
                self._last_pass is None
                or now - self._last_pass >= self._every.total_seconds()
            )
        )
        if self._reconnects is not None:
            connections = self._reconnects()
            due = due or connections > self._connections
            self._connections = connections
        return self.reconcile() if due else None

    def reconcile(self) -> ReconcileReport | None:
        """One reconciliation pass now (running mode); rebuild the book if it healed.

        Returns ``None`` if the broker could not be reached (tried again next time).
        """
        self._last_pass = self._timer()
        self._apply_events()  # what the broker already sent is not a gap
        try:
            report = self._reconciler.run(while_running=True)
        except TransientBrokerError as e:
            log.warning("reconciliation skipped, broker unavailable: %s", e)
            return None
        self.reconciles += 1
        self._read_account()
        if report.healed:
            self.healed += len(report.healed)
            with self._commits.step() as uow:
                self._engine.restore(uow)
            self._commits.flush()
        return report

    def _read_account(self) -> None:
        """Read the account once a pass: through a monitored broker, its
        ``daytrade_count`` and pattern-day-trader flag reach the gate's PDT monitor
        (issue 26), which otherwise counts only our own fills. A broker that cannot
        answer now is asked again next pass."""
        try:
            self._broker.account()
        except TransientBrokerError as e:
            log.warning("account not read after reconciling: %s", e)

    def _apply_events(self) -> int:
        events = self._broker.poll_events()
        self._engine.on_events(events)
        return len(events)
