"""Ops path costs: routing a storm of alerts, signing and verifying a manifest.

Figures are per operation, each next to a floor measured in the same run: the alert
router against a bare loop appending to a list (what any call costs), manifest
signing/verification against hashing the same canonical bytes with sha256.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

from tradecore.adapters.signing import NaclSigner, NaclVerifier
from tradecore.adapters.sim import SimClock
from tradecore.domain.research.manifest import DataSource, Manifest, manifest_bytes
from tradecore.ports.alerts import Alert, Severity
from tradecore.services.observation.alerting import (
    AlertRoute,
    AlertRouter,
    RouterPolicy,
)
from tradecore.services.research.manifests import sign_manifest, verify_manifest

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


class _Sink:
    name = "sink"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def deliver(self, alert: Alert) -> None:
        self.alerts.append(alert)


def _per_op_us(fn: object, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()  # type: ignore[operator]
    return (time.perf_counter() - started) / n * 1e6


def _manifest() -> Manifest:
    return Manifest(
        strategy_id="sma_cross",
        strategy_version="1",
        model_name="sma_cross",
        model_version="1",
        model_hash="ab" * 32,
        parameters={"fast": 10, "slow": 30},
        training_start=None,
        training_end=None,
        embargo_bars=0,
        data_sources=[
            DataSource(name="bars", provenance="file", fingerprint="cd" * 32)
        ],
        dataset_fingerprint="01" * 32,
        feature_schema_hash="23" * 32,
        cost_model_version="45" * 32,
        config_hash="67" * 32,
        created_at=T0,
        code_version="0.1.0",
    )


def run(quick: bool) -> list[str]:
    """Measure and return report lines."""
    n = 2_000 if quick else 20_000
    clock, sink = SimClock(T0), _Sink()
    router = AlertRouter([sink], [AlertRoute(sinks=("sink",))], clock, RouterPolicy())
    alert = Alert(severity=Severity.CRITICAL, code="storm", message="m", raised_at=T0)
    routed = _per_op_us(lambda: router.send(alert), n)
    floor_list: list[Alert] = []
    floor = _per_op_us(lambda: floor_list.append(alert), n)
    signer, manifest = NaclSigner(bytes(32)), _manifest()
    signed = sign_manifest(manifest, signer)
    keys = [signer.public_key()]
    m = n // 20
    sign_us = _per_op_us(lambda: sign_manifest(manifest, signer), m)
    verify_us = _per_op_us(lambda: verify_manifest(signed, NaclVerifier(), keys), m)
    hash_us = _per_op_us(lambda: hashlib.sha256(manifest_bytes(manifest)).digest(), m)
    return [
        f"alert storm: {n:,} identical alerts -> {len(sink.alerts)} delivery; "
        f"{routed:.1f} us/alert vs list.append floor {floor:.2f} us "
        f"(x{routed / floor:.0f})",
        f"manifest sign {sign_us:.0f} us, verify {verify_us:.0f} us; "
        f"canonical bytes + sha256 floor {hash_us:.0f} us "
        f"(sign x{sign_us / hash_us:.1f}, verify x{verify_us / hash_us:.1f})",
    ]
