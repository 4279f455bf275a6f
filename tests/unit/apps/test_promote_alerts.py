"""A failed gate alerts ``research.gate_failed``; a leak also ``research.leakage``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.manifests import sample_manifest
from tradecore.apps.config.settings import Settings
from tradecore.apps.replay.promote import Promotion, _alert_failed
from tradecore.domain.research.gate import Criterion, GateResult
from tradecore.domain.research.leakage import Leak, LeakageReport
from tradecore.domain.research.manifest import SignedManifest


def _promotion(leak: Leak | None) -> Promotion:
    failed = Criterion(
        name="dsr", value=0.1, comparison=">=", threshold=0.95, passed=False
    )
    return Promotion(
        gate=GateResult(criteria=(failed,)),
        document={},
        signed=SignedManifest(manifest=sample_manifest()),
        leakage=LeakageReport(cuts_ns=(0,), subject="strategy:x", leak=leak),
    )


def _codes(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage().split(":")[0] for r in caplog.records]


def test_without_a_config_the_gate_alert_is_logged_with_its_reasons(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _alert_failed(Settings(), None, tmp_path, _promotion(None))
    assert _codes(caplog) == ["research.gate_failed"]
    assert "dsr: 0.1 is not >= 0.95" in caplog.records[0].getMessage()


def test_a_leak_also_raises_the_leakage_alert(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    leak = Leak(
        cut_ns=0, timestamp_ns=0, symbol="AAA", what="decision", full="a", truncated="b"
    )
    _alert_failed(Settings(), None, tmp_path, _promotion(leak))
    assert _codes(caplog) == ["research.gate_failed", "research.leakage"]
    assert "decision of AAA" in caplog.records[1].getMessage()
