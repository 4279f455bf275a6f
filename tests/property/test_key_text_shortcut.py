"""``hot_path.key_text``, the decision key's JSON spelled directly, held to the
converter's.

Every live order writes a new decision key; the store spells its text field by
field after plain checks instead of running the key's validators and cattrs. For
any key the validators accept, the text is ``sqlite_rows.json_text``'s; for any key
tampered past them, the store's encoding (``_checked_json``) raises exactly when
the validators do, and otherwise writes ``json_text``'s text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import key as make_key
from tradecore.adapters.sqlstore import hot_path, sqlite_rows
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.spec import Side
from tradecore.domain.validation import SYMBOL_RE

_TEXT = st.text(min_size=1, max_size=12).filter(lambda s: s.strip() != "")
_QTY = st.decimals(min_value=Decimal("1e-12"), allow_nan=False, allow_infinity=False)


@st.composite
def _keys(draw: st.DrawFn) -> DecisionKey:
    return DecisionKey(
        strategy_id=draw(_TEXT),
        symbol=draw(st.from_regex(SYMBOL_RE, fullmatch=True)),
        side=draw(st.sampled_from(Side)),
        session_date=draw(st.dates()),
        horizon=draw(_TEXT),
        signal_hash=draw(_TEXT),
        qty=draw(_QTY | st.sampled_from([Decimal("1E+3"), Decimal("0.00010")])),
        version=draw(st.integers()),
    )


@given(key=_keys())
def test_key_text_is_the_converters_text(key: DecisionKey) -> None:
    assert hot_path.key_text(key) == sqlite_rows.json_text(key)


#: What a tampered field may hold: valid values, blanks, look-alike types (a bool
#: is an int, a datetime a date, a StrEnum's value a str), non-finite decimals.
_ODD_VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "x",
            "AAPL",
            "aapl",
            None,
            0,
            1,
            True,
            Side.SELL,
            "sell",
            date(2024, 3, 1),
            datetime(2024, 3, 1, 14, 30, tzinfo=UTC),
            Decimal(0),
            Decimal("-1"),
            Decimal("2.5"),
            Decimal("NaN"),
            Decimal("Infinity"),
            2.5,
        ]
    ),
    st.text(max_size=4),
)
_FIELDS = [f.name for f in attrs.fields(DecisionKey)]


def _outcome(encode: object, key: DecisionKey) -> tuple[str, object]:
    try:
        return "text", encode(key)  # type: ignore[operator]
    except Exception as e:  # the type is what is compared
        return "raised", type(e)


def _full(key: DecisionKey) -> str:
    attrs.validate(key)
    return sqlite_rows.json_text(key)


@given(changes=st.dictionaries(st.sampled_from(_FIELDS), _ODD_VALUES, max_size=3))
def test_a_tampered_key_encodes_as_through_its_validators(
    changes: dict[str, object],
) -> None:
    key = make_key()
    for name, value in changes.items():
        object.__setattr__(key, name, value)  # what a caller could hand over
    assert _outcome(hot_path._checked_json, key) == _outcome(_full, key)
