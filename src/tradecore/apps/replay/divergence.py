"""``tradecore-replay divergence``: what live did on a day vs a replay of that day.

The live run recorded the bars it was served into the lake (``tradecore-live run
--record-lake``); this replays the recording of session ``--date`` through the same
strategy and configuration (``--config``: the file the live run used, whose
``[risk]``, ``[market]`` and ``[execution]`` the replay applies, and whose
``[data] record_lake`` is the default ``--lake``), then pairs the live store's
decisions with the replay's, bar by bar, and reports each difference, its kind and
its P&L effect (:mod:`tradecore.domain.research.divergence`). Differences are
findings: the command exits 0 once the report is written.

The configuration's hash is compared with the one on the live decisions and the
report says whether they match: replaying under another configuration is allowed
(to ask "what would this config have done"), but named. A live run under a signed
manifest (``--manifest``, else the configuration's ``[model] manifest``) is replayed
with the manifest's parameters (unless ``--param`` gives them), and a manifest whose
hash is not the one on the live decisions is refused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path

import typer

from tradecore.adapters.data.lake_recordings import recorded_frames
from tradecore.adapters.signing import read_signed_manifest
from tradecore.apps.config.settings import Settings, config_hash, load_settings
from tradecore.apps.replay import divergence_inputs as inputs
from tradecore.apps.replay import divergence_report as report
from tradecore.apps.replay.data import parse_day
from tradecore.apps.replay.out_folder import STORE_FILE
from tradecore.apps.replay.run_manifest import manifest_parameters
from tradecore.apps.replay.runner import replay
from tradecore.apps.replay.venue import bar_interval
from tradecore.apps.wiring.choices import FillModel
from tradecore.apps.wiring.errors import cli_errors
from tradecore.apps.wiring.strategy_loader import parse_params
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.research.divergence import compare_sessions, summarize
from tradecore.domain.research.manifest import manifest_hash
from tradecore.domain.validation import to_decimal

#: A live bar that arrived later than this after its close is late.
DEFAULT_LATE_AFTER_S = 15.0


def divergence(
    store: str = typer.Option(
        ..., "--store", help="The live run's database: a URL or a SQLite file."
    ),
    day: str = typer.Option(
        ..., "--date", help="The session to compare (YYYY-MM-DD, New York)."
    ),
    config: Path | None = typer.Option(
        None, "--config", help="The TOML configuration the live run used."
    ),
    lake: Path | None = typer.Option(
        None,
        "--lake",
        help="The lake the live run recorded into (default: [data] record_lake).",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Empty folder for the report (default: divergence-DATE)."
    ),
    strategy: str = typer.Option(
        "sma_cross", "--strategy", help="Bundled name or package.module:ClassName."
    ),
    param: list[str] = typer.Option(
        [], "--param", help="Strategy parameter NAME=VALUE (repeatable)."
    ),
    manifest: Path | None = typer.Option(
        None,
        "--manifest",
        help="The signed manifest live ran under (default: [model] manifest); "
        "its parameters unless --param gives them.",
    ),
    fill_model: FillModel = typer.Option(
        "realistic", "--fill-model", help="The replay venue's fill model."
    ),
    cash: str = typer.Option("1000000", "--cash", help="Opening cash, as live."),
    seed: int = typer.Option(7, "--seed", help="Seed of the replay's venue."),
    late_after: float = typer.Option(
        DEFAULT_LATE_AFTER_S,
        "--late-after",
        min=0.0,
        help="Seconds after its close a live bar counts as late.",
    ),
) -> None:
    """Replay a live session's recorded bars; report where live differed and why."""
    with cli_errors():
        url = inputs.store_url(store)
        session = parse_day("--date", day)
        settings = load_settings(config, os.environ, {"store.url": url})
        recording = _lake(lake, settings)
        frames = recorded_frames(recording, session)
        interval = bar_interval(frames)
        arrivals = inputs.live_arrivals(recording, session)
        live = inputs.read_day(url, session, inputs.known_live(arrivals), interval)
        params = _parameters(param, manifest, settings, live)
        folder = _out_folder(out or Path(f"divergence-{session.isoformat()}"))
        replayed = _replay_day(
            frames,
            strategy,
            params,
            folder / "replay",
            settings,
            fill_model=fill_model,
            cash=cash,
            seed=seed,
        )
        replayed_day = inputs.read_day(
            f"sqlite:///{replayed}",
            session,
            inputs.known_replay(frames, interval),
            interval,
        )
        _check_strategy(live, replayed_day)
        found = compare_sessions(
            live.sides,
            replayed_day.sides,
            marks=inputs.session_marks(frames),
            arrivals=inputs.lags(arrivals, interval),
            late_after=timedelta(seconds=late_after),
        )
        summary = summarize(found)
        report.write_csv(folder, found)
        described = {
            "session": session.isoformat(),
            "live store": inputs.shown_url(url),
            "recording": str(recording),
            "strategy": " ".join(
                [strategy, *(f"{k}={v}" for k, v in sorted(params.items()))]
            ),
            "replay fill model": fill_model,
            "decisions": f"live {len(live.sides)}, replay {len(replayed_day.sides)}",
            "config": _config_note(settings, live),
        }
        report.write_markdown(folder, summary, described)
    typer.echo(report.one_line(session.isoformat(), summary, folder))


