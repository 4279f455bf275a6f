"""What each console page shows, read from the store (never from the broker).

A page must answer fast with a year in the store, so every read here is bounded:
counts by status, the newest rows, the audit log's newest window; the heavier pages
(positions, equity, TCA) read what their subject needs (the day's fills, all fills
for the ledger), never the audit log's history.

Prices for unrealized P&L are each symbol's last fill price in the store (the store
keeps no market marks); the pages say so.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import attrs

from tradecore.adapters.sqlstore import SqlStore
from tradecore.adapters.sqlstore.console_reads import AuditRow, ConsoleReads, Explained
from tradecore.apps.config.settings import Settings, redacted
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.lifecycle import OPEN, TERMINAL
from tradecore.domain.risk.breakers.persisted import APPROVED_PREFIX
from tradecore.domain.risk.kill_request import kill_request_of
from tradecore.domain.strategies.portfolio_halts import is_strategy_halt
from tradecore.ports.clock import Clock

_ZERO = Decimal(0)
#: How many of the newest audit rows the overview searches for a lockout or alert.
AUDIT_WINDOW = 5000
PAGE_SIZE = 50
HEALTH_TIMEOUT_S = 0.3


@attrs.frozen
class ConsoleEnv:
    """What the pages read: the settings, the store, its read queries, the clock."""

    settings: Settings
    store: SqlStore
    reads: ConsoleReads
    clock: Clock


def start_of_day(now: datetime) -> datetime:
    """Midnight UTC of ``now``'s day (the console's "today")."""
    return datetime.combine(now.date(), time(0), tzinfo=UTC)


def overview(env: ConsoleEnv) -> dict[str, Any]:
    """Trading state, breakers and their inputs, lockout, data feed, last cycle,
    component health."""
    now = env.clock.now()
    with env.store.unit_of_work() as uow:
        state = uow.controls.get_trading_state()
        breakers = [b for b in uow.controls.breakers() if not is_strategy_halt(b.name)]
    tripped_inputs = {
        b.name: _payload(env.reads.latest_audit("breaker_tripped", contains=b.name))
        for b in breakers
        if b.tripped
    }
    return {
        "now": now,
        "approved": {b.name for b in breakers if b.reason.startswith(APPROVED_PREFIX)},
        "state": state,
        "kill": kill_request_of(state),
        "breakers": breakers,
        "inputs": tripped_inputs,
        "lockout": env.reads.latest_audit(
            "alert", contains="broker.lockout", window=AUDIT_WINDOW
        ),
        "data": env.settings.data,
        "stale": env.reads.latest_audit(
            "alert", contains="data.stale", window=AUDIT_WINDOW
        ),
        "cycle": last_cycle(env, now),
        "health": health(env),
        "alerts": env.reads.audit_page(kind="alert", limit=5),
    }


def _payload(row: AuditRow | None) -> Mapping[str, Any]:
    return {} if row is None else row.payload


def last_cycle(env: ConsoleEnv, now: datetime) -> dict[str, Any]:
    """The latest trading activity: last decision, today's outcomes and fills,
    intents open by status and how many are stuck."""
    today = start_of_day(now)
    stuck_after = timedelta(seconds=env.settings.alerts.stuck_intent_s)
    with env.store.unit_of_work() as uow:
        open_intents = list(uow.intents.open_intents())
    return {
        "last_decision_at": env.reads.last_decision_at(),
        "outcomes_today": env.reads.outcome_counts_since(today),
        "fills_today": env.reads.fill_count_since(today),
        "open_by_status": env.reads.status_counts(OPEN),
        "open": len(open_intents),
        "stuck": sum(1 for i in open_intents if now - i.updated_at > stuck_after),
    }


def health(env: ConsoleEnv) -> dict[str, Any]:
    """Each component: the store (it answered this page), and, when
    ``[observability]`` serves it, the trading process's ``/health`` (ready or not,
    and every component it checks: broker, data feed, store as *it* sees them)."""
    obs = env.settings.observability
    found: dict[str, Any] = {"store": {"ok": True, "detail": "answered"}}
    if not obs.enabled or obs.port == 0:
        found["trading process"] = {
            "ok": None,
            "detail": "no /health to ask ([observability] port = 0)",
        }
        return found
    url = f"http://{obs.host}:{obs.port}/health"
    body: Any = {}
    try:
        with urllib.request.urlopen(url, timeout=HEALTH_TIMEOUT_S) as answer:  # nosec B310 - the scheme is fixed to http above
            body = json.loads(answer.read())
    except urllib.error.HTTPError as error:  # 503: not ready, with the reasons
        body = _json_or_empty(error.read())
    except OSError as error:
        found["trading process"] = {"ok": False, "detail": f"{url}: {error}"}
        return found
    status = body.get("status", "?") if isinstance(body, dict) else "?"
    found["trading process"] = {"ok": status == "ready", "detail": status}
    components = body.get("components", {}) if isinstance(body, dict) else {}
    for name, check in sorted(components.items()):
        if isinstance(check, dict):
            found[name] = {"ok": check.get("ok"), "detail": check.get("detail", "")}
    return found


def _json_or_empty(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return {}


def marks_of(fills: Sequence[Fill]) -> dict[str, Decimal]:
    """Each symbol's last fill price (the marks the pages price positions at)."""
    marks: dict[str, Decimal] = {}
    for fill in sorted(fills, key=lambda f: f.filled_at):
        marks[fill.symbol] = fill.price
    return marks


