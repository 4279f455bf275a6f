"""``tradecore-live books``: the tax-lot books of the account, from the store.

``blotter --date D`` lists every order and fill of New York session date D (CSV, and
an HTML page beside ``--out``); ``pnl --date D`` the day's realized and unrealized
P&L by symbol and strategy, fees and lots closed; ``lots --symbol S`` a symbol's
open and closed lots; ``tax --year Y`` the Form 8949-style CSV of the lots sold in
Y (wash sales coded W); ``reconcile --date D`` the day's fills and the positions
against the broker's account activities. Every command reads the configured store
(``--config``), or ``--db URL`` (a replay's ``OUT/replay.db`` path works too); lot
relief is ``[books] lot_relief``. Dates are New York session dates, not UTC dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from tradecore.adapters.data.corporate_actions_file import read_corporate_actions
from tradecore.adapters.sqlstore import open_store
from tradecore.apps.config.settings import Settings
from tradecore.apps.ops.books_render import to_csv, to_html, to_text
from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.context import CliContext, cli_context
from tradecore.apps.wiring.errors import cli_errors
from tradecore.domain.books.daily_pnl import daily_pnl, last_prices
from tradecore.domain.books.events import trade_date
from tradecore.domain.books.form_8949 import HEADER, cents, rows_for_year, shares
from tradecore.domain.books.lots import ClosedLot, Lot
from tradecore.domain.books.statement import Difference
from tradecore.domain.books.tax_lots import Books
from tradecore.domain.errors import ConfigurationError, TransientBrokerError
from tradecore.domain.market.corporate_actions import CorporateAction
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.ports.alerts import Alert, Severity
from tradecore.ports.broker import Broker
from tradecore.ports.statements import FillStatement
from tradecore.services.books.history import TradingHistory, read_history

app = CliTyper(
    help="The books: tax lots, wash sales, the day's blotter and P&L, Form 8949.",
    no_args_is_help=True,
)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Read this database instead of the configured store: a URL "
        "(sqlite:///file.db, postgresql+psycopg://...) or a SQLite file "
        "(a replay's OUT/replay.db).",
        show_default=False,
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Write the CSV to this file instead of printing."),
]
ActionsOption = Annotated[
    Path | None,
    typer.Option(
        "--actions",
        help="Corporate actions CSV (splits, renames) carried through the lots.",
    ),
]
DateOption = Annotated[
    str,
    typer.Option(
        "--date", help="New York session date, YYYY-MM-DD.", show_default=False
    ),
]


def _session(day: str) -> date:
    try:
        return date.fromisoformat(day)
    except ValueError:
        raise ConfigurationError(f"--date {day!r}: expected YYYY-MM-DD") from None


def _context(ctx: typer.Context, db: str | None) -> CliContext:
    context = cli_context(ctx)
    if db is None:
        return context
    url = db if "://" in db else f"sqlite:///{Path(db)}"
    if "://" not in db and not Path(db).exists():
        raise ConfigurationError(f"--db {db}: no such file")
    return CliContext(config_path=context.config_path, database_url=url)


def load(ctx: typer.Context, db: str | None) -> tuple[Settings, TradingHistory]:
    """The settings and the store's whole trading history."""
    settings = _context(ctx, db).settings()
    store = open_store(
        settings.store.url,
        durability=settings.store.durability,
        lock_timeout_s=settings.store.lock_timeout_s,
        statement_timeout_s=settings.store.statement_timeout_s,
    )
    try:
        return settings, read_history(store)
    finally:
        store.close()


def _books(
    settings: Settings,
    history: TradingHistory,
    actions: Path | None,
    through: date | None = None,
) -> Books:
    found: Sequence[CorporateAction] = (
        () if actions is None else read_corporate_actions(actions)
    )
    return history.books(
        settings.books.lot_relief,
        identified=settings.books.identified,
        actions=found,
        through=through,
    )


def _emit(text: str, out: Path | None, what: str) -> None:
    if out is None:
        typer.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {what} to {out}", err=True)


# --- blotter -----------------------------------------------------------------------

_TICK = Decimal("0.0001")
BLOTTER_HEADER = (
    "record", "time_utc", "client_order_id", "execution_id", "strategy", "symbol",
    "side", "qty", "order_type", "limit_price", "status", "filled_qty", "price",
    "fee", "reason",
)  # fmt: skip


