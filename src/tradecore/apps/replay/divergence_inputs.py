"""What ``tradecore-replay divergence`` compares, read from stores and the lake.

Each store's decisions of one session become :class:`DecisionSide` rows: the
decision's outcome, its order (the intent its outcome names, and the slices whose
parent it is), the fills of those orders and the position held when deciding. A
decision is keyed by the bar it was made on: in the replay the latest bar closed by
the decision's time, live the latest bar *received* by then (its arrival stamp in
the recording), so a live decision taken late on a late bar still pairs with the
replay's decision on that bar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from tradecore.adapters.data.lake_recordings import recorded_table
from tradecore.adapters.sqlstore import open_store
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.bar_frame import BarFrame, from_ns
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.money import to_price
from tradecore.domain.orders.records import DecisionRecord, OutcomeRecord
from tradecore.domain.research.divergence import (
    BarArrival,
    DecisionSide,
    Execution,
    bar_decided_on,
)

#: US equity sessions are dated in New York.
SESSION_ZONE = ZoneInfo("America/New_York")
#: One symbol's bars as (known at, bar start), sorted by known at.
KnownBars = Mapping[str, Sequence[tuple[datetime, datetime]]]


@attrs.frozen(kw_only=True)
class StoreDay:
    """One store's decisions of a session, and the hashes they were made under."""

    sides: list[DecisionSide]
    strategy_ids: frozenset[str]
    config_hashes: frozenset[str]
    #: The signed manifests the decisions were made under (none: paper, unsigned).
    manifest_hashes: frozenset[str]


def store_url(text: str) -> str:
    """A database URL as given, or ``sqlite:///PATH`` for a path to a file.

    Raises:
        ConfigurationError: a path that is not a file.
    """
    if "://" in text:
        return text
    path = Path(text)
    if not path.is_file():
        raise ConfigurationError(f"--store {text}: no such database file")
    return f"sqlite:///{path}"


def shown_url(url: str) -> str:
    """``url`` as a report may show it: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(a database URL that does not parse)"


def session_of(at: datetime) -> date:
    """The (New York) session date of a UTC time."""
    return at.astimezone(SESSION_ZONE).date()


def session_start(session: date) -> datetime:
    """Midnight in New York starting ``session``, in UTC: where its records begin."""
    return datetime.combine(session, time(0), tzinfo=SESSION_ZONE).astimezone(UTC)


def live_arrivals(lake: Path, session: date) -> dict[tuple[str, datetime], datetime]:
    """When the live run first received each (symbol, bar start) it was served.

    Raises:
        ConfigurationError: nothing recorded that session.
    """
    table = recorded_table(lake, session, "bars")
    served = table.filter(pc.equal(table.column("served"), True))
    arrivals: dict[tuple[str, datetime], datetime] = {}
    stamps = served.column("timestamp").cast(pa.int64()).to_pylist()
    arrived = served.column("arrived_at").cast(pa.int64()).to_pylist()
    for symbol, stamp, at in zip(
        served.column("symbol").to_pylist(), stamps, arrived, strict=True
    ):
        key = (symbol, from_ns(int(stamp)))
        arrivals.setdefault(key, from_ns(int(at)))  # rows are in arrival order
    return arrivals


def known_live(arrivals: Mapping[tuple[str, datetime], datetime]) -> KnownBars:
    """Each symbol's bars by arrival: what live knew when."""
    known: dict[str, list[tuple[datetime, datetime]]] = {}
    for (symbol, bar_at), at in arrivals.items():
        known.setdefault(symbol, []).append((at, bar_at))
    return {s: sorted(rows) for s, rows in known.items()}


def known_replay(frames: Sequence[BarFrame], interval: timedelta) -> KnownBars:
    """Each symbol's bars by close: what the replay knew when."""
    return {
        f.symbol: [
            (from_ns(int(ns)) + interval, from_ns(int(ns))) for ns in f.timestamps
        ]
        for f in frames
    }