def positions(env: ConsoleEnv) -> dict[str, Any]:
    """Ledger positions from the stored fills against the last broker check."""
    with env.store.unit_of_work() as uow:
        fills = list(uow.fills.all())
        checks = list(uow.positions.latest_checks())
    ledger = Ledger.opening(_ZERO).apply_all(fills)
    marks = marks_of(fills)
    rows: list[dict[str, Any]] = []
    values: list[Decimal] = []
    for p in ledger.positions():
        mark = marks.get(p.symbol, p.avg_entry_price)
        values.append(p.qty * mark)
        rows.append(
            {
                "symbol": p.symbol,
                "qty": p.qty,
                "avg": p.avg_entry_price,
                "mark": mark,
                "value": p.qty * mark,
                "unrealized": (mark - p.avg_entry_price) * p.qty,
            }
        )
    return {
        "rows": rows,
        "checks": checks,
        "checked_at": checks[0].checked_at if checks else None,
        "gross": sum((abs(v) for v in values), _ZERO),
        "net": sum(values, _ZERO),
        "unrealized": ledger.unrealized_pnl(marks) if rows else _ZERO,
        "realized": ledger.realized_pnl,
    }


def explained(intent: OrderIntent, why: Explained | None) -> dict[str, Any]:
    """An order with its decision explained: strategy, signal (the target the
    strategy asked for, from what was held, at what price), sizing, execution
    policy and predicted cost (the decision's details), and the outcome."""
    decision = why.decision if why is not None else None
    outcome = why.outcome if why is not None else None
    details: Mapping[str, Any] = decision.details if decision is not None else {}
    policy = details.get("policy")
    policy = policy if isinstance(policy, dict) else {}
    cost = policy.get("cost")
    said = outcome.details if outcome is not None else {}
    return {
        "intent": intent,
        "qty": intent.spec.qty
        if intent.spec.qty is not None
        else f"${intent.spec.notional}",
        "strategy": intent.decision_key.strategy_id,
        "signal": _signal(details),
        "sizing": _short(details.get("sizing")),
        "policy": str(
            said.get("policy") or policy.get("policy") or intent.execution_policy
        ),
        "predicted_bps": cost.get("total_bps") if isinstance(cost, dict) else None,
        "outcome": outcome,
    }


def _signal(details: Mapping[str, Any]) -> str:
    if "target" not in details:
        return "-"
    return (
        f"target {details['target']} (held {details.get('position', '?')}) "
        f"at {details.get('price', '?')}"
    )


def _short(value: object, limit: int = 120) -> str:
    if value is None or value == {}:
        return "-"
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, sort_keys=True, default=str)
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def orders(env: ConsoleEnv) -> dict[str, Any]:
    """Working, stuck and recently finished orders, each with its decision."""
    now = env.clock.now()
    stuck_after = timedelta(seconds=env.settings.alerts.stuck_intent_s)
    with env.store.unit_of_work() as uow:
        working = list(uow.intents.open_intents())[-PAGE_SIZE * 4 :]
    finished = env.reads.newest_intents(TERMINAL, limit=PAGE_SIZE)
    why = env.reads.explain([i.client_order_id for i in (*working, *finished)])
    stuck = [i for i in working if now - i.updated_at > stuck_after]
    return {
        "working": [
            explained(i, why.get(i.client_order_id)) for i in reversed(working)
        ],
        "stuck": [explained(i, why.get(i.client_order_id)) for i in stuck],
        "finished": [explained(i, why.get(i.client_order_id)) for i in finished],
        "stuck_after": stuck_after,
    }


def chosen_day(env: ConsoleEnv, day: date | None) -> dict[str, Any]:
    """The day a dated page shows (``None``: today, UTC) and the newest day with
    fills (a store trading on another clock, the emulator's, is not "today")."""
    shown = day or env.clock.now().date()
    newest = env.reads.last_fill_at()
    return {"day": shown, "newest_fill_day": newest.date() if newest else None}


