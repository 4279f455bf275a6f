"""The live portfolio hooks: store halt rows applied once each, every correlation
breach alerted once, report files beside a SQLite store only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.risk_support import T0, RecordingAlerter, audit_rows, sqlite_store
from tradecore.adapters.sim import SimClock
from tradecore.apps.live.portfolio_live import PortfolioHooks, portfolio_hooks
from tradecore.apps.ops.tca import attribution_lines
from tradecore.apps.wiring.portfolio_config import report_dir_of
from tradecore.apps.wiring.strategy_loader import load_strategy
from tradecore.domain.strategies.portfolio_halts import halt_control_name
from tradecore.domain.strategies.portfolio_strategy import (
    PortfolioSettings,
    PortfolioStrategy,
    SleeveSpec,
)

MINUTE = 60_000_000_000


def _portfolio() -> PortfolioStrategy:
    return PortfolioStrategy(
        [
            SleeveSpec(name="a", strategy=load_strategy("sma_cross", {})),
            SleeveSpec(name="b", strategy=load_strategy("rsi_reversion", {})),
        ],
        PortfolioSettings(correlation_alert=0.5, correlation_window=5),
    )


def _set(db: Path, name: str, halted: bool) -> None:
    store = sqlite_store(db)
    with store.unit_of_work() as uow:
        uow.controls.set_breaker(halt_control_name(name), tripped=halted, reason="t")
        uow.commit()
    store.close()


def test_halt_rows_are_applied_once_and_audited(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    store = sqlite_store(db)
    pf = _portfolio()
    hooks = PortfolioHooks(pf, store, RecordingAlerter(), SimClock(T0), None)
    try:
        _set(db, "a", True)
        _set(db, "zzz", True)  # no such sleeve here: ignored
        hooks.before_trading()
        assert {s.name: s.halted for s in pf.sleeves} == {"a": True, "b": False}
        hooks.after_cycle()  # nothing new: nothing applied again
        _set(db, "a", False)
        hooks.after_cycle()
        assert {s.name: s.halted for s in pf.sleeves} == {"a": False, "b": False}
    finally:
        store.close()
    kinds = [k for k, _ in audit_rows(db) if k.startswith("portfolio_strategy")]
    assert kinds == ["portfolio_strategy_halted", "portfolio_strategy_resumed"]


def test_each_breach_is_alerted_once(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "live.db")
    pf = _portfolio()
    alerter = RecordingAlerter()
    hooks = PortfolioHooks(pf, store, alerter, SimClock(T0), None)
    try:
        for k, r in enumerate([0.01, -0.02, 0.03, -0.01, 0.02, 0.01]):
            pf.monitor.observe(k * MINUTE, {"a": r, "b": 2 * r})
        assert len(pf.breaches) == 1
        hooks.after_cycle()
        hooks.after_cycle()
        assert alerter.codes() == ["portfolio.correlation"]
        assert alerter.alerts[0].context["dedup_key"] == "a+b"
    finally:
        store.close()


def test_report_files_go_beside_a_sqlite_store_only(tmp_path: Path) -> None:
    assert report_dir_of(f"sqlite:///{tmp_path}/x.db") == tmp_path / "x.db.portfolio"
    assert report_dir_of("sqlite:///:memory:") is None
    assert report_dir_of("postgresql+psycopg://h/db") is None
    store = sqlite_store(tmp_path / "live.db")
    clock = SimClock(T0 + timedelta(days=1))
    try:
        other = load_strategy("sma_cross", {})
        url = f"sqlite:///{tmp_path / 'live.db'}"
        assert portfolio_hooks(other, store, RecordingAlerter(), clock, url) is None
        hooks = portfolio_hooks(_portfolio(), store, RecordingAlerter(), clock, url)
        assert hooks is not None
        written = hooks.finish()
    finally:
        store.close()
    assert written == tmp_path / "live.db.portfolio"
    assert sorted(p.name for p in written.iterdir()) == [
        "allocations.csv",
        "attribution.csv",
        "portfolio.json",
    ]


def test_tca_prints_a_portfolios_attribution_only() -> None:
    block = {
        "attribution": {
            "trend": {"market": 12.5, "costs": 2.25, "net": 10.25},
            "carry": {"market": -1.0, "costs": 0.5, "net": -1.5},
        }
    }
    lines = attribution_lines({"portfolio": block}, "summary.json")
    assert lines[0] == "by strategy of the portfolio (attribution, summary.json)"
    assert lines[2].split() == ["carry", "-1.00", "0.50", "-1.50"]
    assert lines[3].split() == ["trend", "12.50", "2.25", "10.25"]
    assert attribution_lines({"summary": {}}, "x") == []
    assert attribution_lines({"portfolio": {}}, "x") == []
