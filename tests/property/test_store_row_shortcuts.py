"""The durable path's row shortcuts answer as the full computation.

* A decision or outcome row is validated by plain checks, the records' validators
  running only when those are not sure (``hot_path.decision_row`` /
  ``outcome_row``): for any record, tampered past its validators or not, the row
  functions raise exactly when the validators do, and a row they return is the
  row of the record as stored.
* SQLite's time text (``sqlite_rows.timestamp``) is spelled from the instant's
  fields, its day kept: it equals ``isoformat``'s text for any instant, in any
  offset.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecore.adapters.sqlstore import hot_path, sqlite_rows
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)

#: Values a tampered field may take: valid ones, blanks, wrong types, naive and
#: non-UTC times, symbols the ticker rule refuses.
ODD_VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "d-1",
            "AAPL",
            "aapl",
            "BRK.B",
            "A A",
            None,
            1,
            b"x",
            OutcomeKind.SUBMITTED,
            "submitted",
            datetime(2024, 3, 1, 14, 30),
            datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5))),
            T0,
        ]
    ),
    st.text(max_size=8),
)


def _decision() -> DecisionRecord:
    return DecisionRecord(
        decision_id="d-1",
        strategy_id="s",
        symbol="AAPL",
        decided_at=T0,
        details={"target": "10"},
    )


def _outcome() -> OutcomeRecord:
    return OutcomeRecord(
        decision_id="d-1",
        kind=OutcomeKind.SUBMITTED,
        recorded_at=T0,
        client_order_id="c-1",
        details={"ack": "received"},
    )


def _tampered(record: Any, field: str, value: object) -> Any:
    object.__setattr__(record, field, value)  # past the validators
    return record


def _validators_pass(record: object) -> bool:
    try:
        attrs.validate(record)  # type: ignore[arg-type]
    except InvalidInput:
        return False
    return True


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@given(
    field=st.sampled_from([f.name for f in attrs.fields(DecisionRecord)]),
    value=ODD_VALUES,
)
def test_decision_rows_are_refused_exactly_when_the_validators_refuse(
    dialect: str, field: str, value: object
) -> None:
    record = _tampered(_decision(), field, value)
    if not _validators_pass(record):
        with pytest.raises(InvalidInput):
            hot_path.decision_row(dialect, record)
        return
    try:
        row = hot_path.decision_row(dialect, record)
    except (TypeError, ValueError, AttributeError):
        return  # a value no row can hold (the validators do not look at it)
    assert row[0] == record.decision_id
    assert len(row) == len(sqlite_rows.DECISION_COLUMNS)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@given(
    field=st.sampled_from([f.name for f in attrs.fields(OutcomeRecord)]),
    value=ODD_VALUES,
)
def test_outcome_rows_are_refused_exactly_when_the_validators_refuse(
    dialect: str, field: str, value: object
) -> None:
    record = _tampered(_outcome(), field, value)
    if not _validators_pass(record):
        with pytest.raises(InvalidInput):
            hot_path.outcome_row(dialect, record)
        return
    try:
        row = hot_path.outcome_row(dialect, record)
    except (TypeError, ValueError, AttributeError):
        return  # a value no row can hold (the validators do not look at it)
    assert row[0] == record.decision_id
    assert len(row) == len(sqlite_rows.OUTCOME_COLUMNS)


@given(
    at=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    offset_minutes=st.integers(-23 * 60, 23 * 60),
)
def test_sqlite_time_text_is_isoformat_text(at: datetime, offset_minutes: int) -> None:
    utc = at.replace(tzinfo=UTC)
    expected = utc.isoformat(" ", "microseconds")[:26]
    assert sqlite_rows.timestamp(utc) == expected
    assert sqlite_rows.timestamp(utc) == expected  # kept: the same text again
    elsewhere = utc.astimezone(timezone(timedelta(minutes=offset_minutes)))
    assert sqlite_rows.timestamp(elsewhere) == expected
