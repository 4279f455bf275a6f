"""``tradecore-replay train``: fit a model on declared features; write a model directory.

The bars come from a lake (``--lake --symbols --start --end``, as ``run`` reads
them) or a folder of bar files (``--data``); the features from a TOML declaration
(``--features``); the label is ``forward_return:N``. Training
(:func:`~tradecore.services.research.training.train_model`) measures the model with
purged, embargoed k-fold, then fits it on every row. The directory written follows
:mod:`tradecore.adapters.models.layout`: the artifact, ``features.toml``,
``model_card.json`` and a signed ``manifest.json`` binding the artifact's sha256,
the feature schema hash and the data's fingerprint.
"""

from __future__ import annotations

import json
import math
import os
import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import tradecore
from tradecore.adapters.data import BarFileOptions
from tradecore.adapters.data.bar_files import gate_frames, load_bars
from tradecore.adapters.models.artifacts import file_sha256
from tradecore.adapters.models.factory import MODEL_NAMES, make_model
from tradecore.adapters.models.layout import (
    FEATURES_FILE,
    MANIFEST_FILE,
    MODEL_CARD_FILE,
)
from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.config.settings import load_settings
from tradecore.apps.replay.data import lake_selection
from tradecore.apps.replay.quality_options import quality_rules
from tradecore.apps.replay.run_manifest import sign_run_manifest, write_run_manifest
from tradecore.apps.wiring.calendars import calendars_for_span, frames_span
from tradecore.apps.wiring.choices import Calendar, literal_of
from tradecore.apps.wiring.errors import cli_errors
from tradecore.apps.wiring.strategy_loader import parse_params
from tradecore.domain.errors import ConfigurationError, InvalidInput
from tradecore.domain.features.declaration import parse_features, to_toml
from tradecore.domain.features.feature_set import FeatureSet
from tradecore.domain.features.labels import Label
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.market.bar_frame import BarFrame, data_fingerprint, from_ns
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.research.manifest import DataSource, Manifest, SignedManifest
from tradecore.services.research.training import TrainingResult, train_model

if TYPE_CHECKING:
    ModelName = str
else:
    #: The model kinds: typer offers exactly these values.
    ModelName = literal_of(MODEL_NAMES)


#: The libraries whose versions a model card records.
LIBRARIES = ("numpy", "scikit-learn", "skops", "lightgbm", "scipy")
_PROVENANCE = {Provenance.SIMULATED: "generated"}


def train(
    features: Annotated[
        Path, typer.Option("--features", help="Feature declaration (TOML).")
    ],
    model: Annotated[
        ModelName,
        typer.Option("--model", help="The model to fit."),
    ],
    out: Annotated[Path, typer.Option("--out", help="The model directory to write.")],
    label: Annotated[
        str, typer.Option("--label", help="forward_return:N (N bars ahead).")
    ] = "forward_return:30",
    data: Annotated[
        Path | None, typer.Option("--data", help="A bar file or folder of them.")
    ] = None,
    lake: Annotated[
        Path | None, typer.Option("--lake", help="Train on a market-data lake.")
    ] = None,
    symbols: Annotated[
        str | None, typer.Option("--symbols", help="With --lake: AAPL,MSFT.")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="With --lake: first day.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="With --lake: last day.")
    ] = None,
    timeframe: Annotated[
        str, typer.Option("--timeframe", help="With --lake: the bars' timeframe.")
    ] = "1Min",
    embargo: Annotated[
        int, typer.Option("--embargo", help="Embargo after each test block (bars).")
    ] = 0,
    folds: Annotated[int, typer.Option("--folds", help="Purged k-fold folds.")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="The model's seed.")] = 0,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="Model parameter NAME=VALUE (repeatable)."),
    ] = None,
    strategy_id: Annotated[
        str, typer.Option("--strategy-id", help="What a run of this model trades as.")
    ] = "model",
    calendar: Annotated[
        Calendar, typer.Option("--calendar", help="Market calendar.")
    ] = "XNYS",
    config: Annotated[
        Path | None, typer.Option("--config", help="TOML config ([signing]).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a model directory in --out.")
    ] = False,
) -> None:
    """Train a model on point-in-time features; write a signed model directory."""
    with cli_errors():
        settings = load_settings(config, os.environ)
        feature_set = read_features(features)
        chosen = _label(label)
        if folds < 2 or embargo < 0:
            raise ConfigurationError("--folds must be >= 2 and --embargo >= 0")
        frames = _frames(data, lake, symbols, start, end, timeframe)
        _check_out(out, force)
        market = _calendar(calendar, frames)
        params = parse_params(param or [])
        make_model(model, params, seed)  # a bad name or parameter fails before training
        result = train_model(
            feature_set,
            frames,
            chosen,
            lambda: make_model(model, params, seed),
            calendar=market,
            folds=folds,
            embargo_bars=embargo,
        )
        signed = write_model_dir(
            out,
            result,
            feature_set,
            frames,
            model_name=model,
            seed=seed,
            folds=folds,
            strategy_id=strategy_id,
            signing=settings.signing,
        )
        _summary(result, signed, out)


