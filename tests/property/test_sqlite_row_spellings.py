"""The write-behind flush's SQLite rows, spelled inline, are the general rows.

* ``IntentRows.values`` reads plain decimals, kept UTC instants, enum values and
  a one-fill id list inline: for any intent, tampered past its validators or not,
  the row equals ``intent_values`` of ``codec.to_json``'s key and spec texts, and
  it raises exactly when that does.
* ``fill_row``, ``decision_row`` and ``outcome_row`` do the same for their
  columns: each equals the row spelled through ``decimal_text``, ``timestamp``
  (or the ``time`` passed) and ``.value``, and raises exactly when that does.
* ``DecisionMirror.record_decision`` appends a decision that sorts last instead of
  placing it by binary search: the mirror's order is the sorted order whatever
  order decisions come in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import intent as make_intent
from tradecore.adapters.sqlstore import codec, sqlite_rows
from tradecore.adapters.sqlstore.memory import DecisionMirror
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord
from tradecore.domain.orders.spec import OrderType, Side

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)

#: Values a tampered field may take: valid ones of every column, wrong types,
#: non-finite decimals, naive, non-UTC and other-UTC-object times, id lists.
ODD_VALUES = st.one_of(
    st.none(),
    st.text(max_size=4),
    st.integers(-2, 2),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.lists(st.text(max_size=3), max_size=3).map(tuple),
    st.dictionaries(
        st.one_of(st.text(max_size=3), st.integers(0, 2)),
        st.one_of(st.text(max_size=3), st.integers(), st.decimals(allow_nan=True)),
        max_size=3,
    ),
    st.sampled_from(
        [
            "",
            "AAPL",
            'x"\\\n',
            "é",
            Decimal("-0"),
            Decimal("1E+2"),
            Decimal("NaN"),
            Decimal("Infinity"),
            date(2024, 3, 1),
            datetime(2024, 3, 1, 14, 30),  # naive
            T0,
            T0 + timedelta(microseconds=7),
            T0.astimezone(timezone(timedelta(hours=-5))),
            T0.astimezone(timezone.utc),  # noqa: UP017 - another UTC object
            Side.BUY,
            Side.SELL,
            OrderType.LIMIT,
            IntentStatus.FILLED,
            OutcomeKind.SUBMITTED,
            ("x-1",),
            ("x-1", "x-2"),
            (1,),
            ["x-1"],
            (),
            {"ack": "received"},
            {"ack": "unknown"},
            {"ack": ["received"]},
            {"é": "\n"},
            {1: "a"},
        ]
    ),
)


def _tampered(value: Any, changes: dict[str, object]) -> Any:
    for name, changed in changes.items():
        object.__setattr__(value, name, changed)  # past the validators
    return value


def _changes(cls: type) -> st.SearchStrategy[dict[str, object]]:
    names = [f.name for f in attrs.fields(cls)]
    return st.dictionaries(st.sampled_from(names), ODD_VALUES, max_size=3)


def _result(build: Callable[[], object]) -> object:
    """The row, or that it raised (which error comes first may differ when
    several columns are broken: either way the flush fails)."""
    try:
        return build()
    except Exception:
        return "raised"


def _general_intent_row(intent: OrderIntent) -> list[Any]:
    key_json = codec.to_json(intent.decision_key)
    spec_json = codec.to_json(intent.spec)
    return sqlite_rows.intent_values(intent, key_json, spec_json)


def _filled_intent() -> OrderIntent:
    return _tampered(
        make_intent(),
        {
            "status": IntentStatus.FILLED,
            "filled_qty": Decimal(100),
            "filled_notional": Decimal("6236.00"),
            "fees": Decimal("0.00"),
            "arrival_price": Decimal("62.36"),
            "execution_ids": ("x-1",),
            "updated_at": T0 + timedelta(seconds=1),
        },
    )


@settings(max_examples=500, deadline=None)
@given(
    changes=_changes(OrderIntent),
    key_changes=st.dictionaries(
        st.sampled_from(["strategy_id", "side", "qty"]), ODD_VALUES, max_size=1
    ),
    spec_changes=st.dictionaries(
        st.sampled_from(["symbol", "side", "qty", "limit_price"]),
        ODD_VALUES,
        max_size=1,
    ),
    same_instant=st.booleans(),
)
def test_an_intent_row_is_the_general_row(
    changes: dict[str, object],
    key_changes: dict[str, object],
    spec_changes: dict[str, object],
    same_instant: bool,
) -> None:
    intent = _filled_intent()
    if same_instant:  # one object for both times, as a new intent has
        _tampered(intent, {"updated_at": intent.decided_at})
    _tampered(intent.decision_key, key_changes)
    _tampered(intent.spec, spec_changes)
    intent = _tampered(intent, changes)
    rows = sqlite_rows.IntentRows()
    spelled = _result(lambda: list(rows.values(intent)))
    assert spelled == _result(lambda: _general_intent_row(intent))
    if spelled != "raised":
        values = list(spelled)  # type: ignore[call-overload]
        assert rows.insert(intent) == tuple(values)
        assert rows.update(intent, 4) == (*values[1:], values[0], 4)


def _fill() -> Fill:
    return Fill(
        execution_id="x-1",
        client_order_id="c-1",
        symbol="AAPL",
        side=Side.BUY,
        qty=Decimal(100),
        price=Decimal("62.36"),
        fee=Decimal("0.00"),
        filled_at=T0,
    )


def _general_fill_row(fill: Fill) -> tuple[Any, ...]:
    decimal, time = sqlite_rows.decimal_text, sqlite_rows.timestamp
    return (
        fill.execution_id,
        fill.client_order_id,
        fill.symbol,
        fill.side.value,
        decimal(fill.qty),
        decimal(fill.price),
        decimal(fill.fee),
        time(fill.filled_at),
    )


@settings(max_examples=400, deadline=None)
@given(changes=_changes(Fill))
def test_a_fill_row_is_the_general_row(changes: dict[str, object]) -> None:
    fill = _tampered(_fill(), changes)
    sqlite_rows.timestamp(T0)  # the instant's text kept, as in a run
    assert _result(lambda: sqlite_rows.fill_row(fill)) == _result(
        lambda: _general_fill_row(fill)
    )


def _decision() -> DecisionRecord:
    return DecisionRecord(
        decision_id="d-1",
        strategy_id="s",
        symbol="AAPL",
        decided_at=T0,
        inputs_hash="i",
        config_hash="c",
        details={"price": "62.36", "target": "100"},
    )


def _outcome() -> OutcomeRecord:
    return OutcomeRecord(
        decision_id="d-1",
        kind=OutcomeKind.SUBMITTED,
        recorded_at=T0,
        client_order_id="c-1",
        details={"ack": "received"},
    )


def _other_time(value: datetime) -> str:
    """Another dialect's bind rule: must be used even for a kept instant."""
    return "other " + sqlite_rows.timestamp(value)


