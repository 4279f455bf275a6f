"""Round trips and the report's trip rows built without attrs' ``__init__`` are
the objects their constructors build.

``research.trades.round_trips`` makes each :class:`RoundTrip` and the report's
``analysis._trip_rows_of`` each :class:`TripRow` with ``trusted_builder`` (no
validator to run, no ``object.__setattr__`` per field). For any field values,
the built object must be of the class, equal to the constructor's, with the
same value in every field, hashed alike, and still frozen.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.report.analysis import TripRow, _trip_row
from tradecore.domain.research.trades import RoundTrip, _round_trip

_DECIMALS = st.decimals(allow_nan=False, allow_infinity=False, places=3)
_TIMES = st.datetimes(timezones=st.just(UTC))
_TRIPS = st.fixed_dictionaries(
    {
        "symbol": st.text(max_size=4),
        "direction": st.sampled_from([1, -1]),
        "qty": _DECIMALS,
        "entry_price": _DECIMALS,
        "exit_price": _DECIMALS,
        "opened_at": _TIMES,
        "closed_at": _TIMES,
        "fees": _DECIMALS,
        "pnl": _DECIMALS,
    }
)


def _same(built: object, made: object) -> None:
    assert type(built) is type(made)
    assert built == made
    assert hash(built) == hash(made)
    for field in attrs.fields(type(made)):
        assert getattr(built, field.name) is getattr(made, field.name)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.qty = Decimal(1)  # type: ignore[attr-defined]


@settings(max_examples=100, deadline=None)
@given(fields=_TRIPS, ret=st.floats(), mae=st.floats(), mfe=st.floats())
def test_built_trips_and_rows_are_the_constructors(
    fields: dict[str, object], ret: float, mae: float, mfe: float
) -> None:
    trip = _round_trip(**fields)
    _same(trip, RoundTrip(**fields))  # type: ignore[arg-type]
    made = TripRow(trip=trip, ret=ret, mae=mae, mfe=mfe)
    built = _trip_row(trip=trip, ret=ret, mae=mae, mfe=mfe)
    assert type(built) is TripRow
    assert built.trip is trip
    assert [built.ret, built.mae, built.mfe] == [made.ret, made.mae, made.mfe] or (
        repr((built.ret, built.mae, built.mfe)) == repr((made.ret, made.mae, made.mfe))
    )
    assert built.cells() == made.cells()
    assert built.as_row() == made.as_row() or repr(built.as_row()) == repr(
        made.as_row()
    )


def test_a_trip_row_stays_frozen() -> None:
    at = datetime(2024, 1, 2, tzinfo=UTC)
    trip = _round_trip(
        symbol="A", direction=1, qty=Decimal(1), entry_price=Decimal(1),
        exit_price=Decimal(2), opened_at=at, closed_at=at, fees=Decimal(0),
        pnl=Decimal(1),
    )  # fmt: skip
    row = _trip_row(trip=trip, ret=0.5, mae=0.0, mfe=0.5)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        row.ret = 1.0  # type: ignore[misc]
    assert row == TripRow(trip=trip, ret=0.5, mae=0.0, mfe=0.5)
