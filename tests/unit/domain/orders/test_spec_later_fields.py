"""Trailing stops and OCO on the order spec, and the hashes of specs made before them.

Fields added later are left out of the canonical hash and the stored JSON while at
their default, so a spec stored before they existed keeps its hash and its row.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecore.adapters.sqlstore.codec import converter, to_json
from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import canonical_bytes, sha256_hex
from tradecore.domain.orders.spec import Bracket, OrderSpec, OrderType, Side

LATER = ("trail_price", "trail_percent", "oco")
#: The canonical hash of a 1-share AAPL market buy, as it was before these fields.
MARKET_BUY_HASH = sha256_hex(
    {
        "bracket": None,
        "extended_hours": False,
        "limit_price": None,
        "notional": None,
        "order_type": "market",
        "qty": Decimal(1),
        "side": "buy",
        "stop_price": None,
        "symbol": "AAPL",
        "time_in_force": "day",
    }
)


def test_a_plain_spec_hashes_as_before_the_later_fields() -> None:
    spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1))
    assert sha256_hex(spec) == MARKET_BUY_HASH


@given(
    qty=st.integers(min_value=1, max_value=10_000),
    side=st.sampled_from(Side),
    price=st.none() | st.decimals(min_value=1, max_value=1000, places=2),
)
def test_specs_at_their_defaults_carry_no_later_field(
    qty: int, side: Side, price: Decimal | None
) -> None:
    kind = OrderType.MARKET if price is None else OrderType.LIMIT
    spec = OrderSpec(
        symbol="MSFT", side=side, qty=Decimal(qty), order_type=kind, limit_price=price
    )
    stored = json.loads(to_json(spec))
    hashed = json.loads(canonical_bytes(spec))
    assert not set(LATER) & (set(stored) | set(hashed))
    assert converter.structure(stored, OrderSpec) == spec


def test_a_trailing_stop_round_trips_and_hashes_its_trail() -> None:
    spec = OrderSpec(
        symbol="AAPL",
        side=Side.SELL,
        qty=Decimal(2),
        order_type=OrderType.TRAILING_STOP,
        trail_percent=Decimal("1.5"),
    )
    stored = json.loads(to_json(spec))
    assert stored["trail_percent"] == "1.5"
    assert "trail_price" not in stored
    assert converter.structure(stored, OrderSpec) == spec
    other = OrderSpec(symbol="AAPL", side=Side.SELL, qty=Decimal(2),
                      order_type=OrderType.TRAILING_STOP, trail_percent=Decimal(2))  # fmt: skip
    assert sha256_hex(spec) != sha256_hex(other)


@pytest.mark.parametrize(
    "fields",
    [
        {"order_type": OrderType.TRAILING_STOP},
        {"order_type": OrderType.TRAILING_STOP, "trail_price": Decimal(1),
         "trail_percent": Decimal(1)},
        {"order_type": OrderType.TRAILING_STOP, "trail_price": Decimal(1),
         "stop_price": Decimal(90)},
        {"order_type": OrderType.MARKET, "trail_price": Decimal(1)},
    ],
)  # fmt: skip
def test_a_trailing_stop_has_exactly_one_trail_and_no_other_price(
    fields: dict[str, object],
) -> None:
    with pytest.raises(InvalidInput):
        OrderSpec(symbol="AAPL", side=Side.SELL, qty=Decimal(1), **fields)  # type: ignore[arg-type]


def test_an_oco_round_trips() -> None:
    spec = OrderSpec(
        symbol="AAPL",
        side=Side.SELL,
        qty=Decimal(5),
        order_type=OrderType.LIMIT,
        limit_price=Decimal(110),
        bracket=Bracket(take_profit_limit=Decimal(110), stop_loss_stop=Decimal(95)),
        oco=True,
    )
    stored = json.loads(to_json(spec))
    assert stored["oco"] is True
    assert converter.structure(stored, OrderSpec) == spec


def test_report_json_leaves_the_later_fields_out_at_their_defaults() -> None:
    from tradecore.adapters.report.canonical import plain

    spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1))
    assert not set(LATER) & set(plain(spec))  # type: ignore[arg-type]
    trailing = OrderSpec(symbol="AAPL", side=Side.SELL, qty=Decimal(1),
                         order_type=OrderType.TRAILING_STOP, trail_price=Decimal(1))  # fmt: skip
    assert plain(trailing)["trail_price"] == "1"  # type: ignore[index]
