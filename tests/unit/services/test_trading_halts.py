"""A halted symbol is not traded until it resumes, and ``/health`` shows the halt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.risk_support import RecordingAlerter
from tradecore.adapters.sim import SimClock
from tradecore.apps.live.operations import health_checks
from tradecore.domain.market.trading_status import TradingHalt
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.limits import RiskLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.services.controls.risk_gate import RiskGate

T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


class _Halts:
    """A TradingStatusView whose halts the test sets."""

    def __init__(self) -> None:
        self.now: dict[str, TradingHalt] = {}

    def halted(self) -> dict[str, TradingHalt]:
        return dict(self.now)


def _halt(symbol: str = "AAPL") -> TradingHalt:
    return TradingHalt(
        symbol=symbol,
        since=T0,
        status_code="H",
        reason_code="T12",
        reason="Trading Halted; For information requested by NASDAQ",
    )


def test_an_order_for_a_halted_symbol_is_refused_until_it_resumes() -> None:
    halts = _Halts()
    gate = RiskGate(
        PreTradeChecker(RiskLimits()),
        None,  # type: ignore[arg-type]  # a refusal reads no store
        RecordingAlerter(),
        trading_status=halts,
    )
    spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1))
    halts.now = {"AAPL": _halt()}
    verdict = gate.check(None, "s", spec, T0)  # type: ignore[arg-type]
    assert verdict.rule == "symbol_halted"
    assert verdict.values["symbol"] == "AAPL"
    assert verdict.values["since"] == T0.isoformat()
    assert "NASDAQ" in verdict.values["reason"]


def test_health_lists_the_halted_symbols() -> None:
    halts = _Halts()
    checks = health_checks(
        broker=None,  # type: ignore[arg-type]
        feed=None,  # type: ignore[arg-type]
        clock=SimClock(T0 + timedelta(minutes=1)),
        max_data_age=timedelta(minutes=3),
        store=None,  # type: ignore[arg-type]
        manifest="m",
        halts=halts,
    )
    assert checks["trading_status"]().detail == "no symbol halted"
    halts.now = {"AAPL": _halt()}
    status = checks["trading_status"]()
    assert status.ok
    assert status.detail.startswith("halted: AAPL halted since 2026-01-05T15:00:00")


def test_without_a_status_source_health_has_no_trading_status_check() -> None:
    checks = health_checks(
        broker=None,  # type: ignore[arg-type]
        feed=None,  # type: ignore[arg-type]
        clock=SimClock(T0),
        max_data_age=timedelta(minutes=3),
        store=None,  # type: ignore[arg-type]
        manifest="m",
    )
    assert "trading_status" not in checks