def write_model_dir(
    out: Path,
    result: TrainingResult,
    feature_set: FeatureSet,
    frames: Sequence[BarFrame],
    *,
    model_name: str,
    seed: int,
    folds: int,
    strategy_id: str,
    signing: SigningSettings,
) -> SignedManifest:
    """Write the artifact, ``features.toml``, the card and the signed manifest."""
    out.mkdir(parents=True, exist_ok=True)
    artifact = result.model.save(out)
    sha = file_sha256(artifact)
    (out / FEATURES_FILE).write_text(to_toml(feature_set))
    data = result.dataset
    card = model_card(
        result,
        feature_set,
        frames,
        artifact=artifact.name,
        sha256=sha,
        model_name=model_name,
        seed=seed,
        folds=folds,
        strategy_id=strategy_id,
    )
    (out / MODEL_CARD_FILE).write_text(
        json.dumps(card, indent=2, sort_keys=True) + "\n"
    )
    parameters = {
        **result.model.parameters(),
        "model": model_name,
        "label": str(data.label),
        "seed": str(seed),
        "folds": str(folds),
    }
    first, last = int(data.t0.min()), int(data.t1.max())
    manifest = Manifest(
        strategy_id=strategy_id,
        strategy_version=f"tradecore-{tradecore.__version__}",
        model_name=model_name,
        model_version=sha[:12],
        model_hash=sha,
        parameters=parameters,
        training_start=from_ns(first),
        training_end=from_ns(last),
        embargo_bars=result.embargo_bars,
        data_sources=[_source(f) for f in sorted(frames, key=lambda f: f.symbol)],
        dataset_fingerprint=data.dataset_fingerprint,
        feature_schema_hash=feature_set.schema_hash(),
        cost_model_version="none",
        config_hash=sha256_hex({"parameters": parameters, "card": card}),
        created_at=from_ns(max(int(f.timestamps[-1]) for f in frames if len(f))),
        code_version=tradecore.__version__,
    )
    signed = sign_run_manifest(manifest, signing)
    write_run_manifest(out, signed)
    return signed


def model_card(
    result: TrainingResult,
    feature_set: FeatureSet,
    frames: Sequence[BarFrame],
    *,
    artifact: str,
    sha256: str,
    model_name: str,
    seed: int,
    folds: int,
    strategy_id: str,
) -> dict[str, object]:
    """The card's keys (:mod:`tradecore.adapters.models.layout`) and a few more:
    ``model_name``, ``parameters``, ``folds``, ``avg_abs_forward_return`` (the
    edge scale ModelStrategy uses), ``libraries`` (versions), ``rows``."""
    data = result.dataset
    span = frames_span(frames)
    assert span is not None  # training had rows
    return {
        "model_kind": result.model.kind,
        "model_name": model_name,
        "artifact": artifact,
        "artifact_sha256": sha256,
        "strategy_id": strategy_id,
        "feature_schema_hash": feature_set.schema_hash(),
        "features": list(feature_set.names),
        "label": str(data.label),
        "embargo_bars": result.embargo_bars,
        "folds": folds,
        "data": {
            "start": span[0].isoformat(),
            "end": span[1].isoformat(),
            "symbols": sorted(f.symbol for f in frames),
            "dataset_fingerprint": data.dataset_fingerprint,
        },
        "metrics": {
            "in_sample": _finite(result.in_sample),
            "out_of_sample": _finite(result.out_of_sample),
            "folds": [_finite(m) for m in result.folds],
        },
        "parameters": result.model.parameters(),
        "seeds": [seed],
        "avg_abs_forward_return": result.avg_abs_forward_return,
        "rows": len(data),
        "leakage": result.leakage.to_dict(),
        "libraries": _libraries(),
    }


