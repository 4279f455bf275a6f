"""Reading what :mod:`.lake_recorder` wrote: the bars a live session was served.

``tradecore-replay run --lake DIR --recorded SESSION`` replays :func:`recorded_frames`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tradecore.adapters.data.lake_recorder import (
    BAR_SCHEMA,
    QUOTE_SCHEMA,
    RECORDED,
    session_folder,
)
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.bar_frame import BarFrame, from_ns
from tradecore.domain.market.bars import Bar, Provenance, Quote

_SCHEMAS = {"bars": BAR_SCHEMA, "quotes": QUOTE_SCHEMA}


def recorded_sessions(root: Path | str) -> list[date]:
    """The sessions recorded in the lake at ``root``, oldest first."""
    folder = Path(root) / RECORDED
    if not folder.is_dir():
        return []
    return sorted(
        date.fromisoformat(p.name.removeprefix("session="))
        for p in folder.iterdir()
        if p.is_dir() and p.name.startswith("session=")
    )


def recorded_table(root: Path | str, session: date, kind: str) -> pa.Table:
    """Every row of ``kind`` recorded on ``session``, in arrival order (run, seq).

    Raises:
        ConfigurationError: nothing recorded that day, or a file unreadable.
    """
    folder = session_folder(Path(root), session, kind)
    files = sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []
    if not files:
        held = ", ".join(d.isoformat() for d in recorded_sessions(root)) or "none"
        raise ConfigurationError(
            f"--recorded {session}: no {kind} recorded that session in {root} "
            f"(recorded sessions: {held})"
        )
    try:
        table = pa.concat_tables(
            [pq.read_table(f, schema=_SCHEMAS[kind]) for f in files]
        )
    except (pa.ArrowException, OSError) as e:
        raise ConfigurationError(
            f"--recorded {session}: a recording in {folder} cannot be read ({e})"
        ) from e
    return table.sort_by(
        [("arrived_at", "ascending"), ("run", "ascending"), ("seq", "ascending")]
    )


def recorded_bars(root: Path | str, session: date) -> list[Bar]:
    """The bars the runs of ``session`` served to their engines, in arrival order.

    Corrections of bars already served are left out (``served`` false: the engine
    never saw them); a bar served twice (two runs of the day) is kept at its first
    arrival.

    Raises:
        ConfigurationError: as :func:`recorded_table`.
    """
    import pyarrow.compute as pc

    table = recorded_table(root, session, "bars")
    served = table.filter(pc.equal(table.column("served"), True))
    stamps = served.column("timestamp").cast(pa.int64())
    served = served.set_column(
        served.schema.get_field_index("timestamp"), "timestamp", stamps
    )
    seen: set[tuple[str, int]] = set()
    bars = []
    for row in served.select(
        ["symbol", "timestamp", "open", "high", "low", "close", "volume", "feed"]
    ).to_pylist():
        stamp = int(row["timestamp"])
        key = (row["symbol"], stamp)
        if key in seen:
            continue
        seen.add(key)
        bars.append(
            Bar(
                symbol=row["symbol"],
                timestamp=from_ns(stamp),
                open=row["open"],
                high=row["high"],
                low=row["low"],
                close=row["close"],
                volume=row["volume"],
                provenance=Provenance(row["feed"]),
            )
        )
    return bars


def recorded_frames(root: Path | str, session: date) -> list[BarFrame]:
    """:func:`recorded_bars` as one frame per symbol (by symbol), for a replay.

    Raises:
        ConfigurationError: as :func:`recorded_table`.
    """
    by_symbol: dict[str, list[Bar]] = {}
    for bar in recorded_bars(root, session):
        by_symbol.setdefault(bar.symbol, []).append(bar)
    return [
        BarFrame.from_bars(s, sorted(by_symbol[s], key=lambda b: b.timestamp))
        for s in sorted(by_symbol)
    ]


def recorded_quotes(root: Path | str, session: date) -> list[Quote]:
    """The quotes the runs of ``session`` received, in arrival order.

    Raises:
        ConfigurationError: as :func:`recorded_table`.
    """
    table = recorded_table(root, session, "quotes")
    for name in ("timestamp",):
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, table.column(name).cast(pa.int64()))
    return [
        Quote(
            symbol=row["symbol"],
            timestamp=from_ns(int(row["timestamp"])),
            bid=row["bid"],
            ask=row["ask"],
            bid_size=row["bid_size"],
            ask_size=row["ask_size"],
            provenance=Provenance(row["feed"]),
        )
        for row in table.select(
            ["symbol", "timestamp", "bid", "ask", "bid_size", "ask_size", "feed"]
        ).to_pylist()
    ]
