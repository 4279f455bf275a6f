"""Plumbing shared by the comparison scripts: arguments, the bar folder, the rule.

Each ``*_sma_cross.py`` script beside this file runs as its own process and imports
this module by its folder (the script's folder is on ``sys.path``). Nothing here
imports tradecore: the comparison frameworks read the same files with pandas, as a
user of theirs would.

What every script must reproduce, from tradecore's ``sma_cross`` with
``--fill-model ideal`` (``domain/strategies/sma_cross.py``, ``domain/venue/fill_models.py``,
``services/trading/replay.py``):

* per symbol, a fast and a slow simple moving average of the close; nothing happens
  until the slow one has ``slow`` closes;
* the state goes long when ``fast - slow > 0`` and flat when ``< 0``; a gap within
  ``TIE_TOLERANCE`` (relative to slow) is a tie and keeps the state; only a change of
  state acts;
* the order (buy ``qty`` shares, or sell the whole position) is sent when the bar
  closes and fills whole at the *next* bar's open, without fees or slippage; an order
  decided on a symbol's last bar never fills;
* final equity = cash + position x last close, to the cent.

``reference.py`` computes this rule exactly (integer micro-units, no float) and is what
the harness checks every engine against, tradecore included.
"""

from __future__ import annotations

import argparse
import json
import time
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pandas as pd

#: Same as ``tradecore.domain.strategies.sma_cross.TIE_TOLERANCE``.
TIE_TOLERANCE = 1e-9
CENT = Decimal("0.01")
COLUMNS = ["open", "high", "low", "close", "volume"]


def parse_args(description: str) -> argparse.Namespace:
    """Parse the command line every comparison script shares."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", type=Path, required=True, help="folder of bar files")
    parser.add_argument("--fast", type=int, default=10)
    parser.add_argument("--slow", type=int, default=30)
    parser.add_argument("--qty", type=int, default=100)
    parser.add_argument("--cash", type=Decimal, default=Decimal(10_000_000))
    args = parser.parse_args()
    if not 1 <= args.fast < args.slow or args.qty < 1:
        parser.error("need 1 <= fast < slow and qty >= 1")
    return args


def read_folder(folder: Path) -> dict[str, pd.DataFrame]:
    """Read ``SYMBOL.csv`` / ``SYMBOL.parquet`` files into frames, by symbol.

    Each frame has the ``COLUMNS`` as floats and a UTC ``DatetimeIndex`` of bar
    *starts* (the files' ``timestamp``), sorted.

    Raises:
        SystemExit: the folder holds no bar file.
    """
    frames = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".parquet":
            table = pd.read_parquet(path)
        elif path.suffix == ".csv":
            table = pd.read_csv(path)
        else:
            continue
        stamps = pd.to_datetime(table["timestamp"], utc=True, format="ISO8601")
        frame = table[COLUMNS].astype("float64")
        frame.index = pd.DatetimeIndex(stamps, name="timestamp")
        frames[path.stem] = frame.sort_index()
    if not frames:
        raise SystemExit(f"no SYMBOL.csv or SYMBOL.parquet file in {folder}")
    return frames


def flip(fast: float, slow: float, long: bool) -> bool | None:
    """Return the new state when the averages call for a change, else ``None``."""
    gap = fast - slow
    if gap != gap or abs(gap) <= TIE_TOLERANCE * slow or (gap > 0) == long:
        return None
    return gap > 0


def cents(value: float | Decimal) -> Decimal:
    """Round to the cent, half-even (as tradecore reports money)."""
    return Decimal(repr(value) if isinstance(value, float) else value).quantize(
        CENT, ROUND_HALF_EVEN
    )


def emit(
    framework: str,
    version: str,
    *,
    bars: int,
    fills: int,
    final_equity: Decimal,
    started: float,
    **extra: object,
) -> None:
    """Print the one machine-readable result line (JSON) the harness parses."""
    line = {
        "framework": framework,
        "version": version,
        "bars": bars,
        "fills": fills,
        "final_equity": str(cents(final_equity)),
        "wall_seconds": round(time.perf_counter() - started, 3),
        **extra,
    }
    print(json.dumps(line, sort_keys=True), flush=True)
