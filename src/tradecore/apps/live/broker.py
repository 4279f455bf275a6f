"""The broker ``tradecore-live run`` trades, and the emulator as its market.

Simulated, Alpaca (paper/live, or the offline emulator) or a dry run that records
orders without sending them; ``connect``/``close`` are optional on a broker.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from tradecore.adapters.dryrun import DryRunBroker
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.apps.config.settings import Settings
from tradecore.apps.replay.venue import venue_config
from tradecore.apps.wiring.broker_factory import build_broker
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.broker_clock import (
    BOUNDARY_TOLERANCE,
    BrokerClock,
    MarketClockMismatch,
    clock_disagreement,
)
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.ledger import Ledger
from tradecore.ports.broker import Broker
from tradecore.ports.clock import Clock
from tradecore.ports.store import Store

#: Wall-clock wait between drain rounds for a real broker's stream.
DRAIN_SETTLE_S = 0.2
#: Longest wait for the emulator's trade updates of one cycle's bars to arrive.
EMULATOR_CATCH_UP_S = 2.0


def settle_for(broker: Broker) -> Callable[[], None]:
    """How long to let the broker's stream catch up between drain rounds."""
    if isinstance(broker, SimulatedBroker | DryRunBroker):
        return lambda: None
    return lambda: time.sleep(DRAIN_SETTLE_S)


def emulator_market(
    settings: Settings,
    interval: timedelta,
    clock: Clock,
    broker: Broker | None = None,
) -> Callable[[Sequence[Bar]], None]:
    """Post each bar to the emulator's market-data control (it owns the market).

    A restart resumes at the emulator's time: the bars an earlier run already showed
    the market are in its past and are not replayed (see :func:`run`).

    With ``broker`` (the Alpaca adapter on the emulator), each call returns only once
    its stream has received every trade update the emulator sent, fills of these
    bars included (up to :data:`EMULATOR_CATCH_UP_S`): the live loop books them
    before the engine decides on the same bars, as a replay does. Without the wait
    a fill crossing the websocket would be booked a cycle late, and a decision in
    between would see the old position (a sell right after a buy refused as
    ``insufficient_qty_available``). The real Alpaca has no such count: this is
    the emulator's (``frames_sent``).
    """
    from tradecore.adapters.alpaca_emulator.client import EmulatorControl

    if settings.broker.kind != "alpaca" or settings.broker.base_url is None:
        raise ConfigurationError(
            '--emulator needs [broker] kind = "alpaca" with base_url at the emulator'
        )
    control = EmulatorControl(settings.broker.base_url)
    if not isinstance(clock, SimClock):
        raise ConfigurationError("--emulator runs on recorded bars (--data DIR)")
    clock.advance_to(max(clock.now(), control.now()))
    caught_up = None if broker is None else _FrameWait(broker, control.state())

    def feed(bars: Sequence[Bar]) -> None:
        control.bars(
            [
                {
                    "symbol": bar.symbol,
                    "t": bar.timestamp.isoformat(),
                    "o": bar.open,
                    "h": bar.high,
                    "l": bar.low,
                    "c": bar.close,
                    "v": bar.volume,
                }
                for bar in bars
            ],
            through=False,
        )
        state = control.advance_to(max(bar.timestamp for bar in bars) + interval)
        if caught_up is not None:
            caught_up(state)

    return feed


class _FrameWait:
    """Waits until the broker's stream received what the emulator sent it.

    The emulator counts every frame it sent to any listener since it started (an
    earlier process's included); the stream counts what it received. The gap at
    the start is not ours; a wait that times out (frames lost with a dropped
    connection, the reconciler's to heal) moves the baseline, so one loss costs one
    timeout, not one per cycle.
    """

    def __init__(self, broker: Broker, state: dict[str, object]) -> None:
        status = getattr(broker, "stream_status", None)
        self._status = status if callable(status) else None
        self._baseline = int(str(state.get("frames_sent", 0)))

    def __call__(self, state: dict[str, object]) -> None:
        if self._status is None:
            return
        expected = int(str(state.get("frames_sent", 0))) - self._baseline
        deadline = time.monotonic() + EMULATOR_CATCH_UP_S
        while (received := int(self._status().frames)) < expected:
            if time.monotonic() >= deadline:
                self._baseline += expected - received
                return
            time.sleep(0.001)


