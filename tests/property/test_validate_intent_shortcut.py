"""``hot_path.validate_intent``, the store's intent check, held to the validators.

It runs plain type checks and calls the intent's validators only when those are
not sure; the write-behind mirror's creates use it as the SQL store's encoder
does. Whatever a field was corrupted to, it must raise exactly when the
validators raise.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import intent as make_intent
from tradecore.adapters.sqlstore import hot_path
from tradecore.domain.orders.intent import OrderIntent

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)

_ODD_VALUES = st.one_of(
    st.none(),
    st.text(max_size=3),
    st.integers(-2, 2),
    st.booleans(),
    st.floats(allow_nan=True),
    st.sampled_from(
        [
            Decimal(0),
            Decimal("-1"),
            Decimal("1.5"),
            Decimal("NaN"),
            Decimal("Infinity"),
            datetime(2024, 3, 1, 14, 30),  # naive
            T0,
            T0.astimezone(),  # aware, another zone object
            " ",
            (),
        ]
    ),
)
_FIELDS = [f.name for f in attrs.fields(OrderIntent)]


def _raises(check: object, value: OrderIntent) -> type[BaseException] | None:
    try:
        check(value)  # type: ignore[operator]
    except Exception as e:  # the type is what is compared
        return type(e)
    return None


@settings(max_examples=400, deadline=None)
@given(
    changes=st.dictionaries(st.sampled_from(_FIELDS), _ODD_VALUES, max_size=3),
)
def test_validate_intent_raises_exactly_when_the_validators_do(
    changes: dict[str, object],
) -> None:
    intent = make_intent()
    for name, value in changes.items():
        object.__setattr__(intent, name, value)  # what a caller could hand over
    assert _raises(hot_path.validate_intent, intent) is _raises(attrs.validate, intent)
