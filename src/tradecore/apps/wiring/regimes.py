"""The engine's regimes from ``[regime]``: the monitor (sessions from the market
calendar, the configured fitter), the execution policy's passive threshold, and the
run's refits written next to it (``regimes.json``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import attrs

from tradecore.apps.config.regime import RegimeSettings
from tradecore.apps.wiring.regime_fitters import install_regime_fitters
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.regimes.monitor import RegimeMonitor
from tradecore.domain.regimes.scoring import fits_hash
from tradecore.domain.research.manifest import DataSource
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
    return new_regime_monitor(settings, calendar) if settings.enabled else None


def new_regime_monitor(
    settings: RegimeSettings, calendar: MarketCalendar | None
) -> RegimeMonitor:
    """A fresh monitor for ``settings`` (enabled or not: the caller decided)."""
    # Imported here: the feature machinery is needed only when [regime] is enabled.
    from tradecore.domain.features.feature_set import CalendarContext

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


def regime_fits_digest(regimes: RegimeMonitor) -> str:
    """The :func:`~tradecore.domain.regimes.scoring.fits_hash` of every symbol's
    refits, symbols in order."""
    fits = regimes.fits()
    return fits_hash([fit for symbol in sorted(fits) for fit in fits[symbol]])


def write_regime_fits(path: Path, regimes: RegimeMonitor) -> str:
    """Write every symbol's refits to ``path`` (sorted keys, one spelling per
    float); return :func:`regime_fits_digest`."""
    digest = regime_fits_digest(regimes)
    document = {
        "format": "tradecore.regimes/1",
        "config": regimes.config.describe(),
        "fitter": regimes.fitter.name,
        "fits_sha256": digest,
        "series": {s: [f.to_dict() for f in fs] for s, fs in regimes.fits().items()},
    }
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return digest


def prefit_regimes(
    settings: RegimeSettings,
    calendar: MarketCalendar | None,
    frames: Sequence[BarFrame],
) -> RegimeMonitor:
    """Every refit a replay over ``frames`` will make, made before it starts.

    Each symbol's tracker sees only that symbol's bars, in time order, exactly as
    the engine feeds them; so the fits (and their hash, bound into the run's
    manifest) are known before the first decision, and the engine's own are
    checked against them after the run.
    """
    monitor = new_regime_monitor(settings, calendar)
    for frame in sorted(frames, key=lambda f: f.symbol):
        for ts, close in zip(
            frame.timestamps.tolist(), frame.close.tolist(), strict=True
        ):
            monitor.observe(frame.symbol, ts, close)
    return monitor


def regime_summary(engine_digest: str, prefit_digest: str | None) -> dict[str, object]:
    """The run summary's regime fields: the engine's fits hash, and whether it is
    the one the manifest bound (``False``: the engine saw other bars, e.g. one its
    data-quality screen rejected; ``regimes.json`` holds the manifest's fits)."""
    return {
        "regime_fits_sha256": engine_digest,
        "regime_fits_match_manifest": engine_digest == prefit_digest,
    }


@attrs.frozen(kw_only=True)
class ReplayRegimes:
    """A replay's regimes: the engine's monitor, the fits made before the run (and
    written beside it), their manifest data source."""

    monitor: RegimeMonitor
    prefit_digest: str
    source: DataSource

    @classmethod
    def start(
        cls,
        settings: RegimeSettings | None,
        calendar: MarketCalendar,
        frames: Sequence[BarFrame],
        folder: Path,
    ) -> ReplayRegimes | None:
        """Prefit, write ``folder/regimes.json`` and name it as a manifest source
        (``None``: ``[regime]`` not enabled)."""
        if settings is None or not settings.enabled:
            return None
        prefit = prefit_regimes(settings, calendar, frames)
        digest = write_regime_fits(folder / REGIME_FITS_FILE, prefit)
        source = DataSource(
            name=f"regimes/{REGIME_FITS_FILE}",
            provenance="generated",
            fingerprint=digest,
        )
        monitor = new_regime_monitor(settings, calendar)
        return cls(monitor=monitor, prefit_digest=digest, source=source)

    def summary(self) -> dict[str, object]:
        """The run summary's fields once the engine ran (see :func:`regime_summary`)."""
        return regime_summary(regime_fits_digest(self.monitor), self.prefit_digest)
