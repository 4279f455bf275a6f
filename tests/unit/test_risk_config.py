"""The ``[risk]`` and ``[broker]`` configuration: exact values, clear errors."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests.calendars import xnys_hours
from tradecore.adapters.clock import SystemClock
from tradecore.adapters.sim import SimulatedBroker
from tradecore.apps.config.risk import build_breakers, build_checker
from tradecore.apps.config.settings import Settings, load_settings
from tradecore.apps.wiring.broker_factory import build_broker
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.inputs import ExposureSnapshot
from tradecore.domain.risk.limits import MarketHours
from tradecore.domain.risk.trading_state import TradingState

D = Decimal
FULL = """
[risk]
max_order_notional = 100000
max_position_shares = "5000"
price_collar_pct = 2.5
restricted_symbols = ["GME", "AMC"]
market_hours = "extended"
allow_short = false
max_orders_per_minute = 30

[risk.strategies.momentum]
max_order_shares = 500
price_collar_bps = 100

[risk.breakers.daily_loss]
max_loss = 5000.25
trip_state = "halted"
quiet_period_s = 600

[risk.breakers.reject_rate]
max_rate = 0.3
min_events = 10

[risk.breakers.correlation]
max_rise = 0.25
max_pc1_share = 0.8
window = 120
"""


def _load(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Settings:
    path = tmp_path / "tradecore.toml"
    path.write_text(text)
    return load_settings(path, env or {}, {})


def test_the_risk_section_is_read_exactly(tmp_path: Path) -> None:
    risk = _load(tmp_path, FULL).risk
    limits = risk.limits
    assert limits.max_order_notional == D(100_000)
    assert limits.max_position_shares == D(5000)
    assert limits.price_collar_pct == D("2.5")
    assert limits.restricted_symbols == ("AMC", "GME")
    assert limits.market_hours is MarketHours.EXTENDED
    assert limits.allow_short is False
    assert limits.max_orders_per_minute == 30
    assert risk.strategies["momentum"].max_order_shares == D(500)
    assert risk.breakers.daily_loss is not None
    assert risk.breakers.daily_loss.max_loss == D("5000.25")
    assert risk.breakers.daily_loss.trip_state is TradingState.HALTED
    assert risk.breakers.drawdown is None


def test_the_checker_and_breakers_come_from_the_settings(tmp_path: Path) -> None:
    risk = _load(tmp_path, FULL).risk
    checker = build_checker(risk, xnys_hours())
    book = ExposureSnapshot.build({}, {"AAPL": D(10)}, references={"AAPL": D(10)})
    at = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=D(501))
    assert checker.check(spec, strategy_id="other", at=at, book=book).passed
    refused = checker.check(spec, strategy_id="momentum", at=at, book=book)
    assert refused.rule == "max_order_shares"
    assert checker.limits_for("momentum").collar_bps == D(100)  # tighter than 250
    names = [b.name for b in build_breakers(risk)]
    assert names == ["daily_loss", "reject_rate", "correlation"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[risk]\nmax_order_shares = -1\n",
            "max_order_shares=Decimal('-1'): must be > 0",
        ),
        ("[risk]\nmax_orderr = 1\n", "risk: extra fields found (max_orderr)"),
        (
            "[risk]\nmax_orders_per_second = 2.5\n",
            "risk.max_orders_per_second = 2.5: expected a whole number",
        ),
        (
            '[risk]\nmarket_hours = "always"\n',
            "risk.market_hours = 'always': expected one of 'regular', 'extended'",
        ),
        (
            '[risk.strategies.x]\nallow_short = "no"\n',
            "risk.strategies['x'].allow_short = 'no': expected true or false",
        ),
        (
            '[risk.breakers.daily_loss]\nmax_loss = 1\ntrip_state = "active"\n',
            "risk.breakers.daily_loss: trip_state=<TradingState.ACTIVE: 'active'>: "
            "must be reducing or halted",
        ),
        (
            "[risk.breakers.daily_loss]\nquiet_period_s = 5\n",
            "risk.breakers.daily_loss.max_loss: required field missing",
        ),
        (
            "[risk.breakers.nope]\nx = 1\n",
            "risk.breakers: extra fields found (nope)",
        ),
        ('[broker]\nkind = "alpaka"\n', "broker: kind='alpaka': expected one of"),
    ],
)
def test_bad_risk_settings_say_what_and_where(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        _load(tmp_path, text)
    assert message in str(raised.value)


def test_the_broker_comes_from_the_config_or_the_environment(tmp_path: Path) -> None:
    assert build_broker(_load(tmp_path, ""), SystemClock()) is None
    settings = _load(tmp_path, "", {"TRADECORE_BROKER": "simulated"})
    assert isinstance(build_broker(settings, SystemClock()), SimulatedBroker)
