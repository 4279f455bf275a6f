"""The write-behind store's shortcuts for keys, specs and fills answer as the
general path does.

* ``plain_checks.validate_spec_and_key`` / ``validate_fill`` run plain checks and
  the validators only when those are not sure: whatever fields were corrupted to,
  they raise exactly what ``codec.validate`` raises (the same error, the same
  message), and pass exactly when it passes.
* ``sqlite_rows.json_text`` spells a decision key and a plain spec from their
  fields: for any key or spec, corrupted or not, it writes the text
  ``codec.to_json`` writes, or raises as it raises.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.sqlstore import codec, plain_checks, sqlite_rows
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import (
    Bracket,
    OrderSpec,
    OrderType,
    Side,
    TimeInForce,
)

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)

#: Values a corrupted field may take: valid ones of every field, blanks, wrong
#: types, non-finite and non-positive decimals, naive and non-UTC times.
ODD_VALUES = st.one_of(
    st.none(),
    st.text(max_size=4),
    st.integers(-2, 2),
    st.booleans(),
    st.floats(allow_nan=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "",
            " ",
            "AAPL",
            "aapl",
            "BRK.B",
            "ÄPFEL",
            'x"\\\n',
            Decimal(0),
            Decimal("-0"),
            Decimal("-1"),
            Decimal("1E+2"),
            Decimal("0.000000001"),
            Decimal("NaN"),
            Decimal("sNaN"),
            Decimal("Infinity"),
            date(2024, 3, 1),
            datetime(2024, 3, 1, 14, 30),  # naive
            T0,
            T0.astimezone(timezone(timedelta(hours=-5))),
            T0.astimezone(timezone.utc),  # noqa: UP017 - another UTC object
            Side.BUY,
            Side.SELL,
            OrderType.LIMIT,
            TimeInForce.GTC,
            Bracket(stop_loss_stop=Decimal("90")),
            (),
        ]
    ),
)


def _key() -> DecisionKey:
    return DecisionKey(
        strategy_id="sma_cross_10_30",
        symbol="AAPL",
        side=Side.BUY,
        session_date=date(2024, 3, 1),
        horizon="1bar",
        signal_hash="sma-cross-signal",
        qty=Decimal(100),
    )


def _spec() -> OrderSpec:
    return OrderSpec(symbol="AAPL", side=Side.SELL, qty=Decimal("7.50"))


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


def _corrupted(value: object, changes: dict[str, object]) -> object:
    for name, changed in changes.items():
        object.__setattr__(value, name, changed)  # past the validators
    return value


def _outcome(check: object, *args: object) -> tuple[type[BaseException], str] | None:
    try:
        check(*args)  # type: ignore[operator]
    except Exception as e:  # the error itself is what is compared
        return type(e), str(e)
    return None


def _changes(cls: type) -> st.SearchStrategy[dict[str, object]]:
    names = [f.name for f in attrs.fields(cls)]
    return st.dictionaries(st.sampled_from(names), ODD_VALUES, max_size=3)


@settings(max_examples=400, deadline=None)
@given(key_changes=_changes(DecisionKey), spec_changes=_changes(OrderSpec))
def test_spec_and_key_are_refused_exactly_as_their_validators_refuse(
    key_changes: dict[str, object], spec_changes: dict[str, object]
) -> None:
    key = _corrupted(_key(), key_changes)
    spec = _corrupted(_spec(), spec_changes)
    assert _outcome(plain_checks.validate_spec_and_key, spec, key) == _outcome(
        codec.validate, spec, key
    )


@settings(max_examples=400, deadline=None)
@given(changes=_changes(Fill))
def test_a_fill_is_refused_exactly_as_its_validators_refuse(
    changes: dict[str, object],
) -> None:
    fill = _corrupted(_fill(), changes)
    assert _outcome(plain_checks.validate_fill, fill) == _outcome(codec.validate, fill)


def _both(value: object) -> tuple[object, object]:
    def text(encode: object) -> object:
        try:
            return encode(value)  # type: ignore[operator]
        except Exception as e:  # the error's type is what is compared
            return type(e)

    return text(sqlite_rows.json_text), text(codec.to_json)


@settings(max_examples=400, deadline=None)
@given(changes=_changes(DecisionKey))
def test_a_keys_json_is_to_json(changes: dict[str, object]) -> None:
    spelled, general = _both(_corrupted(_key(), changes))
    assert spelled == general


@settings(max_examples=400, deadline=None)
@given(changes=_changes(OrderSpec))
def test_a_specs_json_is_to_json(changes: dict[str, object]) -> None:
    spelled, general = _both(_corrupted(_spec(), changes))
    assert spelled == general


@settings(max_examples=200, deadline=None)
@given(
    strategy_id=st.text(min_size=1, max_size=12),
    symbol=st.text(max_size=6),
    horizon=st.text(max_size=6),
    signal=st.text(max_size=6),
    day=st.dates(),
    qty=st.decimals(allow_nan=False, allow_infinity=False),
    version=st.integers(),
    side=st.sampled_from(Side),
)
def test_any_plain_keys_json_is_to_json(
    strategy_id: str,
    symbol: str,
    horizon: str,
    signal: str,
    day: date,
    qty: Decimal,
    version: int,
    side: Side,
) -> None:
    """Any strings (escaped, non-ASCII), any date, decimal spelling and version."""
    key = _corrupted(
        _key(),
        {
            "strategy_id": strategy_id,
            "symbol": symbol,
            "horizon": horizon,
            "signal_hash": signal,
            "session_date": day,
            "qty": qty,
            "version": version,
            "side": side,
        },
    )
    assert sqlite_rows.json_text(key) == codec.to_json(key)


_OPTIONAL_DECIMALS = st.one_of(st.none(), st.decimals(allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(
    symbol=st.text(max_size=6),
    side=st.sampled_from(Side),
    kind=st.sampled_from(OrderType),
    tif=st.sampled_from(TimeInForce),
    prices=st.tuples(*[_OPTIONAL_DECIMALS] * 4),
    extended=st.booleans(),
    later=st.sampled_from([{}, {"oco": True}, {"trail_price": Decimal(1)}]),
)
def test_any_specs_json_is_to_json(
    symbol: str,
    side: Side,
    kind: OrderType,
    tif: TimeInForce,
    prices: tuple[Decimal | None, ...],
    extended: bool,
    later: dict[str, object],
) -> None:
    """Any prices (or none), types and flags; a later field set takes the general path."""
    qty, notional, limit, stop = prices
    fields = {
        "symbol": symbol,
        "side": side,
        "order_type": kind,
        "time_in_force": tif,
        "qty": qty,
        "notional": notional,
        "limit_price": limit,
        "stop_price": stop,
        "extended_hours": extended,
        **later,
    }
    spec = _corrupted(_spec(), fields)
    assert sqlite_rows.json_text(spec) == codec.to_json(spec)