def lags(
    arrivals: Mapping[tuple[str, datetime], datetime], interval: timedelta
) -> dict[tuple[str, datetime], BarArrival]:
    """Each recorded bar's arrival minus its close."""
    return {
        key: BarArrival(lag=at - (key[1] + interval)) for key, at in arrivals.items()
    }


def session_marks(frames: Sequence[BarFrame]) -> dict[str, Decimal]:
    """Each symbol's last close of the session: the mark of the P&L effects."""
    return {f.symbol: to_price(float(f.close[-1])) for f in frames if len(f)}


def read_day(
    url: str, session: date, known: KnownBars, interval: timedelta
) -> StoreDay:
    """The decisions of ``session`` in the store at ``url``, as comparable sides."""
    since = session_start(session)
    store = open_store(url, durability="normal")
    try:
        with store.unit_of_work() as uow:
            decisions = [
                d
                for d in uow.decisions.decisions_since(since)
                if session_of(d.decided_at) == session
            ]
            outcomes = {o.decision_id: o for o in uow.decisions.outcomes_since(since)}
            intents = uow.intents.by_status_since(since, *IntentStatus)
            fills = [f for i in intents for f in uow.fills.for_order(i.client_order_id)]
    finally:
        store.close()
    orders = _orders_by_root(intents)
    fills_of: dict[str, list[Fill]] = {}
    for fill in sorted(fills, key=lambda f: (f.filled_at, f.execution_id)):
        fills_of.setdefault(fill.client_order_id, []).append(fill)
    sides = [
        _side(d, outcomes.get(d.decision_id), orders, fills_of, known, interval)
        for d in decisions
    ]
    return StoreDay(
        sides=sides,
        strategy_ids=frozenset(d.strategy_id for d in decisions),
        config_hashes=frozenset(d.config_hash for d in decisions),
        manifest_hashes=frozenset(
            d.manifest_hash for d in decisions if d.manifest_hash
        ),
    )


def _orders_by_root(intents: Sequence[OrderIntent]) -> dict[str, list[OrderIntent]]:
    """Each order with the slices placed under it (children name their parent)."""
    by_root: dict[str, list[OrderIntent]] = {}
    for intent in intents:
        root = intent.parent_client_order_id or intent.client_order_id
        by_root.setdefault(root, []).append(intent)
    return by_root


def _side(
    decision: DecisionRecord,
    outcome: OutcomeRecord | None,
    orders: Mapping[str, list[OrderIntent]],
    fills_of: Mapping[str, list[Fill]],
    known: KnownBars,
    interval: timedelta,
) -> DecisionSide:
    bar_at = bar_decided_on(decision.decided_at, known.get(decision.symbol, ()))
    cid = None if outcome is None else outcome.client_order_id
    mine = orders.get(cid, []) if cid else []
    head = next((i for i in mine if i.client_order_id == cid), None)
    executions = tuple(
        Execution(qty=f.qty, price=f.price, fee=f.fee)
        for i in mine
        for f in fills_of.get(i.client_order_id, [])
    )
    rejected = head is not None and head.status is IntentStatus.REJECTED
    reason = "no outcome recorded" if outcome is None else outcome.reason
    position = decision.details.get("position")
    return DecisionSide(
        strategy_id=decision.strategy_id,
        symbol=decision.symbol,
        # No bar known by then (not recorded): the bar that would have closed then.
        bar_at=bar_at or decision.decided_at - interval,
        decided_at=decision.decided_at,
        outcome="failed" if outcome is None else outcome.kind.value,
        reason=reason or (head.reason if head is not None else None),
        side=None if head is None else head.spec.side.value,
        ordered_qty=(None if head is None else head.spec.qty) or Decimal(0),
        rejected=rejected,
        executions=executions,
        position=None if position is None else Decimal(str(position)),
    )