def _replay_day(
    frames: Sequence[BarFrame],
    strategy: str,
    params: Mapping[str, str],
    out: Path,
    settings: Settings,
    *,
    fill_model: str,
    cash: str,
    seed: int,
) -> Path:
    """Replay the recorded bars as ``tradecore-replay run`` would; its store's path.

    The configuration's ``[risk]``, ``[market]``, ``[execution]`` and ``[signing]``
    apply, as they did live.
    """
    replay(
        frames,
        strategy,
        params,
        fill_model=fill_model,
        cash=to_decimal("cash", cash),
        seed=seed,
        out=out,
        calendar=settings.market.calendar,
        risk=settings.risk,
        execution=settings.execution,
        signing=settings.signing,
        progress=False,
    )
    return out / STORE_FILE


def _lake(lake: Path | None, settings: Settings) -> Path:
    """``--lake``, else ``[data] record_lake``.

    Raises:
        ConfigurationError: neither is given.
    """
    if lake is not None:
        return lake
    if settings.data.record_lake:
        return Path(settings.data.record_lake)
    raise ConfigurationError(
        "give --lake DIR (or [data] record_lake in --config): the recording to replay"
    )


def _out_folder(out: Path) -> Path:
    """``out``, made; refused when it already holds something.

    Raises:
        ConfigurationError: ``out`` is not empty.
    """
    if out.exists() and any(out.iterdir()):
        raise ConfigurationError(f"--out {out} is not empty: give a new folder")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _parameters(
    given: list[str], manifest: Path | None, settings: Settings, live: inputs.StoreDay
) -> dict[str, str]:
    """``--param``, else the parameters of the manifest live ran under.

    Raises:
        ConfigurationError: the manifest is not the one on the live decisions.
        ManifestMissing, ManifestMalformed: no such manifest file, or not one.
    """
    params = dict(parse_params(given))
    path = manifest or (
        Path(settings.model.manifest) if settings.model.manifest else None
    )
    if path is None:
        return params
    signed = read_signed_manifest(path).manifest
    ours = manifest_hash(signed)
    if live.manifest_hashes and ours not in live.manifest_hashes:
        theirs = ", ".join(h[:12] for h in sorted(live.manifest_hashes))
        raise ConfigurationError(
            f"--manifest {path} is {ours[:12]}; live decided under {theirs}"
        )
    return params or manifest_parameters(signed)


def _check_strategy(live: inputs.StoreDay, replayed: inputs.StoreDay) -> None:
    """Refuse a replay of another strategy than the one live ran.

    Raises:
        ConfigurationError: the strategy ids differ (another strategy or params).
    """
    ours, theirs = live.strategy_ids, replayed.strategy_ids
    if ours and theirs and not ours & theirs:
        raise ConfigurationError(
            f"live decided as {', '.join(sorted(ours))}, the replay as "
            f"{', '.join(sorted(theirs))}: give the live run's --strategy and --param"
        )


def _config_note(settings: Settings, live: inputs.StoreDay) -> str:
    """Whether the configuration replayed is the one live decided under."""
    ours = config_hash(settings)
    if not live.config_hashes:
        return f"{ours[:12]} (live made no decisions that day)"
    if live.config_hashes == {ours}:
        return f"{ours[:12]}, the live run's"
    theirs = ", ".join(h[:12] for h in sorted(live.config_hashes))
    return f"{ours[:12]}, NOT the live run's ({theirs})"
