"""``tradecore-replay promote RUN_DIR``: the multi-seed promotion gate.

It re-runs the run's configuration (``RUN_DIR/config.json``: strategy, parameters,
fill model, cash, calendar, corporate actions, adjustment; risk from ``--config`` as
``run`` takes it) on the run's data (``RUN_DIR/data_spec.json``, or the data options
given again; either way the data's fingerprint must be the manifest's) under
``--seeds`` simulator seeds (the run's seed, then the next ones), and each
``--stress`` scenario under the same seeds; runs the strategy leakage check; and
judges them by the ``[promotion]`` criteria
(:func:`~tradecore.domain.research.gate.evaluate_gate`).

It writes ``RUN_DIR/promotion.json`` (every criterion with its value, threshold and
verdict, the per-seed figures, the DSR inputs, the leakage report) and re-signs
``RUN_DIR/manifest.json`` with a promotion stamp (passed or not, the sha256 of
``promotion.json``, when). The re-runs go to ``RUN_DIR/promotion/``. A failed gate
alerts ``research.gate_failed`` (through the configured alert sinks when
``--config`` is given, else the log) and exits 3.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import typer

from tradecore.adapters.clock import SystemClock
from tradecore.adapters.signing import read_signed_manifest
from tradecore.adapters.sqlstore import Durability, open_store
from tradecore.apps.config.settings import Settings, load_settings
from tradecore.apps.replay.leakage import check_strategy_leakage
from tradecore.apps.replay.out_folder import STORE_FILE
from tradecore.apps.replay.research_data import (
    PROMOTION_FILE,
    PROMOTION_FOLDER,
    DataSpec,
    LoadedData,
    load_data,
)
from tradecore.apps.replay.run_manifest import (
    MANIFEST_FILE,
    sign_run_manifest,
    write_run_manifest,
)
from tradecore.apps.replay.runner import ReplayResult, replay
from tradecore.apps.replay.sweep_outputs import JSON_FILE as SWEEP_JSON
from tradecore.apps.wiring.alerting import build_alert_router
from tradecore.apps.wiring.errors import DOMAIN, cli_errors
from tradecore.domain.errors import ConfigurationError, ManifestMismatch
from tradecore.domain.hashing import sha256_bytes
from tradecore.domain.market.bar_frame import data_fingerprint
from tradecore.domain.research.gate import (
    Criterion,
    GateResult,
    RunMetrics,
    evaluate_gate,
    null_trials_sr_variance,
)
from tradecore.domain.research.leakage import LeakageReport
from tradecore.domain.research.manifest import (
    PromotionStamp,
    SignedManifest,
    manifest_hash,
)
from tradecore.domain.research.statistics import deflated_sharpe_ratio
from tradecore.domain.research.stress import StressScenario, scenarios_of
from tradecore.ports.alerts import Alert, AlertCode, Severity

_log = logging.getLogger("tradecore.replay")
#: Config keys that differ between the run and a re-run by design.
_RERUN_KEYS = {"seed", "stress"}


@attrs.frozen(kw_only=True)
class Promotion:
    """The gate's result and everything ``promotion.json`` records."""

    gate: GateResult
    document: Mapping[str, object]
    signed: SignedManifest
    leakage: LeakageReport


