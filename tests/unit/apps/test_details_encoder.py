"""The decisions CSV's details encoder, built once, writes what ``json.dumps``
with the CSV's options writes (``records._details_json``)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecore.apps.replay import records

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(value=_JSON)
def test_details_encoder_writes_what_json_dumps_writes(value: object) -> None:
    expected = json.dumps(value, sort_keys=True, default=str)
    assert records._details_json(value) == expected


def test_details_encoder_spells_a_stored_text_as_before() -> None:
    text = '{"b":[1,2.5,null],"a":"\\u00e9"}'
    assert records._details_text(text) == json.dumps(
        json.loads(text), sort_keys=True, default=str
    )


@pytest.mark.parametrize("bad", ["[1,", "{'a': 1}"])
def test_details_text_still_refuses_malformed_json(bad: str) -> None:
    with pytest.raises(json.JSONDecodeError, match="Expecting"):
        records._details_text(bad)


@given(
    value=_JSON,
    compact=st.booleans(),
    before=st.sampled_from(["", " ", "\n"]),
    after=st.sampled_from(["", " ", "\t", " 1", "x"]),
)
def test_details_text_reads_any_text_as_the_decoder_does(
    value: object, compact: bool, before: str, after: str
) -> None:
    """The scanner's fast path (``records._parsed``) answers as ``json.loads``:
    the same value, or the same error for blanks, extra data and malformed text."""
    separators = (",", ":") if compact else None
    text = before + json.dumps(value, separators=separators) + after
    assert _answer(records._details_text, text) == _answer(_dumped_loads, text)


def _dumped_loads(text: str) -> str:
    return json.dumps(json.loads(text), sort_keys=True, default=str)


def _answer(spell: Callable[[str], str], text: str) -> str:
    """What ``spell`` gives for ``text``, or the message of its decode error."""
    try:
        return spell(text)
    except json.JSONDecodeError as e:
        return f"error: {e}"
