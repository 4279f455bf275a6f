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


def test_copies_and_builds_are_of_the_class_itself_and_stay_frozen() -> None:
    """Values filled in through the builder twin come out as the class itself
    (not the twin), frozen as the constructor's, equal and hashed alike."""
    from tradecore.domain.frozen import trusted_builder
    from tradecore.domain.orders.ledger import Holding

    base = intent()
    copied = replace(base, status=IntentStatus.ACKED)
    built = trusted_builder(Holding)(
        qty=Decimal(1), cost_basis=Decimal(2), realized_pnl=Decimal(0)
    )
    for value, cls in ((copied, type(base)), (built, Holding)):
        assert type(value) is cls
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            value.qty = Decimal(5)  # type: ignore[misc]
    assert hash(built) == hash(
        Holding(qty=Decimal(1), cost_basis=Decimal(2), realized_pnl=Decimal(0))
    )


def test_classes_without_slots_are_copied_field_by_field() -> None:
    """A frozen class with an instance dict has no twin: it is still copied right."""

    @attrs.frozen(slots=False)
    class Plain:
        a: int
        b: str = "x"

    copied = replace(Plain(1), b="y")
    assert copied == Plain(1, "y")
    assert type(copied) is Plain
