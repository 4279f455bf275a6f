"""tools/sbom.py: the SBOM must list exactly the lock's pins (plus a venv's installers)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sbom() -> Iterator[ModuleType]:
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(ROOT / "tools"))
        yield importlib.import_module("sbom")


#: The shape of ``cyclonedx-py environment`` JSON, cut to what the check reads.
CYCLONEDX = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "metadata": {"component": {"name": "tradecore", "version": "0.1.0"}},
    "components": [
        {"name": "Farama-Notifications", "version": "0.0.6", "type": "library"},
        {"name": "numpy", "version": "2.3.5", "type": "library"},
        {"name": "pip", "version": "25.3", "type": "library"},
        {"name": "setuptools", "version": "80.9.0", "type": "library"},
    ],
}
PINS = {"farama-notifications": "0.0.6", "numpy": "2.3.5"}


def test_an_sbom_of_the_locked_environment_matches(sbom: ModuleType) -> None:
    found = sbom.components(CYCLONEDX)
    assert found["farama-notifications"] == "0.0.6"
    assert "tradecore" not in found  # the root component is metadata, not a dependency
    assert sbom.differences(PINS, found) == []


def test_drift_from_the_lock_is_named_line_by_line(sbom: ModuleType) -> None:
    found = {**sbom.components(CYCLONEDX), "numpy": "2.4.0", "requests": "2.32.5"}
    pins = {**PINS, "scipy": "1.16.3"}
    assert sbom.differences(pins, found) == [
        "extra: requests==2.32.5 is installed but not locked",
        "missing: scipy==1.16.3 is locked but not installed",
        "version: numpy is 2.4.0 in the environment, 2.3.5 in the lock",
    ]


def test_the_real_test_lock_is_read_whole(sbom: ModuleType) -> None:
    pins = sbom.lock_pins((ROOT / "requirements" / "test.lock").read_text())
    assert {"numpy", "pytest", "detect-secrets", "psycopg", "psycopg-binary"} <= set(
        pins
    )
    assert "tradecore" not in pins
    assert all(v[0].isdigit() for v in pins.values()), pins
