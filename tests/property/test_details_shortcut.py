"""A decision's plain details respelled in place equal the parse and re-encoding.

``records._details_texts`` adds the encoder's blanks to a compact object of plain
string pairs whose keys ascend, instead of parsing and re-encoding it. For any
pairs (tricky characters, keys in any order or repeated), any JSON value, and
texts cut or spaced, each cell must be what ``_details_text`` gives, errors
included.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.apps.replay.records import (
    _details_text,
    _details_texts,
    _plain_details,
)

#: Characters that could confuse a respelling: separators, quotes, escapes,
#: non-ASCII, control characters and DEL, besides plain letters.
_TEXT = st.text(alphabet=':,"\\ {}ab\u00e9\x01\x7f~', max_size=4)
_PAIRS = st.lists(st.tuples(_TEXT, _TEXT), min_size=0, max_size=3)


def _compact(pairs: list[tuple[str, str]], ascii_only: bool) -> str:
    """An object text written pair by pair (repeats and any order kept)."""
    dump = json.dumps if ascii_only else lambda s: json.dumps(s, ensure_ascii=False)
    inner = ",".join(f"{dump(k)}:{dump(v)}" for k, v in pairs)
    return "{" + inner + "}"


def _answer(spell, column):  # type: ignore[no-untyped-def]
    try:
        return spell(column)
    except (ValueError, TypeError) as e:
        return type(e), str(e)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def _details(draw: st.DrawFn) -> object:
    kind = draw(st.sampled_from(["pairs", "sorted", "json", "cut", "spaced", "other"]))
    if kind == "json":
        return json.dumps(
            draw(_JSON), separators=(",", ":"), sort_keys=draw(st.booleans())
        )
    if kind == "other":
        return draw(st.one_of(st.none(), st.integers(), st.just("")))
    pairs = draw(_PAIRS)
    if kind == "sorted":
        pairs = sorted(dict(pairs).items())
    text = _compact(pairs, draw(st.booleans()))
    if kind == "cut":
        return text[: draw(st.integers(0, len(text)))]
    if kind == "spaced":
        at = draw(st.integers(0, len(text)))
        return text[:at] + " " + text[at:]
    return text


@settings(max_examples=600, deadline=None)
@given(column=st.lists(_details(), min_size=1, max_size=6).map(tuple))
def test_plain_details_respelled_as_parsed_and_encoded(
    column: tuple[object, ...],
) -> None:
    assert _answer(_details_texts, column) == _answer(
        lambda c: [_details_text(v) for v in c], column
    )


@st.composite
def _pairs_text(draw: st.DrawFn) -> str:
    """An object text of string pairs, sorted or not, mostly plain; sometimes
    with one character changed (a separator swapped, a quote lost)."""
    pairs = draw(_PAIRS)
    if draw(st.booleans()):
        pairs = sorted(dict(pairs).items())
    text = _compact(pairs, draw(st.booleans()))
    if draw(st.integers(0, 2)) == 0:
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 1))  # replace the character there, or insert
        text = text[:at] + draw(st.sampled_from(':,{}" \n')) + text[at + cut :]
    return text


@settings(max_examples=1500, deadline=None)
@given(column=st.lists(_pairs_text(), min_size=1, max_size=6).map(tuple))
def test_columns_of_pairs_respelled_as_parsed_and_encoded(
    column: tuple[object, ...],
) -> None:
    """Columns where every text may be plain (the respelling's own case)."""
    assert _answer(_details_texts, column) == _answer(
        lambda c: [_details_text(v) for v in c], column
    )


def test_a_decision_s_details_take_the_respelling() -> None:
    text = '{"client_order_id":"x-1","position":"0","price":"75.90","target":"100"}'
    expected = json.dumps(json.loads(text), sort_keys=True, default=str)
    assert _plain_details((text, text)) == [expected, expected]
