"""A replay's net-of-cost part: pin a cost model before, calibrate and run TCA after.

Why a module: :mod:`tradecore.apps.replay.runner` composes the replay; this is the
cost side of it (which version is pinned, the calibration loop that fits the next
one from the replay's own fills, and the TCA figures for the summary and report).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from tradecore.apps.config.execution import ExecutionSettings
from tradecore.apps.wiring.cost_models import (
    PinnedCostModel,
    open_cost_model_store,
    record_pinned,
    resolve_pinned,
)
from tradecore.domain.execution.fees import FeeModel
from tradecore.domain.execution.tca import ExecutionAnalysis
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.features import FeatureConfig
from tradecore.ports.alerts import Alerter
from tradecore.ports.store import Store
from tradecore.services.execution.net_of_cost import NetOfCostConfig
from tradecore.services.execution.tca_store import calibrate_from_store, load_analyses


@attrs.frozen(kw_only=True)
class CostSetup:
    """The pinned version and the engine config built from it."""

    pinned: PinnedCostModel
    config: NetOfCostConfig


def pin_cost_model(
    settings: ExecutionSettings,
    store: Store,
    *,
    fees: FeeModel,
    start: datetime,
    alerter: Alerter | None = None,
    resumed_from: str | None = None,
    calendar: MarketCalendar | None = None,
    interval: timedelta | None = None,
) -> CostSetup:
    """Resolve the version to pin (see :mod:`tradecore.apps.wiring.cost_models`) and copy it
    into the run's store.

    ``resumed_from`` (a resumed run) is the version the first run pinned ("" when
    it never finished: then it is the run's own store's latest, the pin it copied
    there at start); either way the run's own store resolves it, so a resume prices
    exactly as the first run did, whatever the cost-model store has learned since.

    With a ``calendar`` the market features scale per-bar figures to a day with the
    calendar's bars per session for ``interval`` (default one minute); without one
    they assume 390 bars a day (one-minute XNYS bars).

    Raises:
        ConfigurationError: the asked-for version is not in the cost-model store.
    """
    source, version = store, settings.cost_model_version
    if resumed_from is not None:
        version = version or resumed_from
    elif settings.cost_model_store:
        source = open_cost_model_store(settings.cost_model_store)
    try:
        pinned = resolve_pinned(source, version)
    finally:
        if source is not store:
            source.close()
    record_pinned(store, pinned, start)
    config = settings.build(
        pinned.params, fitted_at=pinned.fitted_at, fees=fees, alerter=alerter
    )
    if calendar is not None:
        features = FeatureConfig.for_interval(
            calendar, interval or timedelta(minutes=1)
        )
        config = attrs.evolve(
            config,
            features=attrs.evolve(config.features, bars_per_day=features.bars_per_day),
        )
    return CostSetup(pinned=pinned, config=config)


def live_net_of_cost(
    settings: ExecutionSettings,
    store: Store,
    *,
    now: datetime,
    alerter: Alerter | None,
    calendar: MarketCalendar | None = None,
    interval: timedelta | None = None,
) -> NetOfCostConfig | None:
    """The live engine's planner config (``None`` when ``[execution]`` is off).

    Live fees are the US regulatory ones (Alpaca charges no commission); a stale
    model's alert goes to ``alerter``. ``calendar`` and ``interval`` (the feed's bar
    length) set the features' bars per day; ``None``: 390 (one-minute XNYS bars).
    """
    if not settings.enabled:
        return None
    fees = FeeModel.us_regulatory()
    return pin_cost_model(
        settings,
        store,
        fees=fees,
        start=now,
        alerter=alerter,
        calendar=calendar,
        interval=interval,
    ).config


def calibrate_after_run(
    settings: ExecutionSettings,
    store: Store,
    setup: CostSetup,
    *,
    marks: Mapping[str, Decimal],
    at: datetime,
    analyses: Sequence[ExecutionAnalysis] | None = None,
) -> str | None:
    """Fit the next cost-model version from the run's fills; return its hash.

    It is stored in the run's store and, when one is configured, the cost-model
    store (so the next run's "latest" is it). ``None`` when nothing filled.
    ``analyses``: :func:`run_analyses` of the same store and ``marks``, if held.
    """
    with store.unit_of_work() as uow:
        version = calibrate_from_store(
            uow, setup.pinned.params, created_at=at, marks=marks, analyses=analyses
        )
        uow.commit()
    if version is None:
        return None
    if settings.cost_model_store:
        shared = open_cost_model_store(settings.cost_model_store)
        try:
            with shared.unit_of_work() as uow:
                uow.cost_models.record(version)
                uow.commit()
        finally:
            shared.close()
    return version.version_hash


def run_analyses(store: Store, marks: Mapping[str, Decimal]) -> list[ExecutionAnalysis]:
    """Return the TCA of every order in the run's store."""
    with store.unit_of_work() as uow:
        return load_analyses(uow, marks)
