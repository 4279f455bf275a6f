"""``tradecore-replay data fetch|ls|verify|universe``: a local Parquet lake of Alpaca
history.

``fetch`` downloads bars (and the symbols' corporate actions) from Alpaca's data
API with alpaca-py into the lake, asking only for what the lake's manifest does not
hold yet; ``ls`` lists the series held; ``verify`` checks the files against the
manifest and the bars against the exchange's sessions; ``universe`` records
Alpaca's asset list as of a date (what ``--universe DATE`` reads). ``tradecore-replay
run --lake`` replays straight from it (``--recorded SESSION``: a live run's bars).
Layout and manifest: :mod:`tradecore.adapters.data.lake`.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from tradecore.adapters.data.lake import (
    NEW_YORK,
    LakeSelection,
    ParquetLake,
    covered_span,
    day_span,
)
from tradecore.adapters.data.lake_recordings import recorded_frames, recorded_sessions
from tradecore.adapters.data.lake_verify import series_name, verify_lake
from tradecore.apps.wiring.calendars import calendars_between
from tradecore.apps.wiring.choices import DataAdjustment, DataFeed
from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.errors import DATA_PROBLEMS, cli_errors
from tradecore.domain.errors import ConfigurationError, InvalidInput
from tradecore.domain.market.bar_frame import BarFrame, from_ns
from tradecore.domain.market.feeds import ADJUSTMENTS, FEEDS
from tradecore.domain.market.lake import (
    SeriesKey,
    Timeframe,
    TimeRange,
)
from tradecore.services.data.lake_fetch import FetchRequest, fetch_into_lake

data_app = CliTyper(
    help="A local Parquet lake of market data: fetch, list, verify.",
    no_args_is_help=True,
)
#: The newest data a fetch asks for: SIP without the subscription ends there.
RECENT = timedelta(minutes=15)

LakeOption = Annotated[Path, typer.Option("--lake", help="The lake's folder.")]


def register(app: typer.Typer) -> None:
    """Add the ``data`` command group to ``app``."""
    app.add_typer(data_app, name="data")


def parse_day(option: str, text: str) -> date:
    """A ``YYYY-MM-DD`` option value.

    Raises:
        ConfigurationError: anything else.
    """
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(
            f"{option} {text!r} is not a date (YYYY-MM-DD)"
        ) from None


def parse_symbols(text: str) -> tuple[str, ...]:
    """``AAPL,MSFT`` as symbols, checked.

    Raises:
        ConfigurationError: none, or one that is not a US equity ticker.
    """
    symbols = tuple(dict.fromkeys(s.strip().upper() for s in text.split(",")))
    if not symbols or not all(symbols):
        raise ConfigurationError(f"--symbols {text!r}: give tickers, e.g. AAPL,MSFT")
    for symbol in symbols:
        try:
            SeriesKey("iex", "raw", "1Day", symbol)
        except InvalidInput as e:
            raise ConfigurationError(f"--symbols: {symbol!r}: {e.reason}") from None
    return symbols


def _choice(option: str, value: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise ConfigurationError(f"{option} {value!r}: use one of {', '.join(options)}")
    return value


def _timeframe(text: str) -> Timeframe:
    try:
        return Timeframe.parse(text)
    except InvalidInput as e:
        raise ConfigurationError(f"--timeframe {text!r}: {e.reason}") from None


def lake_selection(
    lake: Path,
    symbols: str | None,
    start: str | None,
    end: str | None,
    timeframe: str,
    feed: str | None,
    adjustment: str | None,
    universe: str | None = None,
) -> LakeSelection:
    """What ``run --lake`` replays, checked option by option.

    Raises:
        ConfigurationError: no lake there, no ``--symbols``, a bad date or
            timeframe, or a series the lake does not hold (or holds ambiguously).
    """
    if symbols is None and universe is None:
        raise ConfigurationError(
            "--lake needs --symbols (e.g. --symbols AAPL,MSFT) or --universe DATE"
        )
    listed = None if symbols is None else parse_symbols(symbols)
    first = None if start is None else parse_day("--start", start)
    last = None if end is None else parse_day("--end", end)
    frame = _timeframe(timeframe)
    if feed is not None:
        _choice("--feed", feed, FEEDS)
    if adjustment is not None:
        _choice("--lake-adjustment", adjustment, ADJUSTMENTS)
    held = ParquetLake.existing(lake)
    wanted = (
        _universe_held(held, universe, symbols, frame.text)
        if universe is not None
        else listed or ()
    )
    return held.select(
        wanted, first, last, timeframe=frame.text, feed=feed, adjustment=adjustment
    )


def universe_symbols(lake: ParquetLake, text: str) -> tuple[str, ...]:
    """The members of ``lake``'s universe on ``text`` (``YYYY-MM-DD`` or ``latest``).

    Raises:
        ConfigurationError: a bad date, or no snapshot on or before it.
    """
    if text == "latest":
        dates = lake.universe_dates()
        if not dates:
            raise ConfigurationError(
                f"--universe latest: the lake {lake.root} has no universe snapshot "
                "(take one with tradecore-replay data universe)"
            )
        on = dates[-1]
    else:
        on = parse_day("--universe", text)
    members = tuple(lake.universe(on))
    if not members:
        raise ConfigurationError(f"--universe {text}: no member symbols that day")
    return members


def _universe_held(
    lake: ParquetLake, universe: str, symbols: str | None, timeframe: str
) -> tuple[str, ...]:
    """The universe's members the lake holds bars of (``--symbols`` too, if given)."""
    if symbols is not None:
        raise ConfigurationError("give --symbols or --universe, not both")
    members = universe_symbols(lake, universe)
    held = {k.symbol for k in lake.manifest.series if k.timeframe == timeframe}
    missing = [s for s in members if s not in held]
    if missing:
        typer.echo(
            f"--universe {universe}: no {timeframe} bars of {', '.join(missing)} "
            "in the lake; replaying the others",
            err=True,
        )
    chosen = tuple(s for s in members if s in held)
    if not chosen:
        raise ConfigurationError(
            f"--universe {universe}: the lake holds no {timeframe} bars of its members"
        )
    return chosen


