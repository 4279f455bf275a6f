"""The net-of-cost demonstration: selector, cost gates and calibration all act.

One replay of ``sma_edge`` on generated bars with the realistic fill model, pinned to
a cost-model version whose DDD coefficient sits at its clamp (so DDD entries are
blocked as stale), with BBB and CCC quoted wide: every execution policy is chosen, both cost
gates skip entries, and the replay stores the next cost-model version fitted from
its own fills. The same replay with ideal fills costs less and, order by order in
the bar both filled it, never fills at a worse price.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.calendars import xnys
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.adapters.sqlstore import open_store
from tradecore.apps.config.execution import ExecutionSettings
from tradecore.apps.replay.main import app
from tradecore.apps.replay.runner import ReplayResult, replay
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.execution.cost_params import CostModelParams, ImpactParams
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.datagen import Shape, generate_bars
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.ports.store_records import CostModelVersion
from tradecore.services.execution.tca_store import calibrate_from_store, load_analyses

PARAMS = {"max_qty": 50_000, "confidence_bps": 5.0}
CLAMPED = CostModelParams(per_symbol={"DDD": ImpactParams(eta=1.5)})


@pytest.fixture(scope="module")
def frames() -> list[BarFrame]:
    return generate_bars(
        ("AAA", "BBB", "CCC", "DDD"),
        3000,
        start=datetime(2026, 1, 5, 14, 30, tzinfo=UTC),
        seed=11,
        shape=Shape.ONE_FACTOR,
        calendar=xnys(),
    )


@pytest.fixture(scope="module")
def cost_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('costs') / 'costs.db'}"
    store = open_store(url, upgrade=True)
    with store.unit_of_work() as uow:
        uow.cost_models.record(
            CostModelVersion(
                version_hash=CLAMPED.version_hash,
                created_at=datetime(2026, 1, 5, tzinfo=UTC),
                params=CLAMPED.to_dict(),
                note="hand-made, DDD at the eta clamp",
            )
        )
        uow.commit()
    store.close()
    return url


def _settings(cost_store: str) -> ExecutionSettings:
    return ExecutionSettings(
        enabled=True,
        urgency_minutes=30.0,
        spread_bps=4.0,
        spread_bps_by_symbol={"CCC": 40.0, "BBB": 30.0},
        cost_model_store=cost_store,
        cost_model_version=CLAMPED.version_hash,
        prior_strength=10.0,
    )


def _run(
    frames: list[BarFrame], cost_store: str, fill_model: str, out: Path
) -> ReplayResult:
    return replay(
        frames,
        "sma_edge",
        PARAMS,
        fill_model=fill_model,
        cash=5_000_000,
        out=out,
        execution=_settings(cost_store),
    )


@pytest.fixture(scope="module")
def realistic(
    frames: list[BarFrame], cost_store: str, tmp_path_factory: pytest.TempPathFactory
) -> ReplayResult:
    return _run(frames, cost_store, "realistic", tmp_path_factory.mktemp("real"))


@pytest.fixture(scope="module")
def ideal(
    frames: list[BarFrame], cost_store: str, tmp_path_factory: pytest.TempPathFactory
) -> ReplayResult:
    return _run(frames, cost_store, "ideal", tmp_path_factory.mktemp("ideal"))


def _details(result: ReplayResult) -> list[Mapping[str, object]]:
    return [json.loads(str(d["details"])) for d in result.decision_rows]


def test_every_policy_is_chosen_and_both_gates_skip(realistic: ReplayResult) -> None:
    policies = Counter(
        str(p["policy"])
        for d in _details(realistic)
        if isinstance(p := d.get("policy"), dict)
    )
    assert set(policies) == {"passive_limit", "marketable_limit", "twap", "pov"}
    assert all(n > 0 for n in policies.values())
    skips = Counter(
        o["reason"] for o in realistic.outcome_rows if o["kind"] == "skipped"
    )
    assert skips["cost_exceeds_edge"] > 0
    assert skips["cost_model_stale"] > 0
    stale = [
        d
        for d in realistic.decision_rows
        if d["symbol"] == "DDD" and "policy" in str(d)
    ]
    assert not stale  # DDD never got as far as a policy: its entries are blocked


def test_decisions_carry_the_pinned_version_and_orders_their_policy(
    realistic: ReplayResult,
) -> None:
    assert realistic.summary["cost_model_version"] == CLAMPED.version_hash
    out = realistic.out
    assert out is not None
    store = open_store(f"sqlite:///{out / 'replay.db'}")
    try:
        with store.unit_of_work() as uow:
            decisions = uow.decisions.all_decisions()
            intents = uow.intents.by_status(*IntentStatus)
    finally:
        store.close()
    assert {d.cost_model_hash for d in decisions} == {CLAMPED.version_hash}
    # Child slices' decisions too carry the manifest and config in force.
    assert any("parent_decision_id" in d.details for d in decisions)
    assert {d.manifest_hash for d in decisions} == {realistic.summary["manifest_hash"]}
    assert len({d.config_hash for d in decisions}) == 1
    assert {i.execution_policy for i in intents} == {
        "passive_limit",
        "marketable_limit",
        "twap",
        "pov",
    }
    assert all(i.cost_model_hash == CLAMPED.version_hash for i in intents)
    sliced = [i for i in intents if i.parent_client_order_id]
    assert sliced
    assert all(i.execution_policy in ("twap", "pov") for i in sliced)
    assert any(i.expected_edge_bps for i in intents)


def test_the_replay_stores_the_next_cost_model_version(
    realistic: ReplayResult, cost_store: str
) -> None:
    calibrated = realistic.summary["calibrated_cost_model_version"]
    assert calibrated
    assert calibrated != CLAMPED.version_hash
    store = open_store(cost_store)
    try:
        with store.unit_of_work() as uow:
            version = uow.cost_models.get(str(calibrated))
    finally:
        store.close()
    fitted = CostModelParams.from_dict(version.params)
    assert fitted.parent_hash == CLAMPED.version_hash
    assert fitted.version_hash == calibrated
    assert len(version.fills_used) > 10
    executions = {str(f["execution_id"]) for f in realistic.fill_rows}
    assert set(version.fills_used) <= executions
    assert fitted.per_symbol.keys() - {"DDD"}  # traded symbols were refitted


def test_calibrating_from_the_held_analyses_fits_what_reading_the_store_fits(
    realistic: ReplayResult,
) -> None:
    # The replay hands its report's analyses to the calibration instead of letting
    # it read (and hold) every order a second time: the fit must not change.
    assert realistic.out is not None
    store = open_store(f"sqlite:///{realistic.out / 'replay.db'}", upgrade=False)
    at = datetime(2026, 1, 6, tzinfo=UTC)
    marks = {"AAA": Decimal("100")}
    try:
        with store.unit_of_work() as uow:
            analyses = load_analyses(uow, marks)
            read = calibrate_from_store(uow, CLAMPED, created_at=at, marks=marks)
        with store.unit_of_work() as uow:
            held = calibrate_from_store(
                uow, CLAMPED, created_at=at, marks=marks, analyses=analyses
            )
    finally:
        store.close()
    assert read is not None
    assert held == read


def test_a_pinned_replay_is_reproducible(
    realistic: ReplayResult, frames: list[BarFrame], cost_store: str, tmp_path: Path
) -> None:
    again = _run(frames, cost_store, "realistic", tmp_path / "again")
    assert again.summary == realistic.summary


def _first_fills(
    result: ReplayResult,
) -> dict[tuple[str, str, str], tuple[str, Decimal]]:
    """First fill (bar minute, price) of each order, keyed by symbol, decision time, side."""
    fills: dict[str, list[Mapping[str, object]]] = {}
    for fill in result.fill_rows:
        fills.setdefault(str(fill["client_order_id"]), []).append(fill)
    found = {}
    for row, details in zip(result.decision_rows, _details(result), strict=True):
        own = fills.get(str(details.get("client_order_id")))
        if not own:
            continue
        first = min(own, key=lambda f: str(f["filled_at"]))
        key = (str(row["symbol"]), str(row["decided_at"]), str(first["side"]))
        found[key] = (str(first["filled_at"])[:16], Decimal(str(first["price"])))
    return found


def _worse(side: str, ideal: Decimal, realistic: Decimal) -> bool:
    return ideal > realistic if side == "buy" else ideal < realistic


def test_ideal_fills_cost_less_and_never_fill_worse(
    realistic: ReplayResult, ideal: ReplayResult
) -> None:
    assert Decimal(str(ideal.summary["execution_cost"])) < Decimal(
        str(realistic.summary["execution_cost"])
    )
    assert Decimal(str(ideal.summary["implementation_shortfall"])) < Decimal(
        str(realistic.summary["implementation_shortfall"])
    )
    real, perfect = _first_fills(realistic), _first_fills(ideal)
    same_bar = [k for k in real.keys() & perfect.keys() if real[k][0] == perfect[k][0]]
    assert len(same_bar) > 100
    worse = [k for k in same_bar if _worse(k[2], perfect[k][1], real[k][1])]
    assert worse == []


def test_tca_cli_prints_the_rollups(realistic: ReplayResult) -> None:
    result = CliRunner().invoke(app, ["tca", str(realistic.out)])
    assert result.exit_code == 0, result.output
    for heading in ("by symbol", "by day", "by policy", "by strategy"):
        assert heading in result.output
    assert "twap" in result.output
    assert "sma_edge_10_30" in result.output
    parents = result.output.split("sliced parents")[1].splitlines()[2:]
    assert parents
    assert all(line.split()[-1] in ("filled", "canceled") for line in parents)


def test_the_report_explains_decisions_and_charts_costs(
    realistic: ReplayResult,
) -> None:
    assert realistic.out is not None
    page = (realistic.out / "report.html").read_text()
    assert 'id="cost-scatter"' in page
    assert 'id="cost-by-policy"' in page
    assert "Decisions explained" in page
    assert "cost_exceeds_edge" in page
    assert "expected cost" in page  # the selector's reasons are shown


def test_an_unknown_pinned_version_is_refused_and_leaves_no_replay(
    frames: list[BarFrame], tmp_path: Path
) -> None:
    settings = ExecutionSettings(enabled=True, cost_model_version="0" * 64)
    with pytest.raises(ConfigurationError, match="not in the cost-model store"):
        replay(frames, "sma_edge", out=tmp_path / "out", execution=settings)
    assert not (tmp_path / "out" / "replay.db").exists()


_KILLED_RUN = """
import os, signal, sys
from tradecore.apps.config.execution import ExecutionSettings
from tradecore.apps.replay.runner import replay

