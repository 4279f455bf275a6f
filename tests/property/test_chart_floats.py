"""The charts' 10-digit floats: the bulk shortcut against spelling every value.

``ten_digit_floats`` keeps the values ``float(f"{v:.10g}")`` would give back and
spells the rest; the page's text must be what spelling every value gives, for any
floats (prices, ratios, zeros of either sign, huge, tiny, subnormal, NaN, inf).
"""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.report.chart_floats import (
    kept_as_they_are,
    spelled,
    ten_digit_floats,
)

_ANY = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
#: Decimals of up to 12 digits: either side of the 10-digit edge.
_SHORT = st.builds(
    lambda digits, places: float(Decimal(digits).scaleb(-places)),
    st.one_of(
        st.integers(-(10**12), 10**12),
        st.integers(10**9, 10**12),  # 10 to 12 digits
    ),
    st.integers(-25, 25),
)
_NEAR_POWERS = st.builds(
    lambda k, ulps: (
        float(np.nextafter(10.0**k, np.inf if ulps > 0 else -np.inf))
        if ulps
        else 10.0**k
    ),
    st.integers(-30, 30),
    st.integers(-1, 1),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_ANY, _SHORT, _NEAR_POWERS), max_size=40))
def test_ten_digit_floats_are_each_value_spelled(values: list[float]) -> None:
    expected = [spelled(v) for v in values]
    got = ten_digit_floats(np.array(values, dtype=float))
    assert json.dumps(got) == json.dumps(expected)  # -0.0 and None by spelling
    assert [repr(v) for v in got] == [repr(v) for v in expected]


def test_prices_and_zeros_are_kept_and_long_ratios_are_not() -> None:
    kept = kept_as_they_are(np.array([75.9, 154.63, 0.0, -0.0, 1e-7, 1 / 3, np.nan]))
    assert kept.tolist() == [True, True, True, True, True, False, False]