def promote_run(
    run_dir: Path,
    settings: Settings,
    *,
    seeds: int = 10,
    stress: str | None = None,
    trials: int = 1,
    trials_sr_variance: float | None = None,
    spec: DataSpec | None = None,
    now: datetime | None = None,
) -> Promotion:
    """Run the gate on ``run_dir``; write ``promotion.json``; re-sign the manifest.

    Raises:
        ConfigurationError: not a finished run folder, a net-of-cost run, bad
            options, or a re-run whose configuration is not the run's.
        ManifestMismatch: the data is not the data the run's manifest names.
    """
    if seeds < 1:
        raise ConfigurationError(f"--seeds {seeds}: expected an integer >= 1")
    if trials < 1:
        raise ConfigurationError(f"--trials {trials}: expected an integer >= 1")
    config = _run_config(run_dir)
    original = read_signed_manifest(run_dir / MANIFEST_FILE)
    spec = spec or DataSpec.read(run_dir)
    data = load_data(spec)
    found = data_fingerprint(data.frames)
    if found != original.manifest.dataset_fingerprint:
        raise ManifestMismatch(
            "dataset_fingerprint", original.manifest.dataset_fingerprint, found
        )
    scenarios = scenarios_of(stress) if stress else ()
    criteria = settings.promotion.criteria()
    rerun = _Rerun(run_dir / PROMOTION_FOLDER, config, data, spec, settings)
    shutil.rmtree(rerun.folder, ignore_errors=True)
    first = int(_number(config.get("seed", 7)))
    base = [rerun.metrics(first + i, None) for i in range(seeds)]
    stressed = {
        s.name: [rerun.metrics(first + i, s) for i in range(seeds)] for s in scenarios
    }
    leakage = check_strategy_leakage(
        data,
        str(config["strategy"]),
        rerun.params,
        cuts=settings.promotion.leakage_cuts,
        fill_model=str(config["fill_model"]),
        cash=rerun.cash,
        seed=first,
        signing=settings.signing,
        adjustment=str(config.get("adjustment", "raw")),
    )
    dsr = _dsr(base, trials, trials_sr_variance)
    gate = evaluate_gate(
        criteria, base, dsr=dsr["dsr"], stress=stressed, leakage=leakage
    )
    document = _document(gate, original, base, stressed, leakage, dsr, settings)
    body = promotion_bytes(document)
    (run_dir / PROMOTION_FILE).write_bytes(body)
    stamp = PromotionStamp(
        passed=gate.passed,
        promotion_sha256=sha256_bytes(body),
        stamped_at=now or datetime.now(UTC),
    )
    signed = sign_run_manifest(
        attrs.evolve(original.manifest, promotion=stamp), settings.signing
    )
    write_run_manifest(run_dir, signed)
    return Promotion(gate=gate, document=document, signed=signed, leakage=leakage)


def promotion_bytes(document: Mapping[str, object]) -> bytes:
    """The bytes of ``promotion.json`` (what the stamp's sha256 is of).

    A value that is not a finite number (a Sharpe ratio of a run that never
    traded) is written as ``null``: JSON has no NaN.
    """
    text = json.dumps(_finite(document), indent=2, sort_keys=True, allow_nan=False)
    return text.encode("ascii") + b"\n"


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


@attrs.define
class _Rerun:
    """Re-runs of the run's configuration, one seed (and scenario) at a time."""

    folder: Path
    config: Mapping[str, object]
    data: LoadedData
    spec: DataSpec
    settings: Settings

    @property
    def params(self) -> dict[str, str]:
        raw = self.config.get("params", {})
        return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}

    @property
    def cash(self) -> Decimal:
        return Decimal(str(self.config["cash"]))

    def metrics(self, seed: int, scenario: StressScenario | None) -> RunMetrics:
        name = f"seed-{seed}" if scenario is None else f"{_slug(scenario)}-seed-{seed}"
        result = replay(
            self.data.frames,
            str(self.config["strategy"]),
            self.params,
            fill_model=str(self.config["fill_model"]),
            cash=self.cash,
            seed=seed,
            out=self.folder / name,
            replace=True,
            signing=self.settings.signing,
            calendar=self.data.calendar if self.spec.demo else self.spec.calendar,
            risk=self.settings.risk,
            corporate_actions=self.data.corporate_actions,
            adjustment=str(self.config.get("adjustment", "raw")),
            stress=scenario,
            progress=False,
        )
        self._check_same_config(self.folder / name)
        return run_metrics(seed, result, self.cash)

    def _check_same_config(self, folder: Path) -> None:
        again = json.loads((folder / "config.json").read_text())
        keys = (set(again) | set(self.config)) - _RERUN_KEYS
        differ = sorted(k for k in keys if again.get(k) != self.config.get(k))
        if differ:
            raise ConfigurationError(
                f"the re-run's configuration is not the run's ({', '.join(differ)} "
                "differ): give promote the --config the run was given"
            )


