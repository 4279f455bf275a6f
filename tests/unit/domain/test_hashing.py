"""Canonical encoding: one spelling per meaning, naive timestamps refused."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import T0
from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import canonical_bytes, sha256_hex


def test_key_order_and_decimal_spelling_do_not_change_the_hash() -> None:
    assert sha256_hex({"a": Decimal("1.50"), "b": 2}) == sha256_hex(
        {"b": 2, "a": Decimal("1.5")}
    )


def test_sets_hash_the_same_whatever_their_iteration_order() -> None:
    assert canonical_bytes(frozenset({"b", "a", "c"})) == canonical_bytes(
        ["a", "b", "c"]
    )


def test_different_values_give_different_hashes() -> None:
    assert sha256_hex({"t": T0}) != sha256_hex({"t": T0.replace(minute=31)})


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InvalidInput, match="naive"):
        canonical_bytes(datetime(2026, 1, 1))


def test_unknown_types_are_refused() -> None:
    with pytest.raises(InvalidInput, match="no canonical encoding"):
        canonical_bytes(object())


@given(st.one_of(st.text(), st.lists(st.text()), st.tuples(st.text(), st.text())))
def test_strings_and_lists_of_strings_are_spelled_as_the_encoder_spells_them(value):
    """The short cut for strings (ids hash lists of them per order) gives the
    generic encoder's bytes for any text: quotes, control and non-ASCII characters."""
    from tradecore.domain.hashing import _CANONICAL_JSON, _canonical

    assert canonical_bytes(value) == _CANONICAL_JSON(_canonical(value)).encode("ascii")