@settings(max_examples=300, deadline=None)
@given(
    changes=_changes(DecisionRecord),
    time=st.sampled_from([sqlite_rows.timestamp, _other_time]),
)
def test_a_decision_row_is_the_general_row(
    changes: dict[str, object], time: sqlite_rows.Time
) -> None:
    record = _tampered(_decision(), changes)
    sqlite_rows.timestamp(T0)
    general = _result(
        lambda: (
            record.decision_id,
            record.strategy_id,
            record.symbol,
            time(record.decided_at),
            record.inputs_hash,
            record.model_hash,
            record.cost_model_hash,
            record.config_hash,
            sqlite_rows.json_text(record.details),
            record.manifest_hash,
        )
    )
    assert _result(lambda: sqlite_rows.decision_row(record, time)) == general
    assert _result(lambda: sqlite_rows.decision_row(record, time)) == general  # kept


@settings(max_examples=300, deadline=None)
@given(
    changes=_changes(OutcomeRecord),
    time=st.sampled_from([sqlite_rows.timestamp, _other_time]),
)
def test_an_outcome_row_is_the_general_row(
    changes: dict[str, object], time: sqlite_rows.Time
) -> None:
    record = _tampered(_outcome(), changes)
    sqlite_rows.timestamp(T0)
    general = _result(
        lambda: (
            record.decision_id,
            record.kind.value,
            time(record.recorded_at),
            record.client_order_id,
            record.reason,
            sqlite_rows.json_text(record.details),
        )
    )
    assert _result(lambda: sqlite_rows.outcome_row(record, time)) == general
    assert _result(lambda: sqlite_rows.outcome_row(record, time)) == general  # kept


@settings(max_examples=200, deadline=None)
@given(
    minutes=st.lists(st.integers(0, 30), max_size=25),
    stored=st.integers(0, 3),
)
def test_decisions_are_kept_in_time_order_whatever_order_they_come_in(
    minutes: list[int], stored: int
) -> None:
    def decision(n: int, minute: int) -> DecisionRecord:
        return attrs.evolve(
            _decision(),
            decision_id=f"d-{n:03d}",
            decided_at=T0 + timedelta(minutes=minute),
        )

    before = [decision(900 + n, 15) for n in range(stored)]
    mirror = DecisionMirror(before, [])
    records = [decision(n, m) for n, m in enumerate(minutes)]
    for record in records:
        assert mirror.record_decision(record)
    expected = sorted([*before, *records], key=lambda d: (d.decided_at, d.decision_id))
    assert list(mirror.all_decisions()) == expected
    assert list(mirror.decisions_since(T0 + timedelta(minutes=10))) == [
        d for d in expected if d.decided_at >= T0 + timedelta(minutes=10)
    ]
