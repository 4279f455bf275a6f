"""The manifest gate of ``tradecore-live run``: nothing trades on an unverified model.

Which manifest: ``run --manifest FILE``, else ``[model] manifest``. Trusted keys:
``[signing] trusted_public_keys``. A manifest signed with a development key is
accepted only with ``[signing] allow_dev_key = true`` (then this machine's dev key
is trusted too), and never with ``--live``.

With no manifest configured, a paper or dry run still trades — with a warning, and
with no manifest hash on its decisions — while ``--live`` (real money) refuses.

With ``[model] require_promotion = true`` the manifest must also carry a passed
promotion stamp (``tradecore-replay promote``), and a run without a manifest is
refused even on paper.

Every refusal raises a :class:`~tradecore.domain.errors.ManifestRejected` (exit code
7) after alerting ``manifest.rejected``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path

import attrs

from tradecore.adapters.signing import read_signed_manifest
from tradecore.apps.config.settings import Settings
from tradecore.apps.replay.run_manifest import (
    check_run_matches,
    manifest_parameters,
    run_identity,
)
from tradecore.apps.wiring.manifest_trust import verify_manifest_file
from tradecore.apps.wiring.model_strategy import load_model_strategy
from tradecore.apps.wiring.portfolio_config import (
    PORTFOLIO_STRATEGY,
    ManifestTrust,
    load_portfolio,
)
from tradecore.apps.wiring.strategy_loader import load_strategy
from tradecore.domain.errors import ManifestMissing, ManifestRejected, ManifestTampered
from tradecore.domain.market.bar_frame import BarFrame, data_fingerprint
from tradecore.domain.research.manifest import Manifest, SignedManifest, manifest_hash
from tradecore.domain.strategies.api import AnyStrategy
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.clock import Clock

_log = logging.getLogger("tradecore.live")


@attrs.frozen(kw_only=True)
class ManifestInForce:
    """The verified manifest (``None``: paper trading without one) and its hash."""

    manifest: Manifest | None
    path: Path | None
    #: The manifest with its signature, as the store keeps it.
    signed: SignedManifest | None = None

    @property
    def hash(self) -> str | None:
        """What every decision record carries."""
        return None if self.manifest is None else manifest_hash(self.manifest)

    def describe(self) -> str:
        """One line for ``/health`` and the log."""
        if self.manifest is None:
            return "no manifest (paper trading without one)"
        kind = ", development key" if self.manifest.dev_key else ""
        return f"verified {self.hash} ({self.path}{kind})"


@attrs.frozen(kw_only=True)
class GatedStrategy:
    """The strategy to trade, built with the parameters the manifest allows."""

    #: As given: a bundled name or ``package.module:Class``.
    name: str
    strategy: AnyStrategy
    params: Mapping[str, str]
    in_force: ManifestInForce


def gate_strategy(
    settings: Settings,
    *,
    manifest_option: Path | None,
    strategy: str,
    params: Mapping[str, str],
    frames: Sequence[BarFrame],
    interval: timedelta,
    live: bool,
    alerter: Alerter,
    clock: Clock,
) -> GatedStrategy:
    """Verify the manifest and build the strategy it vouches for.

    Without ``params`` the manifest's parameters are used; with them they must be
    the manifest's.

    Raises:
        ManifestRejected: see the module docstring (alerted first).
        ConfigurationError: unknown strategy or parameter.
    """
    path = manifest_option or (
        Path(settings.model.manifest) if settings.model.manifest else None
    )
    try:
        if path is None:
            return _without_manifest(strategy, params, live, settings)
        signed = _verified(settings, path, frames, live)
        manifest = signed.manifest
        if settings.model.require_promotion:
            check_promoted(manifest)
        params = dict(params) or manifest_parameters(manifest)
        chosen = _strategy(strategy, params, settings, live)
        check_run_matches(manifest, run_identity(strategy, chosen, params, interval))
    except ManifestRejected as error:
        _alert_rejected(alerter, clock, path, error)
        raise
    in_force = ManifestInForce(manifest=manifest, path=path, signed=signed)
    _log.info("manifest %s", in_force.describe())
    return GatedStrategy(
        name=strategy, strategy=chosen, params=params, in_force=in_force
    )


def check_promoted(manifest: Manifest) -> None:
    """Refuse a manifest that the promotion gate did not pass.

    Raises:
        ManifestRejected: no promotion stamp, or a failed one.
    """
    stamp = manifest.promotion
    if stamp is None:
        raise ManifestRejected(
            "[model] require_promotion is on and the manifest was never promoted: "
            "run tradecore-replay promote RUN_DIR"
        )
    if not stamp.passed:
        raise ManifestRejected(
            "[model] require_promotion is on and the manifest failed its promotion "
            f"gate on {stamp.stamped_at.isoformat()} (promotion.json sha256 "
            f"{stamp.promotion_sha256[:16]}...)"
        )


def _strategy(
    strategy: str,
    params: Mapping[str, str | int | float],
    settings: Settings,
    live: bool,
) -> AnyStrategy:
    """The strategy to trade. A model or policy directory (``--strategy model``,
    ``--strategy policy``) is verified under live trust rules, as the manifest is:
    a development-key model only with ``[signing] allow_dev_key`` and never with
    ``--live``. A portfolio's sub-strategies and their ``[[strategies]] manifest``
    files get the same rules."""
    allow_dev = settings.signing.allow_dev_key and not live
    if strategy == PORTFOLIO_STRATEGY:
        return load_portfolio(
            params,
            lambda name, sub: _strategy(name, sub, settings, live),
            ManifestTrust(signing=settings.signing, allow_dev_key=allow_dev),
        )
    if strategy not in ("model", "policy"):
        return load_strategy(strategy, params)
    if strategy == "policy":  # the [rl] extra: imported only when asked for
        from tradecore.apps.research.rl_policy import load_policy_strategy

        return load_policy_strategy(
            params,
            settings.signing,
            trust_local_dev_key=allow_dev,
            allow_dev_key=allow_dev,
        )
    return load_model_strategy(
        params,
        settings.signing,
        trust_local_dev_key=allow_dev,
        allow_dev_key=allow_dev,
    )


def _without_manifest(
    strategy: str, params: Mapping[str, str], live: bool, settings: Settings
) -> GatedStrategy:
    promoted_only = settings.model.require_promotion
    if live:
        raise ManifestMissing(
            "real-money trading needs a signed manifest: pass --manifest FILE or set "
            "[model] manifest"
        )
    if promoted_only:
        raise ManifestMissing(
            "[model] require_promotion is on: pass --manifest FILE (a promoted "
            "manifest) or set [model] manifest"
        )
    _log.warning(
        "no manifest configured: paper trading %s unverified (--live would refuse)",
        strategy,
    )
    return GatedStrategy(
        name=strategy,
        strategy=_strategy(strategy, params, settings, live),
        params=params,
        in_force=ManifestInForce(manifest=None, path=None),
    )


def _verified(
    settings: Settings, path: Path, frames: Sequence[BarFrame], live: bool
) -> SignedManifest:
    allow_dev = settings.signing.allow_dev_key and not live
    dataset = data_fingerprint(frames) if settings.model.same_dataset else None
    manifest = verify_manifest_file(
        path,
        settings.signing,
        trust_local_dev_key=allow_dev,
        allow_dev_key=allow_dev,
        dataset_fingerprint=dataset,
    )
    signed = read_signed_manifest(path)  # with its signature, for the store
    if signed.manifest != manifest:
        raise ManifestTampered(f"{path} changed while it was being verified")
    return signed


def _alert_rejected(
    alerter: Alerter, clock: Clock, path: Path | None, error: ManifestRejected
) -> None:
    alerter.send(
        Alert(
            severity=Severity.CRITICAL,
            code=AlertCode.MANIFEST_REJECTED.value,
            message=f"manifest {path or '(none)'} refused: {error}",
            raised_at=clock.now(),
            context={"manifest": str(path), "reason": type(error).__name__},
        )
    )
