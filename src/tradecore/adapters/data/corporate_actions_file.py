"""Read corporate actions from a ``corporate_actions.csv`` file.

Columns (header required; order free; extra columns refused)::

    symbol,kind,ex_date,ratio,cash,new_symbol[,payable_date]
    AAPL,forward_split,2026-03-02,4,,
    AAPL,cash_dividend,2026-03-10,,0.25,
    XYZ,reverse_split,2026-04-01,1/10,,
    FB,name_change,2026-05-02,,,META

``kind`` is one of Alpaca's names (``forward_split``, ``reverse_split``,
``cash_dividend``, ``name_change``). ``ratio`` is new shares per old, as a decimal
(``4``, ``0.1``) or exactly as ``new/old`` (``1/3``). Dates are ISO (``YYYY-MM-DD``).
The file sits next to the bar files (``tradecore-replay run --data DIR``) or is given
with ``--corporate-actions FILE``; the bar loader skips it.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tradecore.domain.errors import BarFileError, InvalidInput
from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction

#: The file's name in a folder of bar files.
CORPORATE_ACTIONS_FILE = "corporate_actions.csv"
_REQUIRED = ("symbol", "kind", "ex_date")
_COLUMNS = frozenset({*_REQUIRED, "ratio", "cash", "new_symbol", "payable_date"})


def read_corporate_actions(path: Path | str) -> list[CorporateAction]:
    """Return the actions in ``path``, in file order.

    Raises:
        BarFileError: a missing or unknown column, or a malformed row (names the
            file, line and field).
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as e:
        raise BarFileError(str(path), "file", None, f"cannot be read: {e}") from e
    if not rows:
        raise BarFileError(str(path), "header", None, "the file is empty")
    header = [name.strip() for name in rows[0]]
    for name in _REQUIRED:
        if name not in header:
            raise BarFileError(str(path), name, None, "missing column", line=1)
    for name in header:
        if name not in _COLUMNS:
            known = ", ".join(sorted(_COLUMNS))
            raise BarFileError(
                str(path), name, None, f"unknown column; {known}", line=1
            )
    actions = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        fields = {n: c.strip() for n, c in zip(header, row, strict=False)}
        actions.append(_action(path, number, fields))
    return actions


def _action(path: Path, line: int, fields: dict[str, str]) -> CorporateAction:
    field = "kind"
    try:
        kind = ActionKind(fields["kind"])
        field = "ex_date"
        ex_date = date.fromisoformat(fields["ex_date"])
        field = "payable_date"
        payable = fields.get("payable_date") or None
        field = "ratio"
        ratio = _ratio(fields.get("ratio", ""))
        field = "cash"
        cash = Decimal(fields["cash"]) if fields.get("cash") else None
        field = "symbol"
        return CorporateAction(
            symbol=fields["symbol"],
            kind=kind,
            ex_date=ex_date,
            ratio=ratio if kind in _SPLITS else None,
            cash=cash if kind is ActionKind.CASH_DIVIDEND else None,
            new_symbol=(fields.get("new_symbol") or None)
            if kind is ActionKind.NAME_CHANGE
            else None,
            payable_date=None if payable is None else date.fromisoformat(payable),
        )
    except InvalidInput as e:
        raise BarFileError(str(path), e.field, e.value, e.reason, line=line) from None
    except (ValueError, InvalidOperation, ZeroDivisionError):
        value = fields.get(field, "")
        raise BarFileError(
            str(path), field, value, "malformed value", line=line
        ) from None


_SPLITS = (ActionKind.FORWARD_SPLIT, ActionKind.REVERSE_SPLIT)


def _ratio(text: str) -> Decimal | None:
    """``4``, ``0.1`` or ``new/old`` (exact: ``1/3``); empty is ``None``."""
    if not text:
        return None
    if "/" in text:
        new, old = text.split("/", 1)
        return Decimal(new.strip()) / Decimal(old.strip())
    return Decimal(text)