def recorded_frames_of(lake: Path, session: str) -> list[BarFrame]:
    """The bars a live run recorded on ``session`` (``YYYY-MM-DD`` or ``latest``).

    Raises:
        ConfigurationError: a bad date, or nothing recorded that session.
    """
    if session == "latest":
        held = recorded_sessions(lake)
        if not held:
            raise ConfigurationError(f"--recorded latest: nothing recorded in {lake}")
        day = held[-1]
    else:
        day = parse_day("--recorded", session)
    return recorded_frames(lake, day)


@data_app.command()
def fetch(
    start: Annotated[str, typer.Option("--start", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last day (inclusive).")],
    lake: LakeOption,
    symbols: Annotated[
        str | None, typer.Option("--symbols", help="AAPL,MSFT,...")
    ] = None,
    universe: Annotated[
        str | None,
        typer.Option(
            "--universe",
            help="Instead of --symbols: the members of the lake's universe on this "
            "date (YYYY-MM-DD or latest; see data universe).",
        ),
    ] = None,
    timeframe: Annotated[
        str, typer.Option("--timeframe", help="1Min, 5Min, 1Hour, 1Day (1-59Min...).")
    ] = "1Min",
    feed: Annotated[
        DataFeed, typer.Option("--feed", help="Alpaca's data feed.")
    ] = "iex",
    adjustment: Annotated[
        DataAdjustment,
        typer.Option(
            "--adjustment",
            help="Corporate-action adjustment of the bars.",
        ),
    ] = "raw",
    data_url: Annotated[
        str | None,
        typer.Option(
            "--data-url",
            help="Data API origin (default Alpaca's; e.g. the emulator's "
            "http://127.0.0.1:8080).",
        ),
    ] = None,
    requests_per_minute: Annotated[
        float, typer.Option("--requests-per-minute", help="Data API budget.")
    ] = 200.0,
    corporate_actions: Annotated[
        bool,
        typer.Option(
            "--corporate-actions/--no-corporate-actions",
            help="Also fetch the symbols' splits, dividends and renames.",
        ),
    ] = True,
) -> None:
    """Download bars into the lake: only the ranges it does not hold yet.

    Keys come from APCA_API_KEY_ID / APCA_API_SECRET_KEY (or the encrypted
    secrets file), as for tradecore-live.
    """
    with cli_errors():
        wanted = _fetch_symbols(lake, symbols, universe)
        first, last = parse_day("--start", start), parse_day("--end", end)
        if last < first:
            raise ConfigurationError(f"--end {end} is before --start {start}")
        frame = _timeframe(timeframe)
        _choice("--feed", feed, FEEDS)
        _choice("--adjustment", adjustment, ADJUSTMENTS)
        span = _until_recent(day_span(first, last), start)
        history = _history(feed, adjustment, data_url, requests_per_minute)
        request = FetchRequest(
            symbols=wanted,
            timeframe=frame,
            span=span,
            first_day=first,
            last_day=last,
            actions=corporate_actions,
        )
        with ParquetLake(lake).writing() as held:
            report = fetch_into_lake(history, held, request, on_chunk=_progress)
        for symbol in wanted:
            state = " (already held)" if symbol in report.up_to_date else ""
            typer.echo(f"{symbol}: {report.rows[symbol]} {frame.text} bars{state}")
        repeats = history.transport.repeats
        typer.echo(
            f"{len(report.requests)} range request(s), "
            f"{history.transport.sent} HTTP request(s)"
            + (f", repeated: {repeats}" if repeats else "")
        )
        if corporate_actions:
            typer.echo(f"corporate actions: {report.actions}")
        typer.echo(f"lake: {lake} ({feed}/{adjustment})")


def _fetch_symbols(
    lake: Path, symbols: str | None, universe: str | None
) -> tuple[str, ...]:
    if (symbols is None) == (universe is None):
        raise ConfigurationError("give --symbols AAPL,MSFT or --universe DATE")
    if universe is not None:
        return universe_symbols(ParquetLake(lake), universe)
    return parse_symbols(symbols or "")


@data_app.command("universe")
def take_universe(
    lake: LakeOption,
    tradable: Annotated[
        bool, typer.Option("--tradable", help="Only assets tradable at Alpaca.")
    ] = False,
    exchange: Annotated[
        str | None,
        typer.Option("--exchange", help="Only these exchanges, e.g. NASDAQ,NYSE."),
    ] = None,
    fractionable: Annotated[
        bool, typer.Option("--fractionable", help="Only fractionable assets.")
    ] = False,
    shortable: Annotated[
        bool, typer.Option("--shortable", help="Only shortable assets.")
    ] = False,
    on: Annotated[
        str | None,
        typer.Option(
            "--date", help="Date of the snapshot (default: today in New York)."
        ),
    ] = None,
    data_url: Annotated[
        str | None,
        typer.Option(
            "--data-url",
            help="API origin serving /v2/assets (default Alpaca's paper API; e.g. "
            "the emulator's http://127.0.0.1:8080).",
        ),
    ] = None,
) -> None:
    """Record the asset list as of a date: the universe point in time.

    Every US-equity asset Alpaca lists (GET /v2/assets) is kept with its flags in
    universe/date=YYYY-MM-DD/ of the lake; the members are the active ones passing
    the filters. A later snapshot never changes an earlier one: run --universe DATE
    and data fetch --universe DATE use the newest snapshot on or before DATE.
    """
    from tradecore.domain.market.universe import UniverseFilter

    with cli_errors():
        day = datetime.now(NEW_YORK).date() if on is None else parse_day("--date", on)
        rule = UniverseFilter(
            tradable=tradable,
            exchanges=tuple(
                e.strip().upper() for e in (exchange or "").split(",") if e.strip()
            ),
            fractionable=fractionable,
            shortable=shortable,
        )
        assets = _assets(data_url).assets()
        members = ParquetLake(lake).store_universe(day, assets, rule)
        typer.echo(
            f"universe {day}: {members} member(s) of {len(assets)} asset(s) listed "
            f"({rule.describe()})"
        )
        typer.echo(f"lake: {lake}")


def _assets(url: str | None) -> Any:  # alpaca-py is an optional extra
    from tradecore.adapters.alpaca.assets import AlpacaAssets
    from tradecore.adapters.alpaca.config import AlpacaConfig
    from tradecore.apps.config.secrets import alpaca_credentials

    _check_origin(url)
    config = (
        AlpacaConfig()
        if url is None
        else AlpacaConfig(base_url=url, stream_url="ws" + url[4:] + "/stream")
    )
    return AlpacaAssets(config, alpaca_credentials(os.environ))


def _check_origin(data_url: str | None) -> None:
    if data_url is not None and (data_url.endswith("/") or "://" not in data_url):
        raise ConfigurationError(
            f"--data-url {data_url!r}: give an origin such as http://127.0.0.1:8080"
        )


def _until_recent(span: TimeRange, start: str) -> TimeRange:
    """``span`` up to 15 minutes ago: later bars are left for the next fetch."""
    latest = int((datetime.now(UTC) - RECENT).timestamp()) * 1_000_000_000
    if span.start_ns >= latest:
        raise ConfigurationError(f"--start {start} is in the future: nothing to fetch")
    return TimeRange(span.start_ns, min(span.end_ns, latest))


def _progress(symbols: tuple[str, ...], span: TimeRange, rows: int) -> None:
    first = from_ns(span.start_ns).astimezone(NEW_YORK)
    last = from_ns(span.end_ns - 1).astimezone(NEW_YORK)
    typer.echo(
        f"  {','.join(symbols)} {first:%Y-%m-%d} .. {last:%Y-%m-%d}: {rows} bars",
        err=True,
    )


def _history(
    feed: str, adjustment: str, data_url: str | None, per_minute: float
) -> Any:  # alpaca-py is an optional extra: imported (and typed) only here
    from tradecore.adapters.alpaca.config import AlpacaConfig
    from tradecore.adapters.alpaca.history import AlpacaHistory
    from tradecore.adapters.alpaca.ratelimit import TokenBucket
    from tradecore.apps.config.secrets import alpaca_credentials

    _check_origin(data_url)
    if per_minute <= 0:
        raise ConfigurationError("--requests-per-minute must be > 0")
    return AlpacaHistory(
        AlpacaConfig(),
        alpaca_credentials(os.environ),
        feed=feed,
        adjustment=adjustment,
        limiter=TokenBucket.per_minute(per_minute),
        base_url=data_url,
    )


@data_app.command("ls")
def list_lake(lake: LakeOption) -> None:
    """List the series held: symbol, timeframe, feed, adjustment, first, last, rows."""
    with cli_errors():
        held = ParquetLake.existing(lake)
        rows = [
            (
                info.key.symbol,
                info.key.timeframe,
                info.key.feed,
                info.key.adjustment,
                info.first or "-",
                info.last or "-",
                str(info.rows),
            )
            for info in held.series()
        ]
        header = ("symbol", "timeframe", "feed", "adjustment", "first", "last", "rows")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        actions = held.manifest.actions_file
        typer.echo(f"corporate actions: {0 if actions is None else actions.rows}")
        for name, days in (
            ("universe snapshots", held.universe_dates()),
            ("recorded sessions", recorded_sessions(lake)),
        ):
            if days:
                typer.echo(f"{name}: {_dates(days)}")


def _dates(days: list[date]) -> str:
    if len(days) <= 3:
        return ", ".join(d.isoformat() for d in days)
    return f"{len(days)} ({days[0]} .. {days[-1]})"


@data_app.command()
def verify(
    lake: LakeOption,
    calendar: Annotated[
        str, typer.Option("--calendar", help="Exchange calendar of the sessions.")
    ] = "XNYS",
) -> None:
    """Check files against the manifest and bars against the exchange's sessions.

    One line per problem and exit code 12 if there is any; minutes missing in
    regular hours are notes (counts), not problems.
    """
    with cli_errors():
        held = ParquetLake.existing(lake)
        span = covered_span(
            [r for entry in held.manifest.series.values() for r in entry.covered]
        )
        first = date(2000, 1, 3) if span is None else from_ns(span.start_ns).date()
        last = first if span is None else from_ns(span.end_ns).date()
        market = calendars_between(calendar, first, last).regular
        report = verify_lake(held, market)
        for note in report.notes:
            typer.echo(f"note: {note}")
        for problem in report.problems:
            typer.echo(f"problem: {problem}")
        series = held.series()
        if report.problems:
            typer.echo(f"{len(report.problems)} problem(s) in {lake}", err=True)
            raise typer.Exit(DATA_PROBLEMS)
        bars = sum(s.rows for s in series)
        names = ", ".join(series_name(s.key) for s in series[:3])
        more = f" and {len(series) - 3} more" if len(series) > 3 else ""
        typer.echo(f"lake OK: {len(series)} series ({names}{more}), {bars} bars")
