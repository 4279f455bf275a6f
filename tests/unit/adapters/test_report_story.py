"""The report's opening words: each sentence follows from the run's figures."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tradecore.adapters.report.story import GENERATED, story_html
from tradecore.apps.replay.about import about_run, first_paragraph
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.strategies.sma_cross import SmaCross

ABOUT = {"strategy": "sma_cross", "strategy_doc": "Crossover.", "data": "files"}


def _text(stats: dict[str, object], about: dict[str, str] = ABOUT) -> str:
    page = story_html(stats, about)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _stats(**overrides: object) -> dict[str, object]:
    stats: dict[str, object] = {
        "symbols": 2,
        "bars": 1000,
        "total_return": 0.05,
        "benchmark_return": 0.02,
        "fills": 40,
        "fees": 100.0,
        "final_equity": 105_000.0,
        "max_drawdown": 0.03,
        "sharpe_daily": 2.0,
        "psr_daily": 0.97,
    }
    stats.update(overrides)
    return stats


def test_no_about_no_story() -> None:
    assert story_html(_stats(), {}) == ""


def test_a_winner_that_beat_holding_and_cleared_the_bar() -> None:
    text = _text(_stats())
    assert "A net return of +5.00%, against +2.00% for holding" in text
    assert "better than simply holding the same symbols" in text
    # 5,000 gained after 100 of fees: 5,100 before costs, fees 1.96% of it
    assert "fees took 1.96% of what its trades made before costs" in text
    assert "unlikely to be luck" in text
    assert "One configuration was run" in text


def test_a_loser_worse_than_holding_and_eaten_by_fees() -> None:
    text = _text(
        _stats(
            total_return=-0.001,
            benchmark_return=0.01,
            fees=500.0,
            final_equity=99_900.0,
            psr_daily=0.40,
        )
    )
    assert "did worse than simply holding" in text
    # gross before fees: -100 + 500 = 400 < 500 of fees
    assert "fees of $500.00 took all of the $400.00" in text
    assert "indistinguishable from luck (it would need 0.95)" in text


def test_a_reliably_losing_rule_is_not_called_bad_luck() -> None:
    text = _text(_stats(total_return=-0.02, final_equity=98_000.0, psr_daily=0.01))
    assert "very likely below zero, a losing rule" in text
    assert "luck (it would need" not in text


def test_generated_data_says_no_edge_exists() -> None:
    about = {**ABOUT, "data_kind": GENERATED}
    text = _text(_stats(), about)
    assert "no rule has a real edge on them" in text
    assert "no rule has a real edge" not in _text(_stats())


def test_about_run_names_the_strategy_doc_and_the_data(tmp_path: Path) -> None:
    frames = generate_bars(["AAA"], 10, start=datetime(2026, 1, 5, tzinfo=UTC), seed=1)
    about = about_run("sma_cross", SmaCross(), frames, frames)
    assert about["data_kind"] == GENERATED
    assert about["strategy_doc"].startswith("Moving-average crossover")
    files = about_run("x", SmaCross(), tmp_path / "bars", [])
    assert files["data_kind"] == "files"
    assert files["data"] == "the bar files in bars"


@pytest.mark.parametrize(
    ("doc", "first"),
    [
        ("One.\n\nTwo.", "One."),
        ("  Wrapped\n  line.\n\nMore", "Wrapped line."),
        ("", ""),
    ],
)
def test_first_paragraph(doc: str, first: str) -> None:
    assert first_paragraph(doc) == first
