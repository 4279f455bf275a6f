"""The strategy leakage check: honest strategies pass, peeking ones are caught and
the first bar and symbol named; ``tradecore-replay leakage`` prints PASS or the leak."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.integration.research_strategies import FullSampleMean, Peeker
from tests.integration.test_train_model_cli import FEATURES, PeekNextClose
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.replay import leakage as leakage_command
from tradecore.apps.replay.demo_data import demo_calendar
from tradecore.apps.replay.leakage import check_strategy_leakage
from tradecore.apps.replay.main import app
from tradecore.apps.replay.research_data import LoadedData
from tradecore.apps.replay.runner import replay
from tradecore.apps.wiring import errors
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.features.kinds import KINDS, register_kind
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.research.leakage import Leak, LeakageReport
from tradecore.domain.research.leakage_check import cut_points
from tradecore.domain.strategies import BUNDLED

runner = CliRunner()
MINUTE_NS = 60_000_000_000


@pytest.fixture(scope="module")
def data() -> LoadedData:
    calendar = demo_calendar()
    frames = generate_bars(
        ["AAA", "BBB"],
        400,
        start=datetime(2026, 1, 5, tzinfo=UTC),
        seed=3,
        calendar=calendar,
    )
    return LoadedData(frames=frames, calendar=calendar)


@pytest.mark.heavy
@pytest.mark.parametrize("strategy", sorted(BUNDLED))
def test_every_bundled_strategy_is_point_in_time(
    data: LoadedData, strategy: str
) -> None:
    params = {"fast": 5, "slow": 15} if strategy in ("sma_cross", "sma_edge") else {}
    made = replay(data.frames, strategy, params, calendar=data.calendar)
    assert len(made.decisions) > 0  # it decided something the check could compare
    report = check_strategy_leakage(data, strategy, params)
    assert report.passed, report.leak and report.leak.describe()
    assert len(report.cuts_ns) == 8
    assert report.subject == f"strategy:{strategy}"


@pytest.mark.heavy
def test_a_strategy_reading_the_next_bar_is_caught_at_the_first_cut(
    data: LoadedData,
) -> None:
    report = check_strategy_leakage(data, Peeker, make_strategy=Peeker)
    first_cut = cut_points(data.frames[0].timestamps)[0]
    assert report.leak == Leak(
        cut_ns=first_cut,
        timestamp_ns=first_cut + MINUTE_NS,  # the cut bar's decision, at its close
        symbol="AAA",
        what="decision",
        full=report.leak.full if report.leak else "",
        truncated="no decision",
    )
    assert "used the future" in report.leak.describe()  # type: ignore[union-attr]


@pytest.mark.heavy
def test_a_strategy_fitted_on_the_whole_sample_is_caught(data: LoadedData) -> None:
    report = check_strategy_leakage(data, FullSampleMean, make_strategy=FullSampleMean)
    assert report.leak is not None
    assert report.leak.symbol in ("AAA", "BBB")
    assert report.leak.timestamp_ns <= max(report.cuts_ns) + MINUTE_NS


def test_an_instance_is_refused(data: LoadedData) -> None:
    with pytest.raises(ConfigurationError, match="not an instance"):
        check_strategy_leakage(data, Peeker(data.frames))


def _bars(tmp_path: Path, frames: list[BarFrame]) -> Path:
    folder = tmp_path / "bars"
    write_bar_files(folder, frames)
    return folder


def test_the_command_prints_pass(data: LoadedData, tmp_path: Path) -> None:
    bars = _bars(tmp_path, list(data.frames))
    result = runner.invoke(
        app,
        ["leakage", "--data", str(bars), "--strategy", "momentum", "--cuts", "3"],
        env={"TRADECORE_DEV_KEY_DIR": str(tmp_path / "dev")},
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("PASS strategy:momentum: 3 cuts")


def test_the_command_prints_the_leak_and_exits_3(
    data: LoadedData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = LeakageReport(
        cuts_ns=(0,),
        subject="strategy:x",
        leak=Leak(
            cut_ns=0,
            timestamp_ns=0,
            symbol="AAA",
            what="decision",
            full="a",
            truncated="b",
        ),
    )
    monkeypatch.setattr(
        leakage_command, "check_strategy_leakage", lambda *a, **k: found
    )
    result = runner.invoke(
        app, ["leakage", "--data", str(_bars(tmp_path, list(data.frames)))]
    )
    assert result.exit_code == errors.DOMAIN
    assert result.output.startswith("LEAK strategy:x: decision of AAA at 1970-01-01")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cuts", "0"], "cuts=0: expected an integer >= 1"),
        (["--strategy", "nope"], "nope"),
    ],
)
def test_bad_options_are_one_clear_line(
    data: LoadedData, tmp_path: Path, args: list[str], message: str
) -> None:
    bars = _bars(tmp_path, list(data.frames))
    result = runner.invoke(app, ["leakage", "--data", str(bars), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_feature_set_that_peeks_is_caught_by_the_command(
    data: LoadedData, tmp_path: Path
) -> None:
    """``--features``: the feature set's matrix, not a strategy's decisions; an
    honest set passes, one reading the next bar names that feature and symbol."""
    bars = _bars(tmp_path, list(data.frames))
    honest = tmp_path / "honest.toml"
    honest.write_text(FEATURES)
    args = ["leakage", "--data", str(bars), "--cuts", "3", "--features"]
    result = runner.invoke(app, [*args, str(honest)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("PASS features:")
    register_kind(PeekNextClose)
    try:
        leaky = tmp_path / "leaky.toml"
        leaky.write_text(
            FEATURES + '\n[[feature]]\nname = "peek"\nkind = "test_peek_next_close"\n'
        )
        result = runner.invoke(app, [*args, str(leaky)])
    finally:
        KINDS.pop(PeekNextClose.kind)
    assert result.exit_code == errors.DOMAIN, result.output
    assert result.output.startswith("LEAK features:")
    assert "peek of AAA at" in result.output


def test_a_missing_features_file_is_one_line(data: LoadedData, tmp_path: Path) -> None:
    bars = _bars(tmp_path, list(data.frames))
    result = runner.invoke(
        app, ["leakage", "--data", str(bars), "--features", str(tmp_path / "no.toml")]
    )
    assert result.exit_code == errors.CONFIG_OR_AUTH
    assert "no.toml: no such file" in result.output
