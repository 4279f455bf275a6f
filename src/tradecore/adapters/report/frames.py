"""A replay's results as pandas objects with real dtypes (a notebook's view).

Why here: tradecore itself never imports pandas (the ``notebook`` extra brings it);
this module is imported only when a notebook asks a result for a frame.

Dtypes, promised and tested:

* every timestamp column is ``datetime64[ns, UTC]``; the equity Series' index is a
  UTC ``DatetimeIndex``;
* the ledger's records (``fills``: ``qty``, ``price``, ``fee``; ``orders``:
  ``arrival_price``, ``filled_qty``, ``filled_notional``, ``fees``) keep exact
  :class:`~decimal.Decimal` values (``object`` columns): they are what the ledger
  booked, and sums of them must match it to the cent;
* ``trades`` (round trips, an analysis) are ``float64`` (``pnl``, ``fees``,
  prices, ``return``, ``mae``, ``mfe``) with ``duration`` as ``timedelta64[ns]``;
  the exact figures are in ``trades.csv`` and the fills;
* JSON text columns (decisions' ``details``, orders' ``spec``) are parsed to dicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from numpy.typing import NDArray

from tradecore.adapters.report.analysis import TripRow

Rows = Iterable[Mapping[str, object]]

#: Each table's columns in order, and how each is typed ("time", "decimal", "json",
#: "float", "int", "str").
SCHEMAS: dict[str, dict[str, str]] = {
    "fills": {
        "filled_at": "time", "symbol": "str", "side": "str", "qty": "decimal",
        "price": "decimal", "fee": "decimal", "client_order_id": "str",
        "execution_id": "str",
    },
    "decisions": {
        "decision_id": "str", "decided_at": "time", "strategy_id": "str",
        "symbol": "str", "inputs_hash": "str", "config_hash": "str",
        "details": "json",
    },
    "outcomes": {
        "decision_id": "str", "kind": "str", "reason": "str",
        "client_order_id": "str", "recorded_at": "time",
    },
    "orders": {
        "client_order_id": "str", "decided_at": "time", "updated_at": "time",
        "strategy_id": "str", "symbol": "str", "side": "str", "status": "str",
        "spec": "json", "arrival_price": "decimal", "filled_qty": "decimal",
        "filled_notional": "decimal", "fees": "decimal", "execution_policy": "str",
        "reason": "str", "parent_client_order_id": "str", "broker_order_id": "str",
    },
    "trades": {
        "symbol": "str", "direction": "str", "qty": "float", "entry_time": "time",
        "entry_price": "float", "exit_time": "time", "exit_price": "float",
        "pnl": "float", "fees": "float", "return": "float", "duration": "timedelta",
        "mae": "float", "mfe": "float",
    },
}  # fmt: skip


def equity_series(
    stamps_ns: NDArray[np.int64], values: NDArray[np.float64]
) -> pd.Series:
    """The equity curve: float64 values on a UTC ``DatetimeIndex`` named ``timestamp``."""
    index = pd.DatetimeIndex(
        pd.to_datetime(np.asarray(stamps_ns, dtype=np.int64), unit="ns", utc=True),
        name="timestamp",
    )
    return pd.Series(np.asarray(values, dtype=np.float64), index=index, name="equity")


def stats_series(statistics: Mapping[str, object]) -> pd.Series:
    """The statistics by name (``object`` dtype: numbers, hashes, names, durations).

    Decimals become floats (a statistic, not a booked amount); durations
    ``pandas.Timedelta``.
    """
    values: dict[str, Any] = {}
    for key, value in statistics.items():
        if isinstance(value, Decimal):
            value = float(value)
        elif hasattr(value, "total_seconds"):
            value = pd.Timedelta(value)
        values[key] = value
    return pd.Series(values, dtype=object, name="statistics")


def table_frame(name: str, rows: Rows) -> pd.DataFrame:
    """A store table (``fills``, ``decisions``, ``outcomes``, ``orders``) as typed."""
    schema = SCHEMAS[name]
    records = [dict(row) for row in rows]
    frame = pd.DataFrame.from_records(records, columns=list(schema))
    for column, kind in schema.items():
        frame[column] = _typed(frame[column], kind)
    return frame


def trades_frame(trips: Sequence[TripRow]) -> pd.DataFrame:
    """Round trips: FIFO-matched (research.trades), with return, MAE and MFE."""
    records = []
    for trip in trips:
        row = trip.as_row()
        del row["duration_s"]
        row["duration"] = pd.Timedelta(trip.duration)
        records.append(row)
    frame = pd.DataFrame.from_records(records, columns=list(SCHEMAS["trades"]))
    for column, kind in SCHEMAS["trades"].items():
        frame[column] = _typed(frame[column], kind)
    return frame


def _typed(column: pd.Series, kind: str) -> pd.Series:
    if kind == "time":
        text = column.map(lambda v: v if v is None else str(v).replace("Z", "+00:00"))
        return pd.to_datetime(text, utc=True, format="ISO8601").astype(
            "datetime64[ns, UTC]"
        )
    if kind == "decimal":
        return column.map(lambda v: None if v is None else Decimal(str(v))).astype(
            object
        )
    if kind == "json":
        return column.map(_parsed).astype(object)
    if kind == "float":
        return column.map(lambda v: np.nan if v is None else float(v)).astype(
            np.float64
        )
    if kind == "timedelta":
        return pd.to_timedelta(column).astype("timedelta64[ns]")
    return column.astype(object)


def _parsed(value: object) -> object:
    if isinstance(value, str):
        return json.loads(value) if value else None
    return value
