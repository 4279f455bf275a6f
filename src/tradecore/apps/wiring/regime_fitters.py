"""Which library answers a feature's ``fitter = "hmmlearn"``: the composition root
registers the adapter (made on first use, so hmmlearn is imported only by a run
that fits a regime)."""

from __future__ import annotations

from tradecore.domain.errors import InvalidInput
from tradecore.ports.regimes import RegimeFitter, register_fitter

HMMLEARN = "hmmlearn"


def _hmmlearn() -> RegimeFitter:
    try:
        from tradecore.adapters.regimes.hmmlearn_fitter import HmmlearnFitter

        return HmmlearnFitter()
    except ImportError:
        raise InvalidInput(
            "regime fitter",
            HMMLEARN,
            "needs hmmlearn: pip install 'tradecore[regimes]'",
        ) from None


def install_regime_fitters() -> None:
    """Register the library fitters by name (idempotent)."""
    register_fitter(HMMLEARN, _hmmlearn)
