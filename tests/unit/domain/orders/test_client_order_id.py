"""Client order ids: deterministic, short, Alpaca-safe, and distinct per key and attempt."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import key
from tradecore.domain import Side, attempt_of, client_order_id
from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import canonical_bytes, sha256_hex
from tradecore.domain.orders.client_order_id import _spelled

ALPACA_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,48}$")

CHANGES = {
    "strategy_id": "momentum",
    "symbol": "MSFT",
    "side": Side.SELL,
    "session_date": date(2026, 1, 6),
    "horizon": "5d",
    "signal_hash": "beef",
    "qty": Decimal(101),
    "version": 2,
}


def test_id_is_short_and_alpaca_safe() -> None:
    cid = client_order_id(key())
    assert ALPACA_SAFE.match(cid)
    assert cid.startswith("smacross-")
    assert attempt_of(cid) == 1


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_any_change_of_any_key_field_changes_the_id(field: str) -> None:
    changed = attrs.evolve(key(), **{field: CHANGES[field]})
    assert client_order_id(changed) != client_order_id(key())


def test_each_attempt_gets_its_own_id_and_retries_reuse_it() -> None:
    ids = [client_order_id(key(), attempt) for attempt in range(1, 50)]
    assert len(set(ids)) == len(ids)
    assert client_order_id(key(), 7) == client_order_id(key(), 7)
    assert [attempt_of(i) for i in ids] == list(range(1, 50))


def test_equal_quantities_spelled_differently_give_the_same_id() -> None:
    assert client_order_id(key(qty=Decimal("100"))) == client_order_id(
        key(qty=Decimal("100.00"))
    )


@pytest.mark.parametrize("attempt", [0, -1, 10_000, True])
def test_attempt_out_of_range_is_refused(attempt: int) -> None:
    with pytest.raises(InvalidInput, match="attempt"):
        client_order_id(key(), attempt)


def test_attempt_of_refuses_foreign_ids() -> None:
    with pytest.raises(InvalidInput, match="client_order_id"):
        attempt_of("eb9e2aaa-f71a-4f51-b5b4-52a6c565dad4")


_SCRIPT = """
from tests.factories import key
from tradecore.domain import client_order_id
print(client_order_id(key(), 3))
"""


@pytest.mark.parametrize("seed", ["0", "1", "12345"])
def test_id_is_identical_in_a_subprocess_with_another_hash_seed(seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == client_order_id(key(), 3)


#: What the key's string validators accept: text that is not only whitespace.
_NAMES = st.text(min_size=1, max_size=20).filter(str.strip)


@given(
    strategy_id=_NAMES,
    horizon=_NAMES,
    signal=_NAMES,
    qty=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(10**9), places=4),
    version=st.integers(min_value=0, max_value=10**6),
    attempt=st.integers(min_value=1, max_value=9999),
    side=st.sampled_from(list(Side)),
)
def test_the_spelled_encoding_is_the_canonical_one(
    strategy_id, horizon, signal, qty, version, attempt, side
) -> None:
    """The id's direct spelling of its key hashes what the generic encoder spells,
    for any text (quotes, non-ASCII) and any spelling of the quantity."""
    decision = attrs.evolve(
        key(),
        strategy_id=strategy_id,
        horizon=horizon,
        signal_hash=signal,
        qty=qty,
        version=version,
        side=side,
    )
    expected = canonical_bytes({"key": decision, "attempt": attempt})
    assert _spelled(decision, attempt) == expected
    digest = sha256_hex({"key": decision, "attempt": attempt})[:32]
    assert client_order_id(decision, attempt).split("-")[1] == digest