def _order_row(o: OrderIntent) -> list[str]:
    spec = o.spec
    avg = o.filled_notional / o.filled_qty if o.filled_qty else None
    return [
        "order",
        o.decided_at.isoformat(),
        o.client_order_id,
        "",
        o.decision_key.strategy_id,
        spec.symbol,
        spec.side.value,
        "" if spec.qty is None else str(spec.qty),
        spec.order_type.value,
        "" if spec.limit_price is None else str(spec.limit_price),
        o.status.value,
        str(o.filled_qty),
        "" if avg is None else str(avg.quantize(_TICK)),
        str(o.fees),
        o.reason or "",
    ]


def _fill_row(f: Fill, strategy: str) -> list[str]:
    return [
        "fill", f.filled_at.isoformat(), f.client_order_id, f.execution_id, strategy,
        f.symbol, f.side.value, str(f.qty), "", "", "", "", str(f.price), str(f.fee),
        "",
    ]  # fmt: skip


def blotter_rows(history: TradingHistory, day: date) -> list[list[str]]:
    """The day's orders, then its fills, each in time order."""
    strategies = history.strategies
    orders = [_order_row(o) for o in history.orders_on(day)]
    fills = [
        _fill_row(f, strategies.get(f.client_order_id, ""))
        for f in sorted(history.fills_on(day), key=lambda f: f.filled_at)
    ]
    return orders + fills


@app.command()
def blotter(
    ctx: typer.Context,
    day: DateOption,
    db: DbOption = None,
    out: OutOption = None,
) -> None:
    """Every order and fill of a session day (CSV; with --out also an HTML page)."""
    with cli_errors():
        session = _session(day)
        _, history = load(ctx, db)
        rows = blotter_rows(history, session)
        _emit(to_csv(BLOTTER_HEADER, rows), out, f"{len(rows)} blotter rows")
        if out is not None:
            page = to_html(
                f"Blotter {session.isoformat()}",
                [("orders and fills", (BLOTTER_HEADER, rows))],
            )
            out.with_suffix(".html").write_text(page, encoding="utf-8")


# --- pnl ---------------------------------------------------------------------------

PNL_HEADER = (
    "symbol", "strategy", "lots_closed", "realized", "wash_disallowed",
    "taxable_realized", "unrealized", "fees",
)  # fmt: skip


@app.command()
def pnl(
    ctx: typer.Context,
    day: DateOption,
    db: DbOption = None,
    out: OutOption = None,
    actions: ActionsOption = None,
) -> None:
    """Realized and unrealized P&L of a session day by symbol and strategy.

    Unrealized is marked at each symbol's last fill price up to the day's end.
    """
    with cli_errors():
        session = _session(day)
        settings, history = load(ctx, db)
        books = _books(settings, history, actions, through=session)
        upto = [f for f in history.fills if trade_date(f.filled_at) <= session]
        rows = daily_pnl(
            books,
            session,
            history.fills_on(session),
            history.strategies,
            last_prices(upto),
        )
        table = [
            [
                r.symbol, r.strategy or "-", str(r.lots_closed), cents(r.realized),
                cents(r.wash_disallowed), cents(r.taxable), cents(r.unrealized),
                cents(r.fees),
            ]
            for r in rows
        ]  # fmt: skip
        if out is not None:
            _emit(to_csv(PNL_HEADER, table), out, f"{len(table)} P&L rows")
            return
        for line in to_text(PNL_HEADER, table) if table else ["no trading"]:
            typer.echo(line)


# --- lots --------------------------------------------------------------------------

LOTS_HEADER = (
    "state", "lot_id", "symbol", "qty", "side", "acquired", "opened", "closed",
    "basis", "proceeds", "wash_adjustment", "gain", "term", "strategy",
)  # fmt: skip


def _open_row(lot: Lot) -> list[str]:
    return [
        "open", lot.lot_id, lot.symbol, shares(lot.qty),
        "short" if lot.short else "long", lot.acquired.isoformat(),
        lot.opened.isoformat(), "", cents(lot.basis), "", cents(lot.wash_adjustment),
        "", "", lot.strategy,
    ]  # fmt: skip


def _closed_row(c: ClosedLot) -> list[str]:
    return [
        "closed", c.lot_id, c.symbol, shares(c.qty), "short" if c.short else "long",
        c.acquired.isoformat(), "", c.closed.isoformat(), cents(c.cost_basis),
        cents(c.proceeds), cents(c.wash_disallowed), cents(c.gain), c.term.value,
        c.strategy,
    ]  # fmt: skip


