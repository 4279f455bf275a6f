"""``tca``: transaction-cost rollups of a replay folder or of one live trading day.

``tradecore-replay tca OUT`` reads ``OUT/replay.db`` (unfilled parts priced at the
replay's last closes, ``OUT/marks.json``); ``tradecore-live tca --date D`` reads the
configured store's orders of session day D. Both print the same tables, grouped by
symbol, day, policy and strategy: orders, fill ratio, implementation shortfall and
its parts (bps of decision notional), predicted vs realized cost and the error, and
the P&L split into gross alpha, costs and timing; then each sliced parent's status
aggregated from its children.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from tradecore.adapters.calendar import ExchangeCalendar
from tradecore.adapters.calendar.exchange import DEFAULT_BOUNDS
from tradecore.adapters.sqlstore import open_store
from tradecore.apps.wiring.context import cli_context, open_configured_store
from tradecore.apps.wiring.cost_models import MARKS_FILE
from tradecore.apps.wiring.errors import cli_errors
from tradecore.apps.wiring.portfolio_config import PORTFOLIO_FILE, report_dir_of
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.execution.parent_status import aggregate_parent
from tradecore.domain.execution.tca import ExecutionAnalysis
from tradecore.domain.execution.tca_rollup import (
    GROUPINGS,
    TcaRollup,
    rollup_executions,
)
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.intent import OrderIntent
from tradecore.ports.store import Store
from tradecore.services.execution.tca_store import load_analyses, sliced_children

_COLUMNS = (
    ("key", 16),
    ("orders", 6),
    ("fill%", 6),
    ("IS bps", 8),
    ("delay", 7),
    ("spread", 7),
    ("impact", 7),
    ("oppty", 7),
    ("fees", 6),
    ("pred", 7),
    ("real", 7),
    ("err", 7),
    ("alpha $", 11),
    ("costs $", 10),
    ("timing $", 10),
    ("net $", 11),
)


def _bps(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _row(r: TcaRollup) -> list[str]:
    costs = r.spread_cost + r.impact_cost + r.fees
    return [
        r.key,
        str(r.orders),
        f"{r.fill_ratio:.0%}",
        _bps(r.shortfall_bps),
        _bps(r.delay_bps),
        _bps(r.spread_bps),
        _bps(r.impact_bps),
        _bps(r.opportunity_bps),
        _bps(r.fees_bps),
        _bps(r.predicted_cost_bps),
        _bps(r.realized_cost_bps),
        _bps(r.mean_error_bps),
        f"{r.gross_alpha:.2f}",
        f"{costs:.2f}",
        f"{r.timing:.2f}",
        f"{r.net_pnl:.2f}",
    ]


def live_calendar() -> MarketCalendar:
    """The live app's market: XNYS (US equities on Alpaca), over the adapter's range.

    The store's orders carry no calendar, so the session days of ``tradecore-live
    tca`` and ``cost-model calibrate`` are the NYSE's.
    """
    return ExchangeCalendar("XNYS").schedule(*DEFAULT_BOUNDS)


def rollup_lines(
    analyses: Sequence[ExecutionAnalysis], calendar: MarketCalendar | None = None
) -> list[str]:
    """Return the four rollup tables as text lines (a header line per grouping).

    ``calendar`` makes the "day" rows the exchange's trading days; ``None`` the
    recorded session dates.
    """
    if not analyses:
        return ["no orders"]
    header = " ".join(name.rjust(width) for name, width in _COLUMNS)
    lines = []
    for by in GROUPINGS:
        lines += [f"by {by}", header]
        for rollup in rollup_executions(analyses, by, calendar):
            cells = _row(rollup)
            lines.append(
                " ".join(c.rjust(w) for c, (_, w) in zip(cells, _COLUMNS, strict=True))
            )
        lines.append("")
    return lines


def parent_lines(children: Mapping[str, Sequence[OrderIntent]]) -> list[str]:
    """One line per sliced parent: policy, children, filled of ordered, status."""
    if not children:
        return []
    lines = ["sliced parents", f"{'parent':>40} {'policy':>6} {'kids':>4} "
             f"{'filled':>10} {'ordered':>10} status"]  # fmt: skip
    for parent, kids in children.items():
        progress = aggregate_parent(
            kids[0].decision_key.qty, kids, slices_remaining=False
        )
        lines.append(
            f"{parent:>40} {kids[0].execution_policy:>6} {len(kids):>4} "
            f"{progress.filled_qty:>10} {kids[0].decision_key.qty:>10} "
            f"{progress.status.value}"
        )
    return lines


def _report(
    store: Store,
    marks: dict[str, Decimal],
    day: date | None = None,
    calendar: MarketCalendar | None = None,
) -> list[str]:
    """The TCA text; ``day`` and the "day" rows are ``calendar``'s trading days
    (``None``: the session dates recorded in the orders' keys, the UTC date)."""
    try:
        with store.unit_of_work() as uow:
            analyses = load_analyses(uow, marks, session_date=day, calendar=calendar)
            children = {
                parent: kids
                for parent, kids in sliced_children(uow).items()
                if day is None or _day_of(kids[0], calendar) == day
            }
    finally:
        store.close()
    return [*rollup_lines(analyses, calendar), *parent_lines(children)]


def _day_of(intent: OrderIntent, calendar: MarketCalendar | None) -> date:
    if calendar is None:
        return intent.decision_key.session_date
    return calendar.trading_day(intent.decided_at)


def attribution_lines(summary: Mapping[str, object], where: str) -> list[str]:
    """A portfolio's per-strategy P&L (its ``portfolio`` summary block, read from
    ``where``): market, costs and net per strategy; ``[]`` for any other run."""
    block = summary.get("portfolio")
    if not isinstance(block, Mapping) or not isinstance(
        block.get("attribution"), Mapping
    ):
        return []
    lines = [
        f"by strategy of the portfolio (attribution, {where})",
        f"{'strategy':>16} {'market $':>12} {'costs $':>10} {'net $':>12}",
    ]
    for name, row in sorted(block["attribution"].items()):
        lines.append(
            f"{name:>16} {float(row['market']):>12.2f} "
            f"{float(row['costs']):>10.2f} {float(row['net']):>12.2f}"
        )
    return [*lines, ""]


def _read_json(path: Path) -> dict[str, object]:
    """The JSON object in ``path``; ``{}`` when there is none."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _echo_all(lines: Iterable[str], echo: Callable[[str], None] = typer.echo) -> None:
    for line in lines:
        echo(line)


def replay_tca(
    out: Annotated[Path, typer.Argument(help="A replay's report folder.")],
) -> None:
    """Print TCA rollups of a replay (by symbol, day, policy and strategy)."""
    with cli_errors():
        db = out / "replay.db"
        if not db.exists():
            raise ConfigurationError(f"{out} holds no replay ({db} is missing)")
        marks_file = out / MARKS_FILE
        marks = {}
        if marks_file.exists():
            marks = {
                k: Decimal(v) for k, v in json.loads(marks_file.read_text()).items()
            }
        _echo_all(_report(open_store(f"sqlite:///{db}"), marks))
        summary = out / "summary.json"
        _echo_all(attribution_lines(_read_json(summary), str(summary)))


def live_tca(
    ctx: typer.Context,
    day: Annotated[
        str, typer.Option("--date", help="Session day, YYYY-MM-DD.", show_default=False)
    ],
) -> None:
    """Print TCA rollups of one session day's orders in the configured store."""
    with cli_errors():
        try:
            session = date.fromisoformat(day)
        except ValueError:
            raise ConfigurationError(f"--date {day!r}: expected YYYY-MM-DD") from None
        store = open_configured_store(ctx)
        _echo_all(_report(store, {}, session, live_calendar()))
        folder = report_dir_of(cli_context(ctx).settings().store.url)
        if folder is not None:  # a live portfolio's last run (not only that day)
            path = folder / PORTFOLIO_FILE
            block = _read_json(path)
            _echo_all(attribution_lines({"portfolio": block}, f"last run, {path}"))
