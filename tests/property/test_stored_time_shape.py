"""``export._is_stored_form`` (digits mapped to ``0``, compared with the shape) is
the stored-timestamp regular expression it replaced, for any text."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tradecore.adapters.sqlstore import export

#: The shape as the store's export matched it before (ASCII digits only).
_REGEX = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}", re.ASCII)
_SHAPE = "2024-01-02 15:30:00.000000"
#: Characters near the shape's: other digits (Unicode ones too), separators, ...
_CHARS = st.sampled_from(list("0123456789-: .T+Z,x\u0661\uff11\n"))


@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, len(_SHAPE)), st.sampled_from(["set", "add", "del"]), _CHARS
        ),
        max_size=3,
    )
)
def test_the_shape_check_is_the_regex_on_texts_near_the_shape(
    edits: list[tuple[int, str, str]],
) -> None:
    text = _SHAPE
    for at, how, char in edits:
        if how == "set":
            text = text[:at] + char + text[at + 1 :]
        elif how == "add":
            text = text[:at] + char + text[at:]
        else:
            text = text[:at] + text[at + 1 :]
    assert export._is_stored_form(text) is (_REGEX.fullmatch(text) is not None)


@given(text=st.text(max_size=30))
def test_the_shape_check_is_the_regex_on_any_text(text: str) -> None:
    assert export._is_stored_form(text) is (_REGEX.fullmatch(text) is not None)


def test_not_text_is_not_the_shape() -> None:
    assert export._is_stored_form(None) is False
    assert export._is_stored_form(20240102) is False
