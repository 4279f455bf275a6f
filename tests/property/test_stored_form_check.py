"""The store's time form is recognized by a byte translation as by the pattern.

``export._is_stored_form`` tells a text of the store's naive
``YYYY-MM-DD HH:MM:SS.ffffff`` shape by translating an ASCII text's digits and
comparing it with the shape, instead of the regular expression it used. For any
text near that shape (a character changed, dropped or added: other digits,
letters such as ``d``, separators, non-ASCII digits) and for other values, the
answer must be the expression's, errors included.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tradecore.adapters.sqlstore import export

_CHARS = st.sampled_from(
    [*"0123456789d-: .+TZx", "\u0663", "\uff11", "\u00e9", "\x00", "\n"]
)


@st.composite
def _near_form(draw: st.DrawFn) -> str:
    """A stored time text with up to three characters changed, dropped or added."""
    text = draw(
        st.datetimes().map(lambda t: t.strftime("%Y-%m-%d %H:%M:%S.%f"))
        | st.sampled_from(["2024-01-02 15:00:00.000000", "0000-00-00 00:00:00.000000"])
    )
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        change = draw(st.sampled_from(["replace", "drop", "add"]))
        char = draw(_CHARS)
        if change == "replace":
            text = text[:at] + char + text[at + 1 :]
        elif change == "drop":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + char + text[at:]
    return text


def _answer(check, value):  # type: ignore[no-untyped-def]
    try:
        return bool(check(value))
    except (TypeError, ValueError) as e:
        return type(e), str(e)


@settings(max_examples=1500, deadline=None)
@given(value=_near_form() | st.text(max_size=30))
@example(value="dddd-dd-dd dd:dd:dd.dddddd")
@example(value="2024-01-02 15:00:00.00000\u0663")
@example(value="2024-01-02 15:00:00.000000\n")
def test_stored_form_told_as_the_pattern_tells_it(value: str) -> None:
    assert _answer(export._is_stored_form, value) == _answer(
        export._matches_stored_form, value
    )


@given(value=st.one_of(st.none(), st.integers(), st.binary(max_size=26)))
def test_other_values_get_the_pattern_s_answer_or_error(value: object) -> None:
    assert _answer(export._is_stored_form, value) == _answer(
        export._matches_stored_form, value
    )