def run_metrics(seed: int, result: ReplayResult, cash: Decimal) -> RunMetrics:
    """What the gate reads from one replay."""
    s = result.summary
    per_year = _number(s["periods_per_year"])
    sharpe = _number(s["sharpe"])
    return RunMetrics(
        seed=seed,
        sharpe=sharpe,
        sharpe_per_period=sharpe / math.sqrt(per_year) if per_year > 0 else 0.0,
        net_return=float(Decimal(str(s["final_equity"])) / cash - 1),
        max_drawdown=_number(s["max_drawdown"]),
        turnover=_number(s["turnover"]),
        fills=int(_number(s["fills"])),
        costs=float(Decimal(str(s["fees"]))),
        n_obs=max(len(result.equity_values) - 1, 0),
        skew=_number(s.get("skew", 0.0)),
        kurtosis=_number(s.get("kurtosis", 3.0)),
    )


def _dsr(
    runs: Sequence[RunMetrics], trials: int, variance: float | None
) -> dict[str, float]:
    """The deflated Sharpe ratio of the seeds' mean per-period Sharpe ratio."""
    n = len(runs)
    sr = math.fsum(r.sharpe_per_period for r in runs) / n
    n_obs = min(r.n_obs for r in runs)
    skew = math.fsum(r.skew for r in runs) / n
    kurt = math.fsum(r.kurtosis for r in runs) / n
    v = variance if variance is not None else null_trials_sr_variance(n_obs)
    value = deflated_sharpe_ratio(sr, n_obs, skew, kurt, trials, v)
    return {
        "dsr": value,
        "sharpe_per_period": sr,
        "n_obs": n_obs,
        "skew": skew,
        "kurtosis": kurt,
        "n_trials": trials,
        "trials_sr_variance": v,
    }


def _document(
    gate: GateResult,
    original: SignedManifest,
    base: Sequence[RunMetrics],
    stressed: Mapping[str, Sequence[RunMetrics]],
    leakage: LeakageReport,
    dsr: Mapping[str, float],
    settings: Settings,
) -> dict[str, object]:
    return {
        **gate.to_dict(),
        "reasons": [_reason(c) for c in gate.failures],
        "run_manifest_hash": manifest_hash(original.manifest),
        "thresholds": attrs.asdict(settings.promotion),
        "seeds": [attrs.asdict(r) for r in base],
        "stress": {
            name: [attrs.asdict(r) for r in runs] for name, runs in stressed.items()
        },
        "dsr": dict(dsr),
        "leakage": leakage.to_dict(),
    }


def _reason(c: Criterion) -> str:
    return f"{c.name}: {c.value} is not {c.comparison} {c.threshold}"