def die_halfway(progress):
    if progress.done * 2 >= progress.total:
        os.kill(os.getpid(), signal.SIGKILL)

replay(sys.argv[1], "sma_edge", {"max_qty": 50000, "confidence_bps": 5.0},
       cash=5_000_000, out=sys.argv[2], on_progress=die_halfway, commit_every=200,
       execution=ExecutionSettings(enabled=True, urgency_minutes=30.0, spread_bps=4.0))
"""


@pytest.mark.heavy
def test_a_killed_net_of_cost_replay_resumes_to_the_same_result(tmp_path: Path) -> None:
    data = tmp_path / "bars"
    start = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
    write_bar_files(
        data,
        generate_bars(
            ["AAA", "BBB"], 3000, start=start, seed=11, shape=Shape.ONE_FACTOR
        ),
    )
    settings = ExecutionSettings(enabled=True, urgency_minutes=30.0, spread_bps=4.0)

    def run(out: Path, *, resume: bool = False) -> ReplayResult:
        return replay(
            data,
            "sma_edge",
            PARAMS,
            cash=5_000_000,
            out=out,
            resume=resume,
            commit_every=200,
            execution=settings,
        )

    whole = run(tmp_path / "whole")
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_RUN, str(data), str(tmp_path / "cut")],
        check=False,
    )
    assert killed.returncode == -9
    resumed = run(tmp_path / "cut", resume=True)
    assert resumed.summary == whole.summary
    # Resuming a finished run pins what it pinned, not the version it calibrated.
    assert run(tmp_path / "whole", resume=True).summary == whole.summary
    executions = [str(f["execution_id"]) for f in resumed.fill_rows]
    assert len(executions) == len(set(executions))
    store = open_store(f"sqlite:///{tmp_path / 'cut' / 'replay.db'}")
    try:
        with store.unit_of_work() as uow:
            sliced = [
                i
                for i in uow.intents.by_status(*IntentStatus)
                if i.parent_client_order_id
            ]
    finally:
        store.close()
    assert sliced  # the resumed run re-derived slices under their first-run ids
    assert all(i.filled_qty <= (i.spec.qty or 0) for i in sliced)
