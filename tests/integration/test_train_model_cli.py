"""``tradecore-replay train`` → a verifiable model directory → ``run --strategy model``.

Trains on generated bars, checks the directory (layout, card, signed manifest),
replays the model (it trades), and refuses tampered artifacts, feature files and
manifests (exit 7). A deliberately leaky feature shows up in the card.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tradecore.adapters.data.bar_files import load_bars
from tradecore.adapters.data.lake import ParquetLake, day_span
from tradecore.adapters.models.artifacts import file_sha256
from tradecore.adapters.models.layout import (
    ARTIFACT_FILES,
    FEATURES_FILE,
    MANIFEST_FILE,
    MODEL_CARD_FILE,
    read_card,
)
from tradecore.adapters.signing import read_signed_manifest
from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.replay.demo_data import demo_calendar
from tradecore.apps.replay.main import app
from tradecore.apps.wiring import errors
from tradecore.apps.wiring.model_strategy import verify_model_dir
from tradecore.domain.features.kinds import (
    KINDS,
    BarPoint,
    FeatureKind,
    FloatArray,
    SeriesInput,
    Updater,
    register_kind,
)
from tradecore.domain.market.bar_frame import BarFrame, data_fingerprint
from tradecore.domain.market.datagen import Shape, generate_bars
from tradecore.domain.market.lake import SeriesKey

runner = CliRunner()
SYMBOLS = ("AAPL", "MSFT", "GOOG")
FEATURES = """
[[feature]]
name = "r5"
kind = "return"
n = 5

[[feature]]
name = "rsi"
kind = "rsi"
period = 10

[[feature]]
name = "vwap"
kind = "dist_vwap"