def _finite(metrics: Mapping[str, float | int]) -> dict[str, float | int | None]:
    """JSON has no NaN: an undefined metric (AUC of one class) is ``null``."""
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v
        for k, v in metrics.items()
    }


def _libraries() -> dict[str, str]:
    versions = {"python": platform.python_version(), "tradecore": tradecore.__version__}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _source(frame: BarFrame) -> DataSource:
    return DataSource(
        name=f"bars/{frame.symbol}",
        provenance=_PROVENANCE.get(frame.provenance, frame.provenance.value),
        fingerprint=data_fingerprint([frame]),
    )


def read_features(path: Path) -> FeatureSet:
    """The feature set declared in ``path`` (a missing or bad file: one line)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigurationError(f"--features {path}: no such file") from None
    try:
        return parse_features(text, str(path))
    except InvalidInput as e:
        raise ConfigurationError(f"--features {path}: {e}") from None


def _label(text: str) -> Label:
    try:
        return Label.parse(text)
    except InvalidInput as e:
        raise ConfigurationError(f"--label {text!r}: {e.reason}") from None


def _frames(
    data: Path | None,
    lake: Path | None,
    symbols: str | None,
    start: str | None,
    end: str | None,
    timeframe: str,
) -> list[BarFrame]:
    if (data is None) == (lake is None):
        raise ConfigurationError("give exactly one of --data DIR or --lake DIR")
    quality = quality_rules([], [])  # the replay's default gate: train on what runs
    if lake is not None:
        selection = lake_selection(lake, symbols, start, end, timeframe, None, None)
        return list(gate_frames(selection.load(), quality, source="lake").frames)
    assert data is not None
    return list(load_bars(data, BarFileOptions(quality=quality)).frames)


def _check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ConfigurationError(f"--out {out} is a file, not a folder")
    held = (out / MODEL_CARD_FILE).exists() or (out / MANIFEST_FILE).exists()
    if held and not force:
        raise ConfigurationError(
            f"--out {out} already holds a model (add --force to replace it)"
        )


def _calendar(code: str, frames: Sequence[BarFrame]) -> MarketCalendar:
    span = frames_span(frames)
    if span is None:
        raise ConfigurationError("no bars to train on")
    return calendars_for_span(code, *span).regular


def _summary(result: TrainingResult, signed: SignedManifest, out: Path) -> None:
    oos, ins = result.out_of_sample, result.in_sample
    typer.echo(
        f"{'rows':>14}: {oos['n']} ({len(result.folds)} purged folds, "
        f"embargo {result.embargo_bars} bars)"
    )
    for name, metrics in (("out of sample", oos), ("in sample", ins)):
        typer.echo(
            f"{name:>14}: hit rate {metrics['hit_rate']:.4f}, AUC {metrics['auc']:.4f}, "
            f"log loss {metrics['log_loss']:.4f} (base rate {metrics['base_rate']:.4f})"
        )
    leak = result.leakage.leak
    typer.echo(f"{'leakage':>14}: {'none found' if leak is None else leak.describe()}")
    typer.echo(f"{'artifact':>14}: {signed.manifest.model_hash}")
    typer.echo(f"{'schema hash':>14}: {signed.manifest.feature_schema_hash}")
    typer.echo(f"{'model dir':>14}: {out}")
