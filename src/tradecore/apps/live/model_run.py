"""The model side of ``tradecore-live run --model STRATEGY_ID`` (or ``[model] strategy_id``).

:func:`gate_model` replaces the manifest gate for a registered model: it loads the
production model of the strategy id (verified: manifest, artifact, card, feature
schema), alerts ``manifest.rejected`` and raises (exit 7) when it does not verify,
and returns what the run trades: a :class:`SwappableStrategy` around the model's
strategy, with the model's manifest in force. :func:`between_cycles` is what the
run calls after every cycle: the reload check (``[model] reload``,
``reload_interval_s``) and the staleness check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import attrs
import typer

from tradecore.adapters.models.layout import MANIFEST_FILE
from tradecore.apps.config.settings import Settings
from tradecore.apps.live.manifest_gate import GatedStrategy, ManifestInForce
from tradecore.apps.live.model_live import (
    LoadedModel,
    ModelReloader,
    ProductionModels,
    StrategyBuilder,
    SwappableStrategy,
    model_strategy_builder,
    swappable,
)
from tradecore.apps.live.model_staleness import StalenessWatch, staleness_rule
from tradecore.domain.errors import ManifestRejected
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.clock import Clock
from tradecore.ports.store import Store
from tradecore.services.trading.engine import TradingEngine


@attrs.frozen(kw_only=True)
class ModelRun:
    """The production model a run trades, and the strategy the engine holds."""

    models: ProductionModels
    loaded: LoadedModel
    target: SwappableStrategy
    gated: GatedStrategy


def gate_model(
    settings: Settings,
    store: Store,
    strategy_id: str,
    *,
    params: Mapping[str, str],
    live: bool,
    alerter: Alerter,
    clock: Clock,
    build: StrategyBuilder | None = None,
) -> ModelRun:
    """Load and verify the production model of ``strategy_id``; see the module docstring.

    A development-key manifest is accepted only with ``[signing] allow_dev_key``,
    never with ``--live``.

    Raises:
        ManifestRejected: the model does not verify (alerted first).
        NotFound: the strategy id has no production model.
    """
    allow_dev = settings.signing.allow_dev_key and not live
    builder = build or model_strategy_builder(
        settings.signing, allow_dev_key=allow_dev, params=params
    )
    models = ProductionModels(
        store,
        strategy_id,
        settings.signing,
        allow_dev_key=allow_dev,
        build=builder,
        require_promotion=settings.model.require_promotion,
    )
    try:
        loaded = models.load_production()
    except ManifestRejected as error:
        alerter.send(
            Alert(
                severity=Severity.CRITICAL,
                code=AlertCode.MANIFEST_REJECTED.value,
                message=f"production model of {strategy_id} refused: {error}",
                raised_at=clock.now(),
                context={"strategy_id": strategy_id, "reason": type(error).__name__},
            )
        )
        raise
    target = swappable(loaded.strategy, warmup=settings.model.warmup_bars)
    folder = loaded.verified.folder
    in_force = ManifestInForce(
        manifest=loaded.verified.manifest,
        path=Path(folder) / MANIFEST_FILE,
        signed=loaded.verified.signed,
    )
    gated = GatedStrategy(
        name=f"model:{strategy_id}",
        strategy=target,
        params=dict(params),
        in_force=in_force,
    )
    typer.echo(
        f"model: {strategy_id} trades production model {loaded.model_hash[:16]} "
        f"({loaded.verified.name}, {folder})"
    )
    return ModelRun(models=models, loaded=loaded, target=target, gated=gated)


def between_cycles(
    run: ModelRun,
    engine: TradingEngine,
    settings: Settings,
    alerter: Alerter,
    clock: Clock,
) -> Callable[[], None]:
    """What the run does after each cycle: reload check, then staleness check."""
    engine.use_model(run.loaded.model_hash, run.loaded.manifest_hash)
    watch = StalenessWatch(staleness_rule(settings.model), alerter, clock, run.loaded)
    run.target.observers.append(watch.observe)

    def swapped(loaded: LoadedModel) -> None:
        engine.use_model(loaded.model_hash, loaded.manifest_hash)
        watch.bind(loaded)
        typer.echo(
            f"model reloaded: {run.models.strategy_id} now trades "
            f"{loaded.model_hash[:16]} (no restart)"
        )

    reloader = ModelReloader(
        run.models,
        run.target,
        run.loaded,
        interval_s=settings.model.reload_interval_s,
        alerter=alerter,
        clock=clock,
        on_swap=swapped,
    )

    def step() -> None:
        if settings.model.reload:
            reloader.check()
        watch.check()

    return step