[[feature]]
name = "r5_rank"
kind = "xs_rank"
of = "r5"
"""


def _frames(n: int = 1200) -> list[BarFrame]:
    return generate_bars(
        SYMBOLS,
        n,
        start=datetime(2026, 1, 5, 14, 30, tzinfo=UTC),
        seed=11,
        shape=Shape.ONE_FACTOR,
        calendar=demo_calendar(),
    )


def _write_csv(folder: Path, frames: list[BarFrame]) -> Path:
    folder.mkdir(parents=True)
    for f in frames:
        lines = ["timestamp,open,high,low,close,volume"]
        for i in range(len(f)):
            at = datetime.fromtimestamp(int(f.timestamps[i]) / 1e9, UTC).isoformat()
            row = (f.open[i], f.high[i], f.low[i], f.close[i], f.volume[i])
            lines.append(at + "," + ",".join(repr(float(v)) for v in row))
        (folder / f"{f.symbol}.csv").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("train")
    features = root / "features.toml"
    features.write_text(FEATURES)
    return {
        "root": root,
        "bars": _write_csv(root / "bars", _frames()),
        "features": features,
        "dev": root / "dev-key",
    }


def _cli(ws: dict[str, Path], *args: str) -> tuple[int, str]:
    result = runner.invoke(
        app, list(args), env={"TRADECORE_DEV_KEY_DIR": str(ws["dev"])}
    )
    return result.exit_code, result.output


def _train(
    ws: dict[str, Path], out: Path, *extra: str, model: str = "sklearn:logistic"
) -> str:
    code, output = _cli(
        ws,
        "train",
        "--features",
        str(ws["features"]),
        "--model",
        model,
        "--label",
        "forward_return:10",
        "--data",
        str(ws["bars"]),
        "--embargo",
        "10",
        "--folds",
        "4",
        "--seed",
        "3",
        "--out",
        str(out),
        *extra,
    )
    assert code == 0, output
    return output


@pytest.fixture(scope="module")
def model_dir(workspace: dict[str, Path]) -> Path:
    out = workspace["root"] / "model"
    _train(workspace, out)
    return out


def _copy(model_dir: Path, to: Path) -> Path:
    to.mkdir()
    for item in model_dir.iterdir():
        (to / item.name).write_bytes(item.read_bytes())
    return to


def test_train_writes_a_complete_verifiable_model_dir(
    workspace: dict[str, Path], model_dir: Path
) -> None:
    assert sorted(p.name for p in model_dir.iterdir()) == sorted(
        [ARTIFACT_FILES["sklearn"], FEATURES_FILE, MODEL_CARD_FILE, MANIFEST_FILE]
    )
    card = read_card(model_dir)
    sha = file_sha256(model_dir / ARTIFACT_FILES["sklearn"])
    assert card["model_kind"] == "sklearn"
    assert card["artifact_sha256"] == sha
    assert card["features"] == ["r5", "rsi", "vwap", "r5_rank"]
    assert card["label"] == "forward_return:10"
    assert card["embargo_bars"] == 10
    assert card["seeds"] == [3]
    assert card["leakage"]["passed"] is True  # type: ignore[index]
    data = card["data"]
    assert data["symbols"] == sorted(SYMBOLS)  # type: ignore[index]
    read = load_bars(workspace["bars"]).frames
    assert data["dataset_fingerprint"] == data_fingerprint(read)  # type: ignore[index]
    metrics = card["metrics"]
    for part in ("in_sample", "out_of_sample"):
        assert {"hit_rate", "auc", "log_loss", "base_rate", "n"} <= set(metrics[part])  # type: ignore[index]
    assert metrics["out_of_sample"]["n"] == card["rows"]  # type: ignore[index]
    assert card["avg_abs_forward_return"] > 0  # type: ignore[operator]
    assert "scikit-learn" in card["libraries"]  # type: ignore[operator]

    settings = SigningSettings(dev_key_dir=str(workspace["dev"]))
    manifest = verify_model_dir(
        model_dir, settings, trust_local_dev_key=True, allow_dev_key=True
    )
    assert manifest.model_hash == sha
    assert manifest.feature_schema_hash == card["feature_schema_hash"]
    assert manifest.embargo_bars == 10
    assert manifest.dataset_fingerprint == data["dataset_fingerprint"]  # type: ignore[index]
    assert manifest.parameters["label"] == "forward_return:10"
    assert manifest.training_start is not None
    assert manifest.training_end is not None
    assert manifest.training_start < manifest.training_end
    assert [s.name for s in manifest.data_sources] == [
        f"bars/{s}" for s in sorted(SYMBOLS)
    ]


def test_train_prints_a_summary(workspace: dict[str, Path], tmp_path: Path) -> None:
    output = _train(workspace, tmp_path / "m", model="lightgbm")
    assert re.search(r"out of sample: hit rate 0\.\d{4}, AUC 0\.\d{4}", output)
    sha = file_sha256(tmp_path / "m" / ARTIFACT_FILES["lightgbm"])
    assert f"artifact: {sha}" in output
    assert "leakage: none found" in output
    # Same inputs and seed: the same artifact.
    again = _train(workspace, tmp_path / "m", "--force", model="lightgbm")
    assert f"artifact: {sha}" in again


def test_the_model_trades_in_a_replay(
    workspace: dict[str, Path], model_dir: Path
) -> None:
    out = workspace["root"] / "run"
    code, output = _cli(
        workspace,
        "run",
        "--data",
        str(workspace["bars"]),
        "--strategy",
        "model",
        "--param",
        f"model_dir={model_dir}",
        "--param",
        "p_long=0.5",
        "--param",
        "rebalance=5",
        "--out",
        str(out),
    )
    assert code == 0, output
    fills = int(re.search(r"fills: (\d+)", output)[1])  # type: ignore[index]
    assert fills > 0
    manifest = read_signed_manifest(out / "manifest.json").manifest
    assert manifest.feature_schema_hash == read_card(model_dir)["feature_schema_hash"]
    # The run traded the fitted model: its manifest names the artifact, not a rule.
    assert manifest.model_hash == read_card(model_dir)["artifact_sha256"]


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (
            lambda d: (d / ARTIFACT_FILES["sklearn"]).write_bytes(
                (d / ARTIFACT_FILES["sklearn"]).read_bytes() + b"x"
            ),
            "model_hash",
        ),
        (
            lambda d: (d / FEATURES_FILE).write_text(
                (d / FEATURES_FILE).read_text().replace("period = 10", "period = 11")
            ),
            "feature_schema_hash",
        ),
        (
            lambda d: (d / MANIFEST_FILE).write_text(
                (d / MANIFEST_FILE)
                .read_text()
                .replace('"embargo_bars": 10', '"embargo_bars": 0')
            ),
            "signature",
        ),
    ],
    ids=["artifact", "features", "manifest"],
)
def test_tampered_model_dirs_are_refused_with_exit_7(
    workspace: dict[str, Path],
    model_dir: Path,
    tmp_path: Path,
    tamper,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    copy = _copy(model_dir, tmp_path / "copy")
    tamper(copy)
    code, output = _cli(
        workspace,
        "run",
        "--data",
        str(workspace["bars"]),
        "--strategy",
        "model",
        "--param",
        f"model_dir={copy}",
        "--out",
        str(tmp_path / "run"),
    )
    assert code == errors.MANIFEST_REJECTED, output
    assert message in output
    assert "Traceback" not in output


def test_bad_model_params_are_one_clear_line(
    workspace: dict[str, Path], model_dir: Path
) -> None:
    code, output = _cli(
        workspace,
        "run",
        "--data",
        str(workspace["bars"]),
        "--strategy",
        "model",
        "--param",
        f"model_dir={model_dir}",
        "--param",
        "p_long=high",
    )
    assert code == errors.CONFIG_OR_AUTH, output
    assert (
        output.strip()
        == "error: strategy 'model' parameter p_long='high': expected float"
    )


class PeekNextClose(FeatureKind):
    """Deliberately leaky: the next bar's return, known only in hindsight."""

    kind = "test_peek_next_close"

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        out = np.zeros(len(bars.close))
        out[:-1] = bars.close[1:] / bars.close[:-1] - 1
        return out

    def online(self) -> Updater:
        def update(bar: BarPoint) -> float:
            return 0.0

        return update


