"""The engine's regimes from ``[regime]``: the monitor (sessions from the market
calendar, the configured fitter), the execution policy's passive threshold, and the
run's refits written next to it (``regimes.json``)."""

from __future__ import annotations

import json
from pathlib import Path

import attrs

from tradecore.apps.config.regime import RegimeSettings
from tradecore.apps.wiring.regime_fitters import install_regime_fitters
from tradecore.domain.features.feature_set import CalendarContext
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.regimes.monitor import RegimeMonitor
from tradecore.domain.regimes.scoring import fits_hash
from tradecore.ports.regimes import fitter_named
from tradecore.services.execution.net_of_cost import NetOfCostConfig


def build_regime_monitor(
    settings: RegimeSettings, calendar: MarketCalendar | None
) -> RegimeMonitor | None:
    """The engine's regime monitor for ``[regime]`` (``None``: not enabled);
    sessions are ``calendar``'s trading days (the UTC day without one).

    Raises:
        InvalidInput: a bad ``[regime]`` value, or its fitter not installed.
    """
    if not settings.enabled:
        return None
    install_regime_fitters()
    context = CalendarContext(calendar)
    return RegimeMonitor(
        settings.model_config(),
        fitter_named(settings.fitter),
        multipliers=settings.multipliers,
        session_of=lambda ns: context.of(ns)[0],
    )


def with_regime_policy(
    config: NetOfCostConfig | None, settings: RegimeSettings | None
) -> NetOfCostConfig | None:
    """``config`` with ``[regime] passive_above`` as the selector's threshold."""
    if config is None or settings is None or not settings.enabled:
        return config
    thresholds = attrs.evolve(
        config.thresholds, passive_high_vol_probability=settings.passive_above
    )
    return attrs.evolve(config, thresholds=thresholds)


#: A replay's refits, per symbol, beside its store.
REGIME_FITS_FILE = "regimes.json"


def write_regime_fits(path: Path, regimes: RegimeMonitor) -> str:
    """Write every symbol's refits to ``path`` (sorted keys, one spelling per
    float); return their :func:`~tradecore.domain.regimes.scoring.fits_hash`
    (all symbols' fits in symbol order)."""
    fits = regimes.fits()
    every = [fit for symbol in sorted(fits) for fit in fits[symbol]]
    digest = fits_hash(every)
    document = {
        "format": "tradecore.regimes/1",
        "config": regimes.config.describe(),
        "fitter": regimes.fitter.name,
        "fits_sha256": digest,
        "series": {s: [f.to_dict() for f in fs] for s, fs in fits.items()},
    }
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return digest
