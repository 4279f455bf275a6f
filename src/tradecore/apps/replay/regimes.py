"""``tradecore-replay regimes``: fit a data set's regimes without look-ahead and show them.

    tradecore-replay regimes --lake DIR --symbols SPY,QQQ --start 2024-01-02 \\
        --end 2024-03-28 --states 2 --refit session --out regimes/

Writes ``regimes.csv``, ``transitions.csv``, ``persistence.csv``, ``params.json``
(every refit's parameters), ``regimes.html`` and a signed ``manifest.json`` whose
``model_hash`` is the sha256 of ``params.json`` (listed among its data sources
too), so the fits a study showed are bound to the data they came from
(:mod:`tradecore.apps.replay.regimes_outputs`).
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

import tradecore
from tradecore.apps.config.settings import load_settings
from tradecore.apps.replay.regimes_outputs import (
    HTML_FILE,
    PARAMS_FILE,
    write_outputs,
)
from tradecore.apps.replay.regimes_run import RegimeStudy, study_regimes
from tradecore.apps.replay.research_data import DataSpec, load_data
from tradecore.apps.replay.run_manifest import (
    RunIdentity,
    build_manifest,
    sign_run_manifest,
    write_run_manifest,
)
from tradecore.apps.wiring.choices import Calendar
from tradecore.apps.wiring.errors import cli_errors
from tradecore.apps.wiring.regime_fitters import HMMLEARN, install_regime_fitters
from tradecore.domain.hashing import sha256_bytes, sha256_hex
from tradecore.domain.regimes.config import RegimeModelConfig
from tradecore.domain.regimes.fitter import fitter_named
from tradecore.domain.research.manifest import DataSource

FORMAT = "tradecore.regimes/1"


def regimes(
    data: Path | None = typer.Option(
        None, "--data", help="A bar file or a folder of them, as run takes it."
    ),
    demo: bool = typer.Option(False, "--demo", help="The demo data, as run --demo."),
    lake: Path | None = typer.Option(None, "--lake", help="A market-data lake."),
    symbols: str | None = typer.Option(None, "--symbols", help="With --lake."),
    start: str | None = typer.Option(None, "--start", help="With --lake."),
    end: str | None = typer.Option(None, "--end", help="With --lake."),
    timeframe: str = typer.Option("1Min", "--timeframe", help="With --lake."),
    calendar: Calendar = typer.Option("XNYS", "--calendar", help="Market calendar."),
    states: int = typer.Option(2, "--states", help="How many regimes (>= 2)."),
    refit: str = typer.Option(
        "session", "--refit", help="Refit each 'session' or every N bars ('390')."
    ),
    window: int = typer.Option(
        0, "--window", help="Observations a fit sees: 0 expanding, else rolling."
    ),
    vol_window: int = typer.Option(
        20, "--vol-window", help="Bars of realised volatility in an observation."
    ),
    min_history: int = typer.Option(
        200, "--min-history", help="Observations before the first fit."
    ),
    seed: int = typer.Option(7, "--seed", help="The fits' random_state."),
    market: bool = typer.Option(
        False, "--market", help="One model for an equal-weighted market series."
    ),
    out: Path = typer.Option(..., "--out", help="Folder for the files."),
    config: Path | None = typer.Option(
        None, "--config", help="TOML configuration (its signing section)."
    ),
) -> None:
    """Fit regimes on past data only (a Gaussian HMM, filtered probabilities) and
    write them with their persistence, transition matrix, fits and a page."""
    with cli_errors():
        settings = load_settings(config, os.environ)
        model = RegimeModelConfig(
            states=states,
            refit=refit,
            window=window,
            vol_window=vol_window,
            min_history=min_history,
            seed=seed,
        )
        spec = DataSpec(
            demo=demo,
            data=data,
            lake=lake,
            symbols=symbols,
            start=start,
            end=end,
            timeframe=timeframe,
            calendar=calendar,
        )
        loaded = load_data(spec)
        install_regime_fitters()
        study = study_regimes(
            loaded.frames,
            loaded.calendar,
            model,
            fitter_named(HMMLEARN),
            market=market,
        )
        params = write_outputs(study, out)
        identity = _identity(study, params)
        manifest = build_manifest(
            identity,
            loaded.frames,
            config_hash=sha256_hex(model.describe()),
            cost_model_version="none",
            extra_sources=[
                DataSource(
                    name=f"regimes/{PARAMS_FILE}",
                    provenance="generated",
                    fingerprint=identity.model_hash,
                )
            ],
        )
        write_run_manifest(out, sign_run_manifest(manifest, settings.signing))
    for line in summary_lines(study):
        typer.echo(line)
    typer.echo(f"wrote {out / HTML_FILE} and the CSVs, {PARAMS_FILE}, manifest.json")


def _identity(study: RegimeStudy, params: Path) -> RunIdentity:
    described = {k: str(v) for k, v in sorted(study.config.describe().items())}
    return RunIdentity(
        strategy="regimes",
        strategy_id="regimes",
        strategy_version=f"tradecore-{tradecore.__version__}",
        parameters={**described, "fitter": study.fitter},
        feature_schema_hash=sha256_hex({"format": FORMAT, "config": described}),
        artifact_hash=sha256_bytes(params.read_bytes()),
    )


def summary_lines(study: RegimeStudy) -> list[str]:
    """One line per series: fits, time in each state, mean spell length."""
    lines = []
    for series in study.series:
        s = series.summary
        parts = [
            f"state {k}: {s.share[k]:.0%} of bars, spells of {s.mean_spell[k]:.0f} bars"
            for k in range(len(s.bars))
            if s.bars[k]
        ]
        lines.append(
            f"{series.symbol}: {len(series.fits)} fits; "
            + ("; ".join(parts) or "no fit yet")
        )
    return lines
