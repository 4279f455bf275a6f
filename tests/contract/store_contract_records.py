"""StoreContract, part two: the records around the orders (ST-21 ...).

:class:`RecordsContract` is a mixin of :class:`store_contract.StoreContract`
(adapters subclass that one class); it uses the ``store`` and ``make_store``
fixtures StoreContract defines.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from tradecore.domain.errors import InvalidInput, NotFound
from tradecore.domain.orders.account import Position
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord
from tradecore.domain.risk.trading_state import TradingState
from tradecore.ports.store import Store
from tradecore.ports.store_records import (
    BrokerOrderRecord,
    CostModelVersion,
    ManifestRecord,
    ModelRecord,
    PositionCheck,
    PositionSnapshot,
)

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)


def _decision(n: int) -> DecisionRecord:
    return DecisionRecord(
        decision_id=f"d{n}",
        strategy_id="contract",
        symbol="AAPL",
        decided_at=T0 + timedelta(seconds=n),
        details={"edge_bps": 3.25, "reasons": ["momentum"]},
    )


def _order(broker_id: str, coid: str, status: str, minutes: int) -> BrokerOrderRecord:
    return BrokerOrderRecord(
        broker_order_id=broker_id,
        client_order_id=coid,
        raw_status=status,
        submitted_at=T0,
        updated_at=T0 + timedelta(minutes=minutes),
    )


class RecordsContract:
    """Decisions, broker orders, snapshots, control state, cost models, models."""

    make_intent: Callable[..., OrderIntent]

    def test_each_decision_has_exactly_one_outcome(self, store: Store) -> None:
        """ST-21 a decision takes one outcome; a second is refused, unknown is NotFound."""
        skipped = OutcomeRecord(
            decision_id="d1", kind=OutcomeKind.SKIPPED, recorded_at=T0, reason="cost"
        )
        with store.unit_of_work() as uow:
            assert uow.decisions.record_decision(_decision(1))
            assert not uow.decisions.record_decision(_decision(1))
            assert uow.decisions.record_decision(_decision(2))
            assert uow.decisions.record_outcome(skipped)
            failed = OutcomeRecord(
                decision_id="d1", kind=OutcomeKind.FAILED, recorded_at=T0, reason="x"
            )
            assert not uow.decisions.record_outcome(failed)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.decisions.outcome("d1") == skipped
            assert uow.decisions.outcome("d2") is None
            assert uow.decisions.decisions_without_outcome() == [_decision(2)]
            assert uow.decisions.all_decisions() == [_decision(1), _decision(2)]
            assert uow.decisions.all_outcomes() == [skipped]
            with pytest.raises(NotFound):
                uow.decisions.record_outcome(
                    OutcomeRecord(
                        decision_id="d404",
                        kind=OutcomeKind.SKIPPED,
                        recorded_at=T0,
                        reason="x",
                    )
                )

    def test_decisions_and_outcomes_since_a_time(self, store: Store) -> None:
        """ST-28 decisions_since / outcomes_since: decided at or after the time."""
        outcomes = {
            n: OutcomeRecord(
                decision_id=f"d{n}",
                kind=OutcomeKind.SKIPPED,
                recorded_at=T0,
                reason="cost",
            )
            for n in (1, 3)
        }
        with store.unit_of_work() as uow:
            for n in (4, 1, 3, 2):
                uow.decisions.record_decision(_decision(n))
            for outcome in outcomes.values():
                uow.decisions.record_outcome(outcome)
            uow.commit()
        since = T0 + timedelta(seconds=2)
        with store.unit_of_work() as uow:
            recent = uow.decisions.decisions_since(since)
            assert [d.decision_id for d in recent] == ["d2", "d3", "d4"]
            assert uow.decisions.outcomes_since(since) == [outcomes[3]]
            assert uow.decisions.outcomes_since(T0) == [outcomes[1], outcomes[3]]
            assert uow.decisions.decisions_since(since + timedelta(hours=1)) == []

    def test_broker_orders_track_the_latest_sighting(self, store: Store) -> None:
        """ST-22 broker orders: newer sightings update, older ones do not; many per intent."""
        intent = self.make_intent()
        coid = intent.client_order_id
        with store.unit_of_work() as uow:
            uow.intents.create(intent)
            uow.broker_orders.record(_order("b-1", coid, "new", 1))
            uow.broker_orders.record(_order("b-1", coid, "filled", 5))
            uow.broker_orders.record(_order("b-1", coid, "accepted", 2))
            uow.broker_orders.record(_order("b-2", coid, "new", 6))
            with pytest.raises(InvalidInput):
                uow.broker_orders.record(_order("b-1", "someone-else", "new", 9))
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.broker_orders.get("b-1") == _order("b-1", coid, "filled", 5)
            assert [o.broker_order_id for o in uow.broker_orders.for_intent(coid)] == [
                "b-1",
                "b-2",
            ]
            with pytest.raises(NotFound):
                uow.broker_orders.get("b-404")

    def test_position_snapshots_round_trip_exactly(self, store: Store) -> None:
        """ST-23 the latest snapshot per source comes back exactly."""
        older = PositionSnapshot(taken_at=T0, source="ledger", cash=Decimal("1"))
        newer = PositionSnapshot(
            taken_at=T0 + timedelta(hours=1),
            source="ledger",
            cash=Decimal("100000.000000001"),
            positions=(
                Position(
                    symbol="AAPL", qty=Decimal("-3.5"), avg_entry_price=Decimal("1")
                ),
                Position(
                    symbol="MSFT", qty=Decimal("7"), avg_entry_price=Decimal("0.1")
                ),
            ),
        )
        with store.unit_of_work() as uow:
            uow.positions.record(newer)
            uow.positions.record(older)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.positions.latest("ledger") == newer
            assert uow.positions.latest("broker") is None

    def test_position_checks_round_trip_exactly_once_per_pass(
        self, store: Store
    ) -> None:
        """ST-31 reconciliation's per-symbol checks: exact, idempotent, by pass."""

        def check(at: datetime, symbol: str, broker: str, ledger: str) -> PositionCheck:
            return PositionCheck(
                checked_at=at,
                symbol=symbol,
                broker_qty=Decimal(broker),
                ledger_qty=Decimal(ledger),
                healed_qty=Decimal(broker),
            )

        later = T0 + timedelta(minutes=1)
        first = [check(T0, "MSFT", "7", "7"), check(T0, "AAPL", "-3.5", "0.000001")]
        second = [check(later, "AAPL", "14", "10")]
        with store.unit_of_work() as uow:
            assert uow.positions.latest_checks() == []
            assert uow.positions.record_checks(first) == 2
            assert uow.positions.record_checks(second) == 1
            uow.commit()
        with store.unit_of_work() as uow:
            again = [attrs.evolve(first[0], broker_qty=Decimal(99))]
            assert uow.positions.record_checks(again) == 0
            assert uow.positions.record_checks([]) == 0
            uow.commit()
        with store.unit_of_work() as uow:
            assert list(uow.positions.latest_checks()) == second
            assert list(uow.positions.checks_since(T0)) == [
                first[1],
                first[0],
                *second,
            ]
            assert list(uow.positions.checks_since(later)) == second
            assert second[0].drift == Decimal(4)

    def test_trading_state_persists_across_reopen(
        self, store: Store, make_store: Callable[[], Store]
    ) -> None:
        """ST-24 trading and breaker states start clear and survive a reopen."""
        with store.unit_of_work() as uow:
            assert uow.controls.get_trading_state().state is TradingState.ACTIVE
            assert uow.controls.get_breaker("daily_loss") is None
            uow.controls.set_trading_state(TradingState.HALTED, "kill switch")
            uow.controls.set_breaker("daily_loss", tripped=True, reason="-2%")
            uow.commit()
        reopened = make_store()
        with reopened.unit_of_work() as uow:
            state = uow.controls.get_trading_state()
            breaker = uow.controls.get_breaker("daily_loss")
            with pytest.raises(InvalidInput):
                uow.controls.set_trading_state(TradingState.ACTIVE, " ")
        reopened.close()
        assert (state.state, state.reason) == (TradingState.HALTED, "kill switch")
        assert state.changed_at is not None
        assert breaker is not None
        assert (breaker.tripped, breaker.reason) == (True, "-2%")

    def test_cost_model_versions_are_immutable(self, store: Store) -> None:
        """ST-25 a cost-model version is stored once; latest is the newest."""
        v1 = CostModelVersion(version_hash="c1", created_at=T0, params={"eta": 0.1})
        v2 = CostModelVersion(
            version_hash="c2", created_at=T0 + timedelta(days=1), params={"eta": 0.2}
        )
        with store.unit_of_work() as uow:
            assert uow.cost_models.latest() is None
            assert uow.cost_models.record(v1)
            assert uow.cost_models.record(v2)
            assert not uow.cost_models.record(
                CostModelVersion(version_hash="c1", created_at=T0, params={"eta": 9.0})
            )
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.cost_models.get("c1") == v1
            assert uow.cost_models.latest() == v2
            with pytest.raises(NotFound):
                uow.cost_models.get("c404")

    def test_a_decision_keeps_the_manifest_hash_in_force(self, store: Store) -> None:
        """ST-27 a decision's manifest hash round-trips; none stays ``None``."""
        signed = attrs.evolve(_decision(1), manifest_hash="ab" * 32)
        with store.unit_of_work() as uow:
            assert uow.decisions.record_decision(signed)
            assert uow.decisions.record_decision(_decision(2))
            uow.commit()
        with store.unit_of_work() as uow:
            first, second = uow.decisions.all_decisions()
            assert first.manifest_hash == "ab" * 32
            assert second.manifest_hash is None
            assert uow.decisions.decisions_without_outcome() == [signed, _decision(2)]

    def test_models_and_manifests(self, store: Store) -> None:
        """ST-26 manifests attach to registered models only, oldest first."""
        model = ModelRecord(model_hash="m1", name="momo", created_at=T0)
        manifest = ManifestRecord(
            manifest_hash="mf1",
            model_hash="m1",
            data_hash="d",
            cost_model_hash="c1",
            config_hash="cfg",
            created_at=T0,
            signature="ab" * 32,
            key_id="k1",
        )
        with store.unit_of_work() as uow:
            assert uow.models.register(model)
            assert not uow.models.register(model)
            assert uow.models.record_manifest(manifest)
            with pytest.raises(NotFound):
                uow.models.record_manifest(
                    ManifestRecord(
                        manifest_hash="mf2",
                        model_hash="m404",
                        data_hash="d",
                        cost_model_hash="c",
                        config_hash="cfg",
                        created_at=T0,
                    )
                )
        # The NotFound above ended that unit: nothing of it was committed.
        with store.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.models.get("m1")
            uow.models.register(model)
            uow.models.record_manifest(manifest)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.models.get("m1") == model
            assert uow.models.manifests_for("m1") == [manifest]