def _number(value: object) -> float:
    """A summary figure (a float, an int, or a Decimal's text) as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ConfigurationError(f"expected a number in the run summary, got {value!r}")
    return float(value)


def _run_config(run_dir: Path) -> dict[str, object]:
    path = run_dir / "config.json"
    try:
        config = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigurationError(
            f"{run_dir} is not a finished replay folder (no config.json)"
        ) from None
    except ValueError as e:
        raise ConfigurationError(f"{path} is not valid JSON: {e}") from None
    if not isinstance(config, dict) or "strategy" not in config:
        raise ConfigurationError(f"{path} is not a replay configuration")
    if "execution" in config:
        raise ConfigurationError(
            "promote re-runs rule-based replays; a --net-of-cost run is not supported"
        )
    return config


def _slug(scenario: StressScenario) -> str:
    return "".join(ch if ch.isalnum() or ch in ".+-" else "_" for ch in scenario.name)


def _alert_failed(
    settings: Settings, config: Path | None, run_dir: Path, promotion: Promotion
) -> None:
    """Raise ``research.gate_failed`` (and ``research.leakage`` when the strategy
    used the future): through the configured sinks (the run's own store is the
    ``store`` sink) when a config is given, else to the log."""
    clock = SystemClock()
    alerts = [_gate_alert(promotion, clock.now())]
    leak = promotion.leakage.leak
    if leak is not None:
        alerts.append(
            Alert(
                severity=Severity.WARNING,
                code=AlertCode.RESEARCH_LEAKAGE.value,
                message=leak.describe(),
                raised_at=clock.now(),
                context={"subject": promotion.leakage.subject},
            )
        )
    if config is None:
        for alert in alerts:
            _log.warning("%s: %s", alert.code, alert.message)
        return
    store = open_store(
        f"sqlite:///{run_dir / STORE_FILE}", durability=Durability.NORMAL, upgrade=True
    )
    try:
        router = build_alert_router(settings.alerts, clock, store=store)
        try:
            for alert in alerts:
                router.send(alert)
        finally:
            router.close()
    finally:
        store.close()


def _gate_alert(promotion: Promotion, now: datetime) -> Alert:
    reasons = "; ".join(_reason(c) for c in promotion.gate.failures)
    return Alert(
        severity=Severity.WARNING,
        code=AlertCode.RESEARCH_GATE_FAILED.value,
        message=f"promotion gate failed: {reasons}",
        raised_at=now,
        context={"manifest": manifest_hash(promotion.signed.manifest)},
    )


def sweep_trials(folder: Path) -> tuple[int, float | None]:
    """How many trials a sweep ran and the variance of their per-period Sharpe
    ratios (``None`` when fewer than two were valid), from its ``sweep.json``.

    Raises:
        ConfigurationError: no sweep summary in ``folder``, or one without them.
    """
    path = folder / SWEEP_JSON
    try:
        summary = json.loads(path.read_text())
        trials = int(summary["n_trials"])
        variance = summary.get("trials_sr_variance")
    except FileNotFoundError:
        raise ConfigurationError(f"--sweep {folder}: no {SWEEP_JSON} in it") from None
    except (ValueError, KeyError, TypeError) as e:
        raise ConfigurationError(f"--sweep {path}: not a sweep summary ({e})") from None
    if trials < 1:
        raise ConfigurationError(f"--sweep {path}: it ran no valid trial")
    return trials, None if variance is None else float(variance)


def promote(
    run_dir: Path = typer.Argument(..., help="A finished replay folder (run --out)."),
    seeds: int = typer.Option(10, "--seeds", help="How many simulator seeds."),
    stress: str | None = typer.Option(
        None,
        "--stress",
        help="Stress scenarios, e.g. costs=3x,latency=+500ms,rejects=8%,spread=2x "
        "(each alone and all combined, under every seed).",
    ),
    trials: int = typer.Option(
        1, "--trials", help="How many configurations this one was chosen from (DSR)."
    ),
    trials_sr_variance: float | None = typer.Option(
        None,
        "--trials-sr-variance",
        help="Variance of the trials' per-period Sharpe ratios (default: 1/(T-1), "
        "their spread when none has skill).",
    ),
    config: Path | None = typer.Option(
        None,
        "--config",
        help="TOML configuration: the promotion section's thresholds, signing, "
        "alerts, and the risk section the run was given.",
    ),
    data: Path | None = typer.Option(
        None, "--data", help="The run's bar files (default: RUN_DIR/data_spec.json)."
    ),
    demo: bool = typer.Option(False, "--demo", help="The run used --demo."),
    sweep: Path | None = typer.Option(
        None,
        "--sweep",
        help="The sweep folder the run's parameters were chosen in: its number of "
        "trials and their Sharpe variance deflate the Sharpe (instead of --trials "
        "and --trials-sr-variance).",
    ),
) -> None:
    """Re-run a replay under many seeds (and stress), check it for leakage, and
    promote it only if every criterion of the promotion section holds."""
    with cli_errors():
        settings = load_settings(config, os.environ)
        if sweep is not None:
            trials, trials_sr_variance = sweep_trials(sweep)
        spec = None
        if data is not None or demo:
            spec = DataSpec(demo=demo, data=data)
        result = promote_run(
            run_dir,
            settings,
            seeds=seeds,
            stress=stress,
            trials=trials,
            trials_sr_variance=trials_sr_variance,
            spec=spec,
        )
        for c in result.gate.criteria:
            mark = "ok  " if c.passed else "FAIL"
            typer.echo(f"{mark} {c.name}: {c.value} {c.comparison} {c.threshold}")
        verdict = "PASSED" if result.gate.passed else "FAILED"
        typer.echo(f"promotion {verdict}: {run_dir / PROMOTION_FILE}")
        typer.echo(
            f"manifest re-signed: {run_dir / MANIFEST_FILE} "
            f"({manifest_hash(result.signed.manifest)})"
        )
        if not result.gate.passed:
            _alert_failed(settings, config, run_dir, result)
    if not result.gate.passed:
        raise typer.Exit(DOMAIN)
