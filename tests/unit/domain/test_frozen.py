"""replace(): attrs.evolve's result, checking only the changed fields."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs
import pytest

from tests.factories import intent
from tradecore.domain.errors import InvalidInput
from tradecore.domain.frozen import replace
from tradecore.domain.orders.lifecycle import IntentStatus


def test_replace_equals_evolve() -> None:
    """The copy is field-for-field what attrs.evolve builds."""
    base = intent()
    changes = {"status": IntentStatus.ACKED, "filled_qty": Decimal("3"), "version": 4}
    assert replace(base, **changes) == attrs.evolve(base, **changes)
    assert replace(base, version=9).client_order_id == base.client_order_id


def test_replace_leaves_the_original_alone() -> None:
    """Frozen values stay frozen: the source object is unchanged."""
    base = intent()
    replace(base, version=7)
    assert base.version == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("filled_qty", Decimal("-1")),
        ("updated_at", datetime(2026, 1, 5, 14, 30)),
        ("status", "filled"),
    ],
)
def test_changed_fields_are_validated(field: str, value: object) -> None:
    """A bad changed value raises InvalidInput naming the field, as the constructor."""
    with pytest.raises(InvalidInput, match=field):
        replace(intent(), **{field: value})


def test_unknown_field_is_refused() -> None:
    """A misspelt field is an error, not a silently dropped change."""
    with pytest.raises(TypeError, match="no field 'stauts'"):
        replace(intent(), stauts=IntentStatus.ACKED)


def test_classes_that_convert_on_init_are_refused() -> None:
    """A converter or post-init hook would be skipped, so such classes are refused."""

    @attrs.frozen
    class Converted:
        qty: Decimal = attrs.field(converter=Decimal)

    with pytest.raises(TypeError, match="converts on init"):
        replace(Converted(Decimal(1)), qty=Decimal(2))


def test_a_trusted_ledger_step_is_the_validated_one() -> None:
    """The ledger's next holding and ledger, built without validators, equal the
    constructor's (defaults and the holdings mapping included)."""
    from tradecore.domain.frozen import trusted_builder
    from tradecore.domain.orders.ledger import Holding, Ledger

    made = trusted_builder(Holding)(
        qty=Decimal(3), cost_basis=Decimal("301.5"), realized_pnl=Decimal(-2)
    )
    assert made == Holding(
        qty=Decimal(3), cost_basis=Decimal("301.5"), realized_pnl=Decimal(-2)
    )
    assert made.avg_price == Decimal("100.5")
    ledger = trusted_builder(Ledger)(cash=Decimal(5), holdings={"A": made})
    assert ledger == Ledger(cash=Decimal(5), holdings={"A": made})
