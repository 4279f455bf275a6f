"""The checked JSON of specs and keys is remembered for the very object only.

Reconciliation reads thousands of intents and writes them back; their decision keys
are not validated and encoded again (``hot_path._Texts``). That is safe only if a
remembered text answers for the object it was made from and for nothing equal to it
(``Decimal("1")`` and ``Decimal("1.0")`` are equal but encode differently).
"""

from __future__ import annotations

import gc
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest

from tradecore.adapters.sqlstore import codec, hot_path, sqlite_rows
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.spec import OrderSpec, Side

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)


def _key(qty: str) -> DecisionKey:
    return DecisionKey(
        strategy_id="texts",
        symbol="AAPL",
        side=Side.BUY,
        session_date=date(2024, 3, 1),
        horizon="1d",
        signal_hash="s",
        qty=Decimal(qty),
    )


def test_a_text_answers_for_its_object_not_an_equal_one() -> None:
    texts = hot_path._Texts()
    one, equal = _key("1"), _key("1.0")
    assert one == equal
    texts.put(one, codec.to_json(one))
    assert texts.get(one) == codec.to_json(one)
    assert texts.get(equal) is None
    del one
    gc.collect()
    reborn = _key("2")  # may take the dead key's id: the weak reference says no
    assert texts.get(reborn) is None


def test_the_table_is_emptied_when_full() -> None:
    texts = hot_path._Texts(limit=2)
    keys = [_key(str(n)) for n in (1, 2, 3)]
    for key in keys:
        texts.put(key, str(key.qty))
    assert [texts.get(k) for k in keys] == [None, None, "3"]


def test_a_decoded_intent_is_written_back_without_encoding_its_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The row's own key text is reused; validators and the encoder are not run."""
    spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1))
    intent = attrs.evolve(
        OrderIntent.create(_key("1.0"), spec, decided_at=T0), version=1
    )
    row = dict(
        zip(
            hot_path.INTENT_COLUMNS,
            hot_path.IntentEncoder("sqlite").values(intent),
            strict=True,
        )
    )
    decoded = hot_path.intent_from_values([row[c] for c in hot_path.INTENT_COLUMNS])
    assert decoded == intent

    def refuse(*_: object) -> None:
        raise AssertionError("validated or encoded again")

    monkeypatch.setattr(codec, "validate", refuse)
    monkeypatch.setattr(codec, "to_json", refuse)
    monkeypatch.setattr(sqlite_rows, "json_text", refuse)
    again = hot_path.IntentEncoder("sqlite").values(decoded)
    key = again[hot_path.INTENT_COLUMNS.index("decision_key")]
    assert key == row["decision_key"]
    assert '"qty":"1.0"' in key


def test_a_key_never_checked_is_validated_on_first_encoding() -> None:
    spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1))
    intent = OrderIntent.create(_key("1"), spec, decided_at=T0)
    bad = _key("1")
    object.__setattr__(bad, "qty", Decimal(-1))  # past the validators
    object.__setattr__(intent, "decision_key", bad)
    with pytest.raises(InvalidInput):
        hot_path.IntentEncoder("sqlite").values(intent)
