"""The lake's point-in-time universe: one snapshot of the asset list per date.

Layout::

    LAKE/universe/date=2026-01-05/assets.parquet   symbol, exchange, status, tradable,
                                                   fractionable, shortable,
                                                   easy_to_borrow, marginable, member

Every asset listed that day is kept with its flags; ``member`` says whether it passed
the filter the snapshot was taken with (kept in the file's metadata as
``tradecore.filter``). A snapshot is replaced whole (temporary file, fsync, rename):
a reader sees the old one or the new one. Nothing is ever deleted: a symbol that
goes inactive stays a member of the earlier dates, and its bars stay in the lake.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tradecore.adapters.data import _lake_manifest as mf
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.universe import AssetRecord, UniverseFilter, snapshot_on

UNIVERSE = "universe"
FILE = "assets.parquet"
_FLAGS = (
    "tradable",
    "fractionable",
    "shortable",
    "easy_to_borrow",
    "marginable",
)
SCHEMA = pa.schema(
    [
        ("symbol", pa.string()),
        ("exchange", pa.string()),
        ("status", pa.string()),
        *((n, pa.bool_()) for n in _FLAGS),
        ("member", pa.bool_()),
    ]
)


def snapshot_path(root: Path, on: date) -> Path:
    """Where the snapshot of ``on`` is kept."""
    return root / UNIVERSE / f"date={on.isoformat()}" / FILE


def store(
    root: Path, on: date, assets: Sequence[AssetRecord], rule: UniverseFilter
) -> int:
    """Keep ``assets`` as the snapshot of ``on`` (replacing one of that date).

    Returns the number of members.
    """
    rows = [
        {
            "symbol": a.symbol,
            "exchange": a.exchange,
            "status": a.status,
            **{n: getattr(a, n) for n in _FLAGS},
            "member": rule.admits(a),
        }
        for a in sorted(assets, key=lambda a: a.symbol)
    ]
    table = pa.Table.from_pylist(rows, schema=SCHEMA).replace_schema_metadata(
        {"tradecore.filter": rule.describe()}
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    path = snapshot_path(root, on)
    path.parent.mkdir(parents=True, exist_ok=True)
    mf.write_atomic(path, sink.getvalue().to_pybytes())
    return sum(1 for r in rows if r["member"])


def dates(root: Path) -> list[date]:
    """The dates with a snapshot, oldest first."""
    folder = root / UNIVERSE
    if not folder.is_dir():
        return []
    return sorted(
        date.fromisoformat(p.name.removeprefix("date="))
        for p in folder.iterdir()
        if p.name.startswith("date=") and (p / FILE).is_file()
    )


def assets_on(root: Path, on: date) -> tuple[date, list[AssetRecord], list[str]]:
    """The snapshot in force on ``on``: its date, every asset, the members.

    Raises:
        ConfigurationError: no snapshot on or before ``on``, or one unreadable.
    """
    held = dates(root)
    chosen = snapshot_on(held, on)
    if chosen is None:
        first = held[0].isoformat() if held else "none"
        raise ConfigurationError(
            f"--universe {on}: the lake {root} has no universe snapshot on or before "
            f"that date (first: {first}; take one with tradecore-replay data universe)"
        )
    try:
        table = pq.read_table(snapshot_path(root, chosen), schema=SCHEMA)
    except (pa.ArrowException, OSError) as e:
        raise ConfigurationError(
            f"--universe {on}: {snapshot_path(root, chosen)} cannot be read ({e})"
        ) from e
    assets, members = [], []
    for row in table.to_pylist():
        assets.append(
            AssetRecord(
                symbol=row["symbol"],
                exchange=row["exchange"],
                status=row["status"],
                **{n: bool(row[n]) for n in _FLAGS},
            )
        )
        if row["member"]:
            members.append(row["symbol"])
    return chosen, assets, members