@pytest.fixture
def peek() -> Iterator[None]:
    register_kind(PeekNextClose)
    yield
    KINDS.pop(PeekNextClose.kind)


def test_a_leaky_feature_fails_the_cards_leakage_check(
    workspace: dict[str, Path], tmp_path: Path, peek: None
) -> None:
    features = tmp_path / "leaky.toml"
    features.write_text(
        FEATURES + '\n[[feature]]\nname = "peek"\nkind = "test_peek_next_close"\n'
    )
    code, output = _cli(
        workspace,
        "train",
        "--features",
        str(features),
        "--model",
        "sklearn:logistic",
        "--label",
        "forward_return:10",
        "--data",
        str(workspace["bars"]),
        "--folds",
        "3",
        "--out",
        str(tmp_path / "leaky"),
    )
    assert code == 0, output
    assert "leakage: peek of" in output
    leakage = read_card(tmp_path / "leaky")["leakage"]
    assert leakage["passed"] is False  # type: ignore[index]
    assert leakage["leak"]["what"] == "peek"  # type: ignore[index]
    # It peeks, so in sample it looks far better than a coin.
    metrics = json.loads((tmp_path / "leaky" / MODEL_CARD_FILE).read_text())["metrics"]
    assert metrics["out_of_sample"]["hit_rate"] > 0.6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # A closed set: click refuses it (exit 2) in one "Error:" line after usage.
        (["--model", "xgboost"], "'xgboost' is not one of 'lightgbm'"),
        (["--label", "forward_return:zero"], "--label 'forward_return:zero'"),
        (["--folds", "1"], "--folds must be >= 2"),
    ],
)
def test_bad_train_options_are_one_clear_line(
    workspace: dict[str, Path], tmp_path: Path, args: list[str], message: str
) -> None:
    base = {
        "--model": "sklearn:logistic",
        "--label": "forward_return:5",
        "--folds": "3",
    }
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    code, output = _cli(
        workspace,
        "train",
        "--features",
        str(workspace["features"]),
        "--data",
        str(workspace["bars"]),
        "--out",
        str(tmp_path / "m"),
        *[x for pair in base.items() for x in pair],
    )
    assert code != 0
    assert message in output
    if code == errors.USAGE:
        refusal = next(x for x in output.splitlines() if message in x)
        assert refusal.startswith("Error:")
    else:
        assert len(output.strip().splitlines()) == 1


