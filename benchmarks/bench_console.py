"""The operator console's overview under a year's worth of store: under 200 ms?

A SQLite store is seeded with 100,000 audit rows (a valid hash chain: alerts,
breaker trips, state changes, reconciliation notes) and 10,000 intents (9,950
filled, each with its decision, outcome and fill; 50 still working); ``--quick``
seeds a tenth. The console is served by uvicorn on a loopback port, as
``tradecore-live console`` serves it, and a keep-alive HTTP client asks for the
overview (bearer token) N times: the median and the 95th percentile are printed,
and the median's ratio to the issue's 200 ms target (below 1 is within it). The
deepest audit page (keyset pagination, ``before`` = the 10th row) is timed the
same way, against the first page: keyset pages cost the same wherever they are.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import httpx
import uvicorn

from tradecore.adapters.sim import SimClock
from tradecore.adapters.sqlstore import codec, open_store
from tradecore.adapters.sqlstore import tables as t
from tradecore.apps.config.console import ConsoleSettings, OperatorSettings
from tradecore.apps.config.settings import Settings
from tradecore.apps.console.app import Console, build_app
from tradecore.apps.console.auth import token_digest
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import (
    GENESIS_HASH,
    DecisionRecord,
    OutcomeKind,
    OutcomeRecord,
    audit_row_hash,
)
from tradecore.domain.orders.spec import OrderSpec, Side

TARGET_MS = 200.0
TOKEN = "bench-console-token"  # noqa: S105 - a benchmark's throwaway store
DAY = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
KINDS = ("alert", "breaker_tripped", "trading_state_changed", "reconcile_discrepancy")
SYMBOLS = ("AAPL", "MSFT", "NVDA", "AMZN", "GOOG")


def _seed_audit(store_engine: object, rows: int) -> None:
    prev, batch = GENESIS_HASH, []
    with store_engine.begin() as conn:  # type: ignore[attr-defined]
        for seq in range(1, rows + 1):
            kind = KINDS[seq % len(KINDS)]
            at = DAY - timedelta(seconds=rows - seq)
            payload = {"code": f"bench.{kind}", "message": f"row {seq}", "n": seq}
            row_hash = audit_row_hash(prev, kind, at, payload)
            batch.append(
                {
                    "seq": seq,
                    "recorded_at": at,
                    "kind": kind,
                    "payload": codec.canonical_json(payload),
                    "prev_hash": prev,
                    "row_hash": row_hash,
                }
            )
            prev = row_hash
            if len(batch) == 5000:
                conn.execute(t.audit_log.insert(), batch)
                batch = []
        if batch:
            conn.execute(t.audit_log.insert(), batch)
        conn.execute(t.audit_head.insert(), {"id": 1, "seq": rows, "row_hash": prev})


def _intent(i: int, working: bool) -> tuple[OrderIntent, DecisionRecord, Fill | None]:
    symbol, qty = SYMBOLS[i % len(SYMBOLS)], Decimal(10 + i % 7)
    side = Side.BUY if i % 2 else Side.SELL
    at = DAY - timedelta(seconds=(10_000 - i) * 2)
    key = DecisionKey(
        strategy_id="bench",
        symbol=symbol,
        side=side,
        session_date=at.date(),
        horizon="1m",
        signal_hash=f"s{i}",
        qty=qty,
        version=1,
    )
    intent = OrderIntent.create(
        key, OrderSpec(symbol=symbol, side=side, qty=qty), decided_at=at
    )
    decision = DecisionRecord(
        decision_id=intent.client_order_id[:32],
        strategy_id="bench",
        symbol=symbol,
        decided_at=at,
        details={
            "target": str(qty),
            "position": "0",
            "price": "100",
            "client_order_id": intent.client_order_id,
        },
    )
    if working:
        acked = attrs.evolve(intent, status=IntentStatus.ACKED, broker_order_id=f"b{i}")
        return acked, decision, None
    fill = Fill(
        execution_id=f"x{i}",
        client_order_id=intent.client_order_id,
        symbol=symbol,
        side=side,
        qty=qty,
        price=Decimal("100.00") + i % 13,
        filled_at=at + timedelta(seconds=1),
    )
    filled = attrs.evolve(
        intent,
        status=IntentStatus.FILLED,
        broker_order_id=f"b{i}",
        filled_qty=qty,
        filled_notional=qty * fill.price,
        execution_ids=(fill.execution_id,),
        updated_at=fill.filled_at,
    )
    return filled, decision, fill


def _seed_orders(store: object, n: int) -> None:
    intents, decisions, outcomes, fills = [], [], [], []
    for i in range(n):
        intent, decision, fill = _intent(i, working=i >= n - 50)
        intents.append(codec.intent_row(intent))
        decisions.append(decision)
        outcomes.append(
            OutcomeRecord(
                decision_id=decision.decision_id,
                kind=OutcomeKind.SUBMITTED,
                recorded_at=decision.decided_at,
                client_order_id=intent.client_order_id,
            )
        )
        if fill is not None:
            fills.append(fill)
    with store.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(t.intents.insert(), intents)
    with store.unit_of_work() as uow:  # type: ignore[attr-defined]
        for decision, outcome in zip(decisions, outcomes, strict=True):
            uow.decisions.record_decision(decision)
            uow.decisions.record_outcome(outcome)
        for fill in fills:
            uow.fills.record(fill)
        uow.controls.set_breaker("daily_loss", tripped=True, reason="bench trip")
        uow.commit()


def _timed_ms(client: httpx.Client, path: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")
    return times


def _serve(console: Console) -> tuple[uvicorn.Server, threading.Thread, str]:
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(console), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


def run(quick: bool) -> list[str]:
    """Seed, serve, time the overview and a deep audit page; return the lines."""
    audit_rows, intents, n = (10_000, 1_000, 20) if quick else (100_000, 10_000, 50)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}", upgrade=True)
        started = time.perf_counter()
        _seed_audit(store.engine, audit_rows)
        _seed_orders(store, intents)
        seeded = time.perf_counter() - started
        operators = {
            "bench": OperatorSettings(token_sha256=token_digest(TOKEN), role="read")
        }
        settings = Settings(console=ConsoleSettings(operators=operators))
        console = Console(settings, store, clock=SimClock(DAY + timedelta(minutes=5)))
        server, thread, url = _serve(console)
        try:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            with httpx.Client(base_url=url, headers=headers) as client:
                _timed_ms(client, "/", 3)  # warm: templates compiled, pages cached
                overview = _timed_ms(client, "/", n)
                first = _timed_ms(client, "/audit", n)
                deep = _timed_ms(client, "/audit?before=10", n)
        finally:
            server.should_exit = True
            thread.join(10)
            store.close()
    median = statistics.median(overview)
    p95 = sorted(overview)[int(len(overview) * 0.95) - 1]
    return [
        f"store: {audit_rows:,} audit rows, {intents:,} intents (+ decisions, "
        f"outcomes, fills) seeded in {seeded:.1f} s",
        f"overview GET /: median {median:.1f} ms, p95 {p95:.1f} ms over {n} requests; "
        f"median / {TARGET_MS:.0f} ms target = {median / TARGET_MS:.2f}",
        f"audit first page {statistics.median(first):.1f} ms, deepest page "
        f"(before=10) {statistics.median(deep):.1f} ms: ratio "
        f"{statistics.median(deep) / statistics.median(first):.2f} (keyset on seq)",
    ]
