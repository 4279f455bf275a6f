"""Each rejection reason maps to one policy; retries are capped."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest

from tests.calendars import xnys
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.domain.risk.rejection_policy import (
    POLICY,
    Rejection,
    RejectionAction,
    RejectionKind,
    RejectionPolicy,
    classify,
    decide,
    next_open,
)

D = Decimal
AT = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)  # Monday, in session
POLICY_KNOBS = RejectionPolicy(max_retries=3, lot_size=D(10))


def mkt(qty: str = "100") -> OrderSpec:
    return OrderSpec(symbol="AAPL", side=Side.BUY, qty=D(qty))


def lmt(side: Side, price: str) -> OrderSpec:
    return OrderSpec(
        symbol="AAPL",
        side=side,
        qty=D(10),
        order_type=OrderType.LIMIT,
        limit_price=D(price),
    )


def rejected(reason: str, spec: OrderSpec | None = None, **kw: object) -> Rejection:
    return Rejection(reason=reason, spec=spec or mkt(), at=AT, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reason", "code", "kind"),
    [
        ("insufficient buying power", None, RejectionKind.BUYING_POWER),
        ("denied", "40310000", RejectionKind.BUYING_POWER),
        ("market is closed", None, RejectionKind.MARKET_CLOSED),
        ("qty must be a multiple of lot size", None, RejectionKind.LOT_SIZE),
        ("too many requests", None, RejectionKind.RATE_LIMITED),
        ("limit price too far from the market", None, RejectionKind.PRICE_BAND),
        ("asset is not tradable", None, RejectionKind.NOT_ALLOWED),
        ("random reject", None, RejectionKind.UNKNOWN),
    ],
)
def test_classify(reason: str, code: str | None, kind: RejectionKind) -> None:
    assert classify(reason, code) is kind


def test_every_kind_has_exactly_one_policy() -> None:
    assert set(POLICY) == set(RejectionKind)


def test_buying_power_reduces_size_once() -> None:
    first = decide(rejected("insufficient buying power"), POLICY_KNOBS)
    assert first.action is RejectionAction.REDUCE_SIZE
    assert first.retry_spec == mkt("50")
    assert first.retry_at == AT
    again = decide(
        rejected(
            "insufficient buying power",
            mkt("50"),
            attempt=2,
            tried=(RejectionAction.REDUCE_SIZE,),
        ),
        POLICY_KNOBS,
    )
    assert again.gives_up
    assert "already tried once" in again.note


def test_reduce_size_that_rounds_to_nothing_gives_up() -> None:
    decision = decide(rejected("insufficient buying power", mkt("15")), POLICY_KNOBS)
    assert decision.gives_up  # 7.5 rounds down to 0 lots of 10


def test_market_closed_waits_for_the_next_open() -> None:
    friday_evening = datetime(2026, 1, 9, 22, 0, tzinfo=UTC)
    r = Rejection(reason="market is closed", spec=mkt(), at=friday_evening)
    decision = decide(r, attrs.evolve(POLICY_KNOBS, calendar=xnys()))
    assert decision.action is RejectionAction.WAIT_FOR_OPEN
    assert decision.retry_at == datetime(2026, 1, 12, 14, 30, tzinfo=UTC)  # 09:30 EST
    # Before a holiday weekend the wait is longer: MLK day, Monday 2026-01-19.
    r = attrs.evolve(r, at=datetime(2026, 1, 16, 21, 30, tzinfo=UTC))
    decision = decide(r, attrs.evolve(POLICY_KNOBS, calendar=xnys()))
    assert decision.retry_at == datetime(2026, 1, 20, 14, 30, tzinfo=UTC)


def test_round_to_lot() -> None:
    decision = decide(rejected("not a multiple of lot size", mkt("105")), POLICY_KNOBS)
    assert decision.retry_spec == mkt("100")
    already = decide(rejected("not a multiple of lot size", mkt("100")), POLICY_KNOBS)
    assert already.gives_up


def test_backoff_doubles_and_the_cap_stops_it() -> None:
    tried: tuple[RejectionAction, ...] = ()
    delays = []
    for attempt in range(1, 5):
        d = decide(
            rejected("rate limit exceeded", attempt=attempt, tried=tried), POLICY_KNOBS
        )
        if d.gives_up:
            assert "retry cap reached" in d.note
            break
        assert d.retry_at is not None
        delays.append((d.retry_at - AT).total_seconds())
        tried += (d.action,)
    assert delays == [1.0, 2.0, 4.0]


def test_the_cap_holds_even_when_the_history_was_lost() -> None:
    decision = decide(rejected("rate limit", attempt=4), POLICY_KNOBS)
    assert decision.gives_up


@pytest.mark.parametrize(
    ("side", "price", "expected"),
    [(Side.BUY, "105.00", "101.00"), (Side.SELL, "95.00", "99.00")],
)
def test_adjust_limit_into_the_collar(side: Side, price: str, expected: str) -> None:
    r = rejected(
        "limit price too far from the market",
        lmt(side, price),
        reference_price=D(100),
    )
    decision = decide(r, POLICY_KNOBS)
    assert decision.retry_spec is not None
    assert decision.retry_spec.limit_price == D(expected)


def test_adjust_needs_a_limit_order_and_a_reference() -> None:
    assert decide(rejected("price band", mkt()), POLICY_KNOBS).gives_up
    no_ref = rejected("price band", lmt(Side.BUY, "105"))
    assert decide(no_ref, POLICY_KNOBS).gives_up


def test_unknown_reasons_give_up() -> None:
    decision = decide(rejected("random reject"), POLICY_KNOBS)
    assert decision.gives_up
    assert decision.kind is RejectionKind.UNKNOWN


def test_next_open_is_the_exchange_open_after_now() -> None:
    # In session on Monday 2026-01-05: the next open is Tuesday 09:30 New York.
    assert next_open(xnys(), AT) == datetime(2026, 1, 6, 14, 30, tzinfo=UTC)
    # Thursday 2026-07-02 after the close: Friday 3rd is the observed holiday.
    thursday = datetime(2026, 7, 2, 21, 0, tzinfo=UTC)
    assert next_open(xnys(), thursday) == datetime(2026, 7, 6, 13, 30, tzinfo=UTC)
    # Exactly at an open: the next one, not the same instant.
    assert next_open(xnys(), datetime(2026, 1, 6, 14, 30, tzinfo=UTC)) == datetime(
        2026, 1, 7, 14, 30, tzinfo=UTC
    )
    assert next_open(MarketCalendar.always_open(), AT) is None
    assert next_open(None, AT) is None