def test_materialise_from_a_lake_and_parquet_round_trip(tmp_path: Path) -> None:
    import tradecore as tc

    frames = _frames(300)
    with ParquetLake(tmp_path / "lake").writing() as lake:
        for f in frames:
            lake.store(
                SeriesKey("iex", "raw", "1Min", f.symbol),
                f,
                day_span(date(2026, 1, 5), date(2026, 1, 6)),
            )
    selection = tc.open_lake(tmp_path / "lake").select(
        SYMBOLS, date(2026, 1, 5), date(2026, 1, 6)
    )
    fs = tc.features.parse_features(FEATURES)
    matrix = tc.features.materialise(fs, selection)
    assert matrix.schema_hash == fs.schema_hash()
    assert matrix.dataset_fingerprint == data_fingerprint(selection.load())
    assert len(matrix) == len(matrix.values) > 0
    path = tc.features.save_matrix(matrix, tmp_path / "m.parquet")
    back = tc.features.load_matrix(path)
    assert back.names == matrix.names
    assert back.schema_hash == matrix.schema_hash
    assert back.dataset_fingerprint == matrix.dataset_fingerprint
    np.testing.assert_array_equal(back.values, matrix.values)
    np.testing.assert_array_equal(back.timestamps, matrix.timestamps)
    assert back.symbols.tolist() == matrix.symbols.tolist()


def test_a_bad_features_file_is_one_line_naming_it(
    workspace: dict[str, Path], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[feature]]\nname = "a"\nkind = "rsi"\nperiod = "14"\n')
    code, output = _cli(
        workspace,
        "train",
        "--features",
        str(bad),
        "--model",
        "lightgbm",
        "--data",
        str(workspace["bars"]),
        "--out",
        str(tmp_path / "m"),
    )
    assert code == errors.CONFIG_OR_AUTH
    assert output.strip().splitlines() == [
        f"error: --features {bad}: feature 'a' parameter period='14': "
        "expected int, got str"
    ]


def test_train_from_a_lake(workspace: dict[str, Path], tmp_path: Path) -> None:
    with ParquetLake(tmp_path / "lake").writing() as lake:
        for f in _frames(800):
            span = day_span(date(2026, 1, 5), date(2026, 1, 7))
            lake.store(SeriesKey("iex", "raw", "1Min", f.symbol), f, span)
    code, output = _cli(
        workspace,
        "train",
        "--features",
        str(workspace["features"]),
        "--model",
        "sklearn:logistic",
        "--label",
        "forward_return:5",
        "--lake",
        str(tmp_path / "lake"),
        "--symbols",
        ",".join(SYMBOLS),
        "--start",
        "2026-01-05",
        "--end",
        "2026-01-07",
        "--folds",
        "3",
        "--out",
        str(tmp_path / "m"),
    )
    assert code == 0, output
    card = read_card(tmp_path / "m")
    assert card["data"]["symbols"] == sorted(SYMBOLS)  # type: ignore[index]
    assert card["data"]["start"] == "2026-01-05T14:30:00+00:00"  # type: ignore[index]


def test_a_pinned_model_hash_must_match(
    workspace: dict[str, Path], model_dir: Path
) -> None:
    sha = file_sha256(model_dir / ARTIFACT_FILES["sklearn"])
    base = [
        "run",
        "--data",
        str(workspace["bars"]),
        "--strategy",
        "model",
        "--param",
        f"model_dir={model_dir}",
        "--out",
        str(workspace["root"] / "pin"),
    ]
    code, output = _cli(
        workspace, *base, "--param", "model_hash=" + "0" * 64, "--force"
    )
    assert code == errors.MANIFEST_REJECTED, output
    assert "model_hash" in output
    code, output = _cli(workspace, *base, "--param", f"model_hash={sha}", "--force")
    assert code == 0, output
