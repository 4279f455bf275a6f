"""The live loop: the same engine as replay, driven by a clock and a bar feed.

One cycle: apply the broker's events, feed every bar that closed since the last
cycle to the engine (which applies the risk gate and places orders), apply the
events those orders caused. Before the first cycle, :func:`recover` heals whatever
a previous run left behind. The loop stops when told to, when a recorded feed ends
(after a last cycle to collect events), or after ``max_cycles``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

import attrs

from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.market.bars import Bar
from tradecore.ports.bar_feed import BarFeed
from tradecore.ports.broker import Broker
from tradecore.ports.clock import Clock
from tradecore.services.durability.commits import CommitPolicy
from tradecore.services.orders.reconciler import Reconciler, ReconcileReport
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.recovery import recover

#: Most drain rounds: a broker that keeps sending events is not waited for forever.
MAX_DRAIN_ROUNDS = 50


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
    ) -> None:
        """Wire the loop; ``cycle`` is how long it waits between cycles.

        ``market`` is shown each cycle's bars before the engine sees them: a simulated broker
        (or the emulator's market-data control) needs the market to fill orders; a
        real broker has its own.
        """
        self._engine = engine
        self._broker = broker
        self._feed = feed
        self._reconciler = reconciler
        self._commits = commits
        self._clock = clock
        self._cycle = cycle
        self._market = market

    def run(
        self,
        *,
        should_stop: Callable[[], bool] = lambda: False,
        max_cycles: int | None = None,
        on_cycle: Callable[[CycleReport], None] | None = None,
    ) -> LiveRun:
        """Recover, then cycle until stopped, the feed ends, or ``max_cycles``."""
        recovery = recover(self._engine, self._reconciler, self._broker, self._commits)
        cycles = bars = 0
        decided_before = self._engine.decisions
        while not should_stop() and (max_cycles is None or cycles < max_cycles):
            report = self.run_cycle(cycles)
            cycles, bars = cycles + 1, bars + report.bars
            if on_cycle is not None:
                on_cycle(report)
            if self._feed.exhausted or cycles == max_cycles:
                break
            self._clock.sleep(self._cycle.total_seconds())
        self._commits.flush()
        return LiveRun(
            recovery=recovery,
            cycles=cycles,
            bars=bars,
            decisions=self._engine.decisions - decided_before,
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
        bars = self._feed.poll(self._clock.now())
        if bars and self._market is not None:
            self._market(bars)
        for bar in bars:
            engine.note_provenance(bar.symbol, bar.provenance)
            engine.on_bar(bar.symbol, to_ns(bar.timestamp), bar.close, bar.volume)
        events += self._apply_events()
        self._commits.flush()
        return CycleReport(
            cycle=cycle,
            bars=len(bars),
            events=events,
            decisions=engine.decisions - decided,
        )

    def _apply_events(self) -> int:
        events = self._broker.poll_events()
        self._engine.on_events(events)
        return len(events)
