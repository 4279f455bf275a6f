"""Stress scenarios applied to a replay's venue, and the report comparing them.

``tradecore-replay run --stress costs=3x,latency=+500ms,rejects=8%,spread=2x`` runs
the base replay, then one replay per scenario
(:func:`~tradecore.domain.research.stress.scenarios_of`: each item alone, then all
combined) into ``OUT/stress/<scenario>/``, and writes ``OUT/stress.csv`` and
``OUT/stress.md``: each scenario's Sharpe, return, max drawdown, fills and costs
beside the base run's, and the summary's ``stress`` block.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import attrs

from tradecore.domain.execution.fees import FeeModel
from tradecore.domain.research.stress import StressScenario
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel

STRESS_FOLDER = "stress"
STRESS_CSV = "stress.csv"
STRESS_MD = "stress.md"
#: The columns of the comparison, in order.
COLUMNS = ("scenario", "sharpe", "net_return", "max_drawdown", "fills", "costs")


def apply_stress(venue: VenueConfig, scenario: StressScenario) -> VenueConfig:
    """``venue`` with the scenario's costs, latency, rejects and spread."""
    fills = _fill_model(venue.fill_model, scenario)
    fees = _fee_model(venue.fee_model, Decimal(repr(scenario.cost_multiplier)))
    rejects = (
        venue.random_reject_rate
        if scenario.reject_rate is None
        else scenario.reject_rate
    )
    return attrs.evolve(
        venue, fill_model=fills, fee_model=fees, random_reject_rate=rejects
    )


def _fill_model(model: FillModel, scenario: StressScenario) -> FillModel:
    latency = attrs.evolve(
        model.latency,
        ack_floor_s=model.latency.ack_floor_s + scenario.added_latency_s,
    )
    spread = attrs.evolve(
        model.spread,
        floor_bps=model.spread.floor_bps * scenario.spread_multiplier,
        range_fraction=model.spread.range_fraction * scenario.spread_multiplier,
    )
    impact = attrs.evolve(model.impact, k=model.impact.k * scenario.cost_multiplier)
    return attrs.evolve(model, latency=latency, spread=spread, impact=impact)


def _fee_model(fees: FeeModel, k: Decimal) -> FeeModel:
    return attrs.evolve(
        fees,
        per_share=fees.per_share * k,
        bps=fees.bps * k,
        sec_fee_bps=fees.sec_fee_bps * k,
        finra_taf_per_share=fees.finra_taf_per_share * k,
        finra_taf_max=fees.finra_taf_max * k,
    )


def scenario_folder(out: Path, scenario: StressScenario) -> Path:
    """Where a scenario's replay goes: ``OUT/stress/<name as a file name>``."""
    return out / STRESS_FOLDER / re.sub(r"[^A-Za-z0-9.+-]+", "_", scenario.name)


def comparison_row(
    name: str, summary: Mapping[str, object], cash: Decimal
) -> dict[str, object]:
    """One run's figures as the comparison shows them.

    ``net_return`` is final equity over starting ``cash``, less 1 (net of every
    cost); ``costs`` are the fees charged (plus the execution cost a net-of-cost
    run measures): spread and impact show in the fill prices, so in the return.
    """
    equity = _number(summary.get("final_equity", 0))
    cash_f = float(cash)
    return {
        "scenario": name,
        "sharpe": _number(summary.get("sharpe", 0.0)),
        "net_return": (equity / cash_f - 1.0) if cash_f else 0.0,
        "max_drawdown": _number(summary.get("max_drawdown", 0.0)),
        "fills": int(_number(summary.get("fills", 0))),
        "costs": _number(summary.get("execution_cost", summary.get("fees", 0))),
    }


def stress_block(
    base: Mapping[str, object], rows: Sequence[Mapping[str, object]]
) -> dict[str, object]:
    """The summary's ``stress``: the base row, and each scenario with its deltas."""
    return {
        "base": dict(base),
        "scenarios": [
            {
                **row,
                "delta_sharpe": _number(row["sharpe"]) - _number(base["sharpe"]),
                "delta_net_return": _number(row["net_return"])
                - _number(base["net_return"]),
            }
            for row in rows
        ],
    }


def write_comparison(
    out: Path, base: Mapping[str, object], rows: Sequence[Mapping[str, object]]
) -> None:
    """Write ``stress.csv`` and ``stress.md`` into ``out``."""
    every = [base, *rows]
    with (out / STRESS_CSV).open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in every:
            writer.writerow({k: _cell(row[k]) for k in COLUMNS})
    lines = [
        "# Stress scenarios",
        "",
        "Each scenario alone, then all combined, against the base run.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        *("| " + " | ".join(_cell(r[k]) for k in COLUMNS) + " |" for r in every),
    ]
    (out / STRESS_MD).write_text("\n".join(lines) + "\n")


def _cell(value: object) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _number(value: object) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return 0.0
    return 0.0
