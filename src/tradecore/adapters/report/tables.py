"""Generic CSV tables from lists of dict rows, written the same way every time."""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np


def columns_of(rows: Sequence[Mapping[str, object]]) -> list[str]:
    """Return every key of ``rows``: first row's order, then new keys as they appear."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(str(key), None)
    return list(seen)


def format_cell(value: object) -> str:
    """Spell one value for a CSV cell: exact decimals, round-trip floats, ISO UTC."""
    if value is None:
        return ""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    value = getattr(value, "value", value)  # enums
    return str(value)


def write_rows_csv(path: Path, rows: Sequence[Mapping[str, object]]) -> None:
    """Write ``rows`` as CSV under a :func:`columns_of` header; missing cells are blank.

    No rows gives an empty file (there is no header to infer).
    """
    header = columns_of(rows)
    with path.open("w", newline="", encoding="utf-8") as stream:
        if not header:
            return
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([format_cell(row.get(name)) for name in header])
