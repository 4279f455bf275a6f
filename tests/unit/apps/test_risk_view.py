"""``risk_view``: the ``[risk]`` section a replay's config records.

The defaults are encoded from their attrs values without cattrs (start-up); the
data must be what cattrs' unstructuring gives, and any other section still goes
through cattrs.
"""

from __future__ import annotations

import json
from decimal import Decimal

import attrs
import pytest

from tradecore.apps.config import settings
from tradecore.apps.config.risk import RiskSettings
from tradecore.domain.hashing import canonical_bytes
from tradecore.domain.risk.limits import RiskLimits


def _through_cattrs(risk: RiskSettings) -> object:
    return json.loads(canonical_bytes(settings._converter.unstructure(risk)))


def test_the_default_section_is_what_cattrs_gives() -> None:
    view = settings.risk_view(RiskSettings())
    assert view == _through_cattrs(RiskSettings())
    assert json.dumps(view, sort_keys=True) == json.dumps(
        _through_cattrs(RiskSettings()), sort_keys=True
    )
    assert view["pdt"]["min_equity"] == "25000"


class _Spy:
    """Stands for the settings converter; notes what it is asked to unstructure."""

    def __init__(self) -> None:
        self.asked: list[object] = []

    def unstructure(self, value: object) -> object:
        self.asked.append(value)
        return _REAL_CONVERTER.unstructure(value)


_REAL_CONVERTER = settings._converter


def test_only_a_configured_section_goes_through_cattrs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limits = RiskLimits(max_order_notional=Decimal("1000"), restricted_symbols=("B",))
    risk = attrs.evolve(RiskSettings(), limits=limits)
    spy = _Spy()
    monkeypatch.setattr(settings, "_converter", spy)
    view = settings.risk_view(risk)
    default = settings.risk_view(RiskSettings())
    assert spy.asked == [risk]  # the defaults did not go through cattrs
    assert view["limits"]["max_order_notional"] == "1000"
    assert view["limits"]["restricted_symbols"] == ["B"]
    assert {k: v for k, v in view.items() if k != "limits"} == {
        k: v for k, v in default.items() if k != "limits"
    }