def equity(env: ConsoleEnv, day: date | None = None) -> dict[str, Any]:
    """A day's P&L curve (today unless ``day``): realized + unrealized at the last
    fill prices, net of fees, after each fill; and its drawdown from the peak."""
    chosen = chosen_day(env, day)
    today = datetime.combine(chosen["day"], time(0), tzinfo=UTC)
    end = today + timedelta(days=1)
    with env.store.unit_of_work() as uow:
        fills = [f for f in uow.fills.all() if f.filled_at < end]
    before = [f for f in fills if f.filled_at < today]
    opening = Ledger.opening(_ZERO).apply_all(before)
    marks = marks_of(before)
    start = opening.equity(marks)
    ledger = opening
    points: list[tuple[datetime, Decimal]] = [(today, _ZERO)]
    for fill in (f for f in fills if f.filled_at >= today):
        ledger = ledger.apply(fill)
        marks[fill.symbol] = fill.price
        points.append((fill.filled_at, ledger.equity(marks) - start))
    peak, worst = _ZERO, _ZERO
    for _, value in points:
        peak = max(peak, value)
        worst = max(worst, peak - value)
    last = points[-1][1]
    return {
        **chosen,
        "points": points,
        "pnl": last,
        "drawdown": peak - last,
        "max_drawdown": worst,
        "peak": peak,
        "fills": len(points) - 1,
        # drawn from the first fill (flat before it), not from midnight
        "svg": svg_path(
            [(points[1][0], _ZERO), *points[1:]] if len(points) > 1 else []
        ),
    }


def svg_path(
    points: Sequence[tuple[datetime, Decimal]], w: int = 600, h: int = 160
) -> str:
    """The curve as an SVG polyline's points (server-drawn: no script, CSP-clean)."""
    if len(points) < 2:
        return ""
    t0, t1 = points[0][0], points[-1][0]
    span = (t1 - t0).total_seconds() or 1.0
    values = [float(v) for _, v in points]
    low, high = min(values), max(values)
    rng = (high - low) or 1.0
    return " ".join(
        f"{(t - t0).total_seconds() / span * w:.1f},{h - (float(v) - low) / rng * h:.1f}"
        for t, v in points
    )


def manifest(env: ConsoleEnv) -> dict[str, Any]:
    """The manifest file configured, the hashes the newest decision was made under,
    the registry's production models and the newest cost model."""
    with env.store.unit_of_work() as uow:
        production = [m for m in uow.models.models() if m.stage.value == "production"]
        cost_model = uow.cost_models.latest()
    newest = env.reads.newest_decision()
    return {
        "manifest_file": env.settings.model.manifest,
        "require_promotion": env.settings.model.require_promotion,
        "decision": newest,
        "production": production,
        "cost_model": cost_model,
    }


def config_view(env: ConsoleEnv) -> str:
    """The effective configuration with every secret shown as ``***``."""
    return json.dumps(redacted(env.settings), indent=2, sort_keys=True, default=str)


def audit(
    env: ConsoleEnv, *, before: int | None, kind: str | None, text: str | None
) -> dict[str, Any]:
    """One page of the audit log (newest first) and the key of the next page."""
    rows = env.reads.audit_page(
        before=before, kind=kind or None, text=text or None, limit=PAGE_SIZE + 1
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return {
        "rows": [(r, json.dumps(r.payload, sort_keys=True)) for r in rows],
        "next": rows[-1].seq if more and rows else None,
        "kind": kind or "",
        "text": text or "",
    }


def fills_and_tca(env: ConsoleEnv, day: date | None = None) -> dict[str, Any]:
    """A day's fills (today unless ``day``; newest first) and its TCA by symbol and
    by strategy (the rollups ``tradecore-live tca`` prints), unfilled parts priced
    at the last fills."""
    from tradecore.apps.ops.tca import live_calendar
    from tradecore.domain.execution.tca_rollup import rollup_executions
    from tradecore.services.execution.tca_store import load_analyses

    chosen = chosen_day(env, day)
    start = datetime.combine(chosen["day"], time(0), tzinfo=UTC)
    fills = env.reads.fills_since(start, until=start + timedelta(days=1))
    calendar = live_calendar()
    with env.store.unit_of_work() as uow:
        analyses = load_analyses(
            uow, marks_of(fills), session_date=chosen["day"], calendar=calendar
        )
    return {
        **chosen,
        "fills": list(reversed(fills))[: PAGE_SIZE * 4],
        "count": len(fills),
        "by_symbol": rollup_executions(analyses, "symbol", calendar)
        if analyses
        else [],
        "by_strategy": rollup_executions(analyses, "strategy", calendar)
        if analyses
        else [],
    }
