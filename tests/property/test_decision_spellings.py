"""A decision's hashes, stamp and client order id spelled directly equal the general path.

``decision_record`` hashes its inputs and derives its decision id from text spelled
in place (the stamp's quoted strategy id and instant, the symbol and signal quoted
as the encoder quotes them); ``decision_stamp`` builds the stamp without its
validators when the plain checks are sure; ``client_order_id`` remembers the last
session date it spelled. For any text, instant and quantity, each equals what the
validating constructors and ``sha256_hex`` of the generic encoding give.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import key
from tradecore.domain.hashing import canonical_bytes, iso_instant, sha256_hex
from tradecore.domain.orders.client_order_id import _spelled
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.strategies.protocol import Target
from tradecore.services.trading.decisions import (
    DecisionStamp,
    _utc_instant,
    decision_record,
    decision_stamp,
)

_NAMES = st.text(min_size=1, max_size=12).filter(str.strip)
_SYMBOLS = st.from_regex(r"^[A-Z][A-Z0-9.\-/]{0,5}$", fullmatch=True)
_DECIMALS = st.decimals(allow_nan=False, allow_infinity=False, places=4)
_INSTANTS = st.datetimes(timezones=st.just(UTC))


@given(
    strategy_id=_NAMES,
    symbol=_SYMBOLS,
    at=_INSTANTS,
    signal=st.text(max_size=12),
    wanted=_DECIMALS,
    held=_DECIMALS,
    price=_DECIMALS,
)
def test_the_record_is_what_keyed_builds_from_the_generic_hashes(
    strategy_id, symbol, at, signal, wanted, held, price
) -> None:
    stamp = decision_stamp(
        strategy_id=strategy_id,
        at=at,
        session_date=at.date(),
        config_hash="c",
        model_hash="m",
        cost_model_hash="k",
        manifest_hash=None,
    )
    made = decision_record(stamp, Target(symbol, wanted, signal), held, price, None)
    expected = DecisionRecord.keyed(
        strategy_id=strategy_id,
        symbol=symbol,
        decided_at=at,
        inputs_hash=sha256_hex([signal, str(wanted), str(held)]),
        config_hash="c",
        model_hash="m",
        cost_model_hash="k",
        manifest_hash=None,
        details={"target": str(wanted), "position": str(held), "price": str(price)},
    )
    assert made == expected


@given(strategy_id=_NAMES, at=_INSTANTS, day=st.dates())
def test_the_trusted_stamp_is_the_validated_one(strategy_id, at, day) -> None:
    fields = {
        "strategy_id": strategy_id,
        "at": at,
        "session_date": day,
        "config_hash": "c",
        "model_hash": "m",
        "cost_model_hash": "k",
        "manifest_hash": "h",
    }
    made = decision_stamp(**fields)
    assert made == DecisionStamp(**fields)
    assert type(made) is DecisionStamp


@given(days=st.lists(st.dates(), min_size=1, max_size=4), attempt=st.integers(1, 9))
def test_a_remembered_session_date_spells_as_the_encoder_does(days, attempt) -> None:
    for day in [*days, *days]:  # the second round meets remembered dates
        decision = attrs.evolve(key(), session_date=day, qty=Decimal(7))
        expected = canonical_bytes({"key": decision, "attempt": attempt})
        assert _spelled(decision, attempt) == expected


def test_a_datetime_as_session_date_is_spelled_as_a_datetime() -> None:
    moment = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
    plain = attrs.evolve(key(), session_date=date(2026, 1, 5))
    _spelled(plain, 1)  # remembers the plain date
    decision = attrs.evolve(key(), session_date=moment)
    assert _spelled(decision, 1) == canonical_bytes({"key": decision, "attempt": 1})


@given(instants=st.lists(_INSTANTS, min_size=1, max_size=6), fold=st.integers(0, 1))
def test_an_instant_spelled_from_remembered_parts_is_its_isoformat(
    instants, fold
) -> None:
    for at in [*instants, *instants]:  # the second time from the remembered parts
        at = at.replace(fold=fold)
        assert _utc_instant(at) == at.isoformat() == iso_instant(at)