def read_market_clock(broker: Broker) -> BrokerClock | None:
    """The broker's market clock (Alpaca's ``/v2/clock``, also behind a dry run);
    ``None`` when it has none (the simulated broker, a dry run without one)."""
    for candidate in (broker, getattr(broker, "_inner", None)):
        read = getattr(candidate, "market_clock", None)
        if callable(read):
            theirs = read()
            assert isinstance(theirs, BrokerClock)
            return theirs
    return None


def check_market_clock(
    theirs: BrokerClock, calendar: MarketCalendar, now: datetime, *, follows_us: bool
) -> tuple[timedelta, str]:
    """Refuse to trade when the broker's clock and ``calendar`` disagree.

    Returns how far the broker's clock is ahead of ours (the loop judges sessions on
    the broker's clock; zero when ``follows_us``: the run drives it, as it does the
    emulator's with ``--emulator``) and a line for the operator.

    Raises:
        MarketClockMismatch: the broker says open (closed) and the calendar says
            closed (open), away from any boundary (exit code 11).
    """
    why = clock_disagreement(calendar, theirs)
    if why is not None:
        raise MarketClockMismatch(why)
    state = "open" if theirs.is_open else "closed"
    at = theirs.timestamp.isoformat()
    note = f"market: {state} at the broker ({at}), as {calendar.name} says"
    if follows_us:
        return timedelta(0), note
    offset = theirs.timestamp - now
    if abs(offset) > BOUNDARY_TOLERANCE:
        note += f"; sessions judged on the broker's clock, {offset} from ours"
    return offset, note


def _each(show: Callable[[Bar], None]) -> Callable[[Sequence[Bar]], None]:
    def feed(bars: Sequence[Bar]) -> None:
        for bar in bars:
            show(bar)

    return feed


def connect(broker: Broker) -> None:
    """Open the broker's connections (REST session, trade-updates stream) if it has any."""
    connect = getattr(broker, "connect", None)
    if callable(connect):
        connect()


def close(broker: Broker) -> None:
    """Close what :func:`connect` opened (and the store-kept rate limiter's engine)."""
    close = getattr(broker, "close", None)
    if callable(close):
        close()


def stored_books(store: Store, cash: Decimal) -> Ledger | None:
    """The account the store's fills make from ``cash`` (``None``: no fills yet)."""
    with store.unit_of_work() as uow:
        fills = uow.fills.all()
    return Ledger.opening(cash).apply_all(fills) if fills else None


def live_broker(
    settings: Settings,
    clock: Clock,
    frames: list[BarFrame],
    cash: Decimal,
    seed: int,
    dry_run: bool,
    calendar: MarketCalendar,
    store: Store,
) -> tuple[Broker, Callable[[Sequence[Bar]], None] | None]:
    """The configured broker, and how it sees each batch of bars (``None``: it has
    its own market).

    The simulated broker lives in the process, so a restart would meet an account
    that never traded; it opens instead with the books the store's fills make (what
    the account held when the last process stopped), as a real broker would still
    hold them — else the restarted run's exits would sell shares its broker lacks.
    """
    kind = settings.broker.kind
    if kind == "simulated":
        sim = SimulatedBroker(
            clock,
            venue_config("ideal", cash, seed, frames, calendar),
            opening=stored_books(store, cash),
        )
        return (DryRunBroker(clock, sim) if dry_run else sim), _each(sim.on_bar)
    if kind == "alpaca":
        real = build_broker(settings, clock)
        assert real is not None
        return (DryRunBroker(clock, real) if dry_run else real), None
    if dry_run:
        return DryRunBroker(clock, None, cash), None
    raise ConfigurationError(
        f"`tradecore-live run` needs a broker: set [broker] kind (now {kind!r}) to "
        "'alpaca' or 'simulated', or pass --dry-run"
    )
