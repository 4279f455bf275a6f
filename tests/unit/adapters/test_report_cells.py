"""The CSV cell spellings: the fast ones per exact type match the general function."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pytest

from tradecore.adapters.report.tables import _format_cell, format_cell
from tradecore.adapters.sqlstore import export

VALUES = [
    None,
    "text",
    Decimal("0.00"),
    Decimal("-1.5E+3"),
    7,
    True,
    0.1,
    -2.5e-300,
    math.nan,
    math.inf,
    -math.inf,
    np.float64(1.25),
    np.float64(math.nan),
    datetime(2024, 3, 1, 14, 30, 0, 5, tzinfo=UTC),
    datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2024, 3, 1, 14, 30),  # naive: spelled as is
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_every_cell_is_spelled_as_the_general_path_spells_it(value: object) -> None:
    assert format_cell(value) == _format_cell(value)


@pytest.mark.parametrize(
    "text", ["2024-01-02 15:00:00.000000", "2024-01-02 15:00:00.000123", "2024-01-02"]
)
def test_iso_utc_remembered_is_the_parsed_spelling(text: str) -> None:
    expected = datetime.fromisoformat(text).replace(tzinfo=UTC).isoformat()
    assert export.iso_utc(text) == expected
    assert export.iso_utc(text) == expected  # the remembered one
