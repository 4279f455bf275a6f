"""A dict of string values is spelled from its keys' template as the encoder would.

``sqlite_rows._details_text`` fills a ``%`` template kept per key tuple
(``_TEMPLATES``: the keys sorted, as the encoder sorts them, and the getter of
the values in that order) with the quoted values when every key and value is a
string; otherwise the C encoder answers. For any dicts (keys and values with
quotes, escapes, ``%`` and non-ASCII; keys in any order; values of other kinds;
nested), the text equals ``codec.to_json``'s, or ``None`` exactly when the
encoder refuses the dict.
"""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tradecore.adapters.sqlstore import codec, sqlite_rows

_TEXT = st.text(alphabet='%s:,"\\ {}ab\u00e9\x01\x7f~', max_size=4)
_VALUE = st.one_of(
    _TEXT,
    _TEXT,
    st.none(),
    st.integers(),
    st.booleans(),
    st.lists(_TEXT, max_size=2),
    st.dictionaries(_TEXT, _TEXT, max_size=2),
)
_KEY = st.one_of(_TEXT, _TEXT, _TEXT, st.integers(min_value=0, max_value=3))


def _general(details: dict[Any, Any]) -> str | None:
    try:
        return codec.to_json(details)
    except Exception:  # the shortcut answers None for any refusal
        return None


@settings(max_examples=300)
@example(dicts=[{"%": "x", "a": "y"}, {"a%s": "1", "b": "%"}, {"%%": "", "%d": "1"}])
@example(dicts=[{"b": "1", "a": "2"}, {}, {"a": "1", "b": 2}])
@given(
    dicts=st.lists(st.dictionaries(_KEY, _VALUE, max_size=4), min_size=1, max_size=4)
)
def test_details_text_is_the_encoders(dicts: list[dict[Any, Any]]) -> None:
    for details in dicts + dicts:  # the second time from the kept templates
        text = sqlite_rows._details_text(details)
        if text is not None:
            assert text == _general(details)
        elif all(type(k) is str for k in details):
            assert _general(details) is None