@app.command()
def lots(
    ctx: typer.Context,
    symbol: Annotated[
        str, typer.Option("--symbol", help="The symbol.", show_default=False)
    ],
    as_of: Annotated[
        str | None,
        typer.Option("--date", help="Books as of this New York date (default: all)."),
    ] = None,
    db: DbOption = None,
    out: OutOption = None,
    actions: ActionsOption = None,
) -> None:
    """A symbol's open lots and the lots it closed (wash-sale adjustments per lot)."""
    with cli_errors():
        through = None if as_of is None else _session(as_of)
        settings, history = load(ctx, db)
        books = _books(settings, history, actions, through=through)
        name = symbol.upper()
        rows = [_open_row(lot) for lot in books.lots_of(name)]
        rows += [_closed_row(c) for c in books.closed if c.symbol == name]
        if out is not None:
            _emit(to_csv(LOTS_HEADER, rows), out, f"{len(rows)} lots")
            return
        for line in to_text(LOTS_HEADER, rows) if rows else [f"no lots of {name}"]:
            typer.echo(line)


# --- tax ---------------------------------------------------------------------------


@app.command()
def tax(
    ctx: typer.Context,
    year: Annotated[
        int, typer.Option("--year", help="The tax year.", show_default=False)
    ],
    db: DbOption = None,
    out: OutOption = None,
    actions: ActionsOption = None,
) -> None:
    """Form 8949-style CSV of the lots sold in a year (wash sales coded W).

    Built from every fill in the store: a loss sale in late December is a wash
    sale if replacement shares were bought in the next January.
    """
    with cli_errors():
        if not 1900 <= year <= 9999:
            raise ConfigurationError(f"--year {year}: expected a four-digit year")
        settings, history = load(ctx, db)
        books = _books(settings, history, actions)
        rows = rows_for_year(books.closed, year)
        _emit(to_csv(HEADER, rows), out, f"{len(rows)} Form 8949 rows for {year}")


# --- reconcile ---------------------------------------------------------------------


@app.command()
def reconcile(
    ctx: typer.Context,
    day: DateOption,
    db: DbOption = None,
    actions: ActionsOption = None,
) -> None:
    """Compare a session day's fills and the positions with the broker's statement.

    The broker's FILL account activities of the day against the store's fills (by
    execution id, then symbol, side, quantity and price), and its positions now
    against the lots. Differences are listed and alerted (books.statement_mismatch).
    Exits 4 when the broker cannot be read or keeps no statement.
    """
    with cli_errors():
        session = _session(day)
        settings, history = load(ctx, db)
        books = _books(settings, history, actions)
        differences = _statement_differences(settings, history, books, session)
        if not differences:
            typer.echo(f"clean: the books agree with the broker on {session}")
            return
        for difference in differences:
            typer.echo(difference.line())
        _alert(ctx, db, settings, session, differences)


def _statement_differences(
    settings: Settings, history: TradingHistory, books: Books, session: date
) -> list[Difference]:
    from tradecore.adapters.clock import SystemClock
    from tradecore.apps.wiring.broker_factory import build_broker, close_broker
    from tradecore.services.books.statement_check import check_statement

    broker = build_broker(settings, SystemClock())
    if broker is None:
        raise TransientBrokerError("no broker configured ([broker] kind)")
    try:
        statement = _statement_of(broker)
        return check_statement(history, books, statement, broker.positions(), session)
    finally:
        close_broker(broker)


def _statement_of(broker: Broker) -> FillStatement:
    from tradecore.adapters.alpaca.broker import AlpacaBroker

    if not isinstance(broker, AlpacaBroker):
        raise TransientBrokerError(
            f"{type(broker).__name__} keeps no statement of fills (needs [broker] "
            "kind = alpaca)"
        )
    return broker


def _alert(
    ctx: typer.Context,
    db: str | None,
    settings: Settings,
    session: date,
    differences: Sequence[Difference],
) -> None:
    from tradecore.adapters.clock import SystemClock
    from tradecore.apps.wiring.alerting import build_alert_router

    clock = SystemClock()
    store = open_store(settings.store.url)
    router = build_alert_router(settings.alerts, clock, store=store)
    try:
        router.send(
            Alert(
                severity=Severity.WARNING,
                code="books.statement_mismatch",
                message=f"{len(differences)} difference(s) between the books and "
                f"the broker's statement of {session}",
                raised_at=clock.now(),
                context={
                    "session": session.isoformat(),
                    "differences": [d.line() for d in differences[:20]],
                },
            )
        )
    finally:
        router.close()
        store.close()
