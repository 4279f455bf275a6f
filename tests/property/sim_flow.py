"""Drive a SimulatedBroker through an order flow and record its event log.

Shared by the property tests and the cross-process determinism test (which imports
it in subprocesses with different PYTHONHASHSEED values).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from tests.calendars import xnys
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.domain.errors import BrokerError
from tradecore.domain.execution.fees import FeeModel
from tradecore.domain.hashing import canonical_bytes
from tradecore.domain.market.bars import Bar
from tradecore.domain.orders.events import OrderEvent
from tradecore.domain.orders.spec import Bracket, OrderSpec, OrderType, Side
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel

START = datetime(2026, 1, 5, 13, 30, tzinfo=UTC)
SYMBOLS = ("AAPL", "MSFT")

#: One step of a flow: ("bar", symbol, open, high, low, close, volume),
#: ("submit", symbol, side, qty, limit offset in bps or None), ("cancel", nth order),
#: ("replace", nth order, new qty).
Step = tuple[Any, ...]


def make_broker(seed: int, model: FillModel) -> tuple[SimulatedBroker, SimClock]:
    """Return a broker on a fresh clock at the session open."""
    clock = SimClock(START)
    config = VenueConfig(
        calendar=xnys(),
        seed=seed,
        fill_model=model,
        fee_model=FeeModel.us_regulatory(per_share=Decimal("0.002")),
        starting_cash=Decimal(1_000_000),
        random_reject_rate=0.05,
    )
    return SimulatedBroker(clock, config), clock


def run_flow(
    broker: SimulatedBroker, clock: SimClock, steps: Sequence[Step]
) -> list[OrderEvent]:
    """Apply ``steps`` (bars advance the clock one minute) and return every event."""
    events: list[OrderEvent] = []
    placed: list[str] = []
    last = dict.fromkeys(_symbols(steps), 100.0)
    for n, step in enumerate(steps):
        if step[0] == "bar":
            _, symbol, o, h, low, c, volume = step
            bar = Bar(
                symbol=str(symbol),
                timestamp=clock.now(),
                open=float(o),
                high=float(h),
                low=float(low),
                close=float(c),
                volume=float(volume),
            )
            broker.on_bar(bar)
            last[bar.symbol] = bar.close
            events += _advance(broker, clock, clock.now() + timedelta(minutes=1))
            continue
        with contextlib.suppress(BrokerError):  # refusals are legal outcomes
            _request(broker, step, n, placed, last)
        events += broker.poll_events()
    events += _advance(broker, clock, clock.now() + timedelta(minutes=5))
    return events


def _request(
    broker: SimulatedBroker,
    step: Step,
    n: int,
    placed: list[str],
    last: dict[str, float],
) -> None:
    if step[0] == "submit":
        _, symbol, side, qty, offset_bps = step
        spec = _spec(str(symbol), Side(side), Decimal(str(qty)), offset_bps, last)
        placed.append(broker.submit(f"flow-{n}", spec).broker_order_id)
    elif placed and step[0] == "cancel":
        broker.cancel(placed[int(step[1]) % len(placed)])
    elif placed and step[0] == "replace":
        target = placed[int(step[1]) % len(placed)]
        new = broker.replace(
            target, client_order_id=f"flow-{n}-r", qty=Decimal(str(step[2]))
        )
        placed.append(new.broker_order_id)


def _spec(
    symbol: str, side: Side, qty: Decimal, offset_bps: object, last: dict[str, float]
) -> OrderSpec:
    if offset_bps is None:
        return OrderSpec(symbol=symbol, side=side, qty=qty)
    price = Decimal(str(round(last[symbol] * (1 + float(offset_bps) / 1e4), 2)))
    bracket = None
    if side is Side.BUY and qty > 50:
        bracket = Bracket(
            take_profit_limit=price + Decimal(2), stop_loss_stop=price - Decimal(2)
        )
    return OrderSpec(
        symbol=symbol,
        side=side,
        qty=qty,
        order_type=OrderType.LIMIT,
        limit_price=price,
        bracket=bracket,
    )


def _advance(
    broker: SimulatedBroker, clock: SimClock, until: datetime
) -> list[OrderEvent]:
    events: list[OrderEvent] = []
    while (due := broker.next_event_at()) is not None and due <= until:
        clock.advance_to(max(due, clock.now()))
        events += broker.poll_events()
    clock.advance_to(until)
    return events + list(broker.poll_events())


def _symbols(steps: Sequence[Step]) -> list[str]:
    """The symbols the bars and orders of ``steps`` name, in first-seen order."""
    named = (str(s[1]) for s in steps if s[0] in ("bar", "submit"))
    return list(dict.fromkeys([*SYMBOLS, *named]))


def random_steps(
    flow_seed: int, n: int = 800, symbols: Sequence[str] = SYMBOLS
) -> list[Step]:
    """Return a reproducible random walk of bars and orders (its own seed).

    800 steps pass the session close, so day orders expire and late orders reject.
    ``symbols`` (the seed matrix's sets, tests/seed_matrix.py) draws from that many.
    """
    rng = np.random.default_rng(flow_seed)
    price = dict.fromkeys(symbols, 100.0)
    steps: list[Step] = []
    for _ in range(n):
        symbol = symbols[int(rng.integers(len(symbols)))]
        roll = float(rng.random())
        if roll < 0.6:
            o = price[symbol]
            c = round(o * float(np.exp(rng.normal(0, 0.004))), 2)
            h, low = max(o, c) + 0.05, min(o, c) - 0.05
            steps.append(("bar", symbol, o, h, low, c, float(rng.integers(100, 5000))))
            price[symbol] = c
        elif roll < 0.85:
            side = "buy" if rng.random() < 0.6 else "sell"
            offset = None if rng.random() < 0.4 else int(rng.integers(-30, 30))
            steps.append(("submit", symbol, side, int(rng.integers(1, 400)), offset))
        elif roll < 0.95:
            steps.append(("cancel", int(rng.integers(100))))
        else:
            steps.append(("replace", int(rng.integers(100)), int(rng.integers(1, 50))))
    return steps


def event_log_digest(
    seed: int, flow_seed: int = 0, symbols: Sequence[str] = SYMBOLS
) -> str:
    """Return the sha256 of the canonical event log of one realistic run."""
    broker, clock = make_broker(seed, FillModel.realistic())
    events = run_flow(broker, clock, random_steps(flow_seed, symbols=symbols))
    return hashlib.sha256(canonical_bytes(events)).hexdigest()
