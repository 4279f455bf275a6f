"""The lake's corporate-actions table: one Parquet file of domain actions.

Columns ``symbol``, ``kind`` (the domain's :class:`ActionKind` value), ``ex_date``,
``ratio`` and ``cash`` (exact decimals as text), ``new_symbol``, ``payable_date``;
rows sorted by ex-date, symbol, kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pyarrow as pa

from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction

ACTION_SCHEMA = pa.schema(
    [
        ("symbol", pa.string()),
        ("kind", pa.string()),
        ("ex_date", pa.date32()),
        ("ratio", pa.string()),
        ("cash", pa.string()),
        ("new_symbol", pa.string()),
        ("payable_date", pa.date32()),
    ]
)


def merge_dates(spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Sort inclusive date ranges and join those that overlap or touch."""
    merged: list[tuple[date, date]] = []
    for a, b in sorted(spans):
        if merged and a.toordinal() <= merged[-1][1].toordinal() + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def action_order(action: CorporateAction) -> tuple[date, str, str]:
    """The table's row order: ex-date, symbol, kind."""
    return action.ex_date, action.symbol, action.kind.value


def action_table(actions: Sequence[CorporateAction]) -> pa.Table:
    """``actions`` as the table's rows."""
    rows = [
        {
            "symbol": a.symbol,
            "kind": a.kind.value,
            "ex_date": a.ex_date,
            "ratio": None if a.ratio is None else str(a.ratio),
            "cash": None if a.cash is None else str(a.cash),
            "new_symbol": a.new_symbol,
            "payable_date": a.payable_date,
        }
        for a in actions
    ]
    return pa.Table.from_pylist(rows, schema=ACTION_SCHEMA)


def action_from_row(row: dict[str, object]) -> CorporateAction:
    """One row of the table as the domain's action."""

    def decimal(value: object) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    return CorporateAction(
        symbol=str(row["symbol"]),
        kind=ActionKind(str(row["kind"])),
        ex_date=row["ex_date"],  # type: ignore[arg-type]
        ratio=decimal(row["ratio"]),
        cash=decimal(row["cash"]),
        new_symbol=row["new_symbol"],  # type: ignore[arg-type]
        payable_date=row["payable_date"],  # type: ignore[arg-type]
    )
