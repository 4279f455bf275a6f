"""Market regimes without look-ahead: a Gaussian HMM fitted only on past data,
relabelled by volatility after every refit, read through its filtered (forward)
probabilities. Fitting is a port (:class:`~tradecore.domain.regimes.fitter.RegimeFitter`);
the filter, schedule and observations are here, pure."""

from typing import TYPE_CHECKING

from tradecore.domain.lazy import lazy_attributes

if TYPE_CHECKING:
    from tradecore.domain.regimes.config import RegimeModelConfig
    from tradecore.domain.regimes.fitter import (
        RegimeFitter,
        fitter_named,
        register_fitter,
    )
    from tradecore.domain.regimes.params import RegimeParams
    from tradecore.domain.regimes.tracker import RegimeFit, RegimeReading, RegimeTracker

#: Where each name comes from: imported on first use (see tradecore.domain.lazy).
_ORIGINS: dict[str, tuple[str, ...]] = {
    "tradecore.domain.regimes.config": ("RegimeModelConfig",),
    "tradecore.domain.regimes.fitter": (
        "RegimeFitter",
        "fitter_named",
        "register_fitter",
    ),
    "tradecore.domain.regimes.params": ("RegimeParams",),
    "tradecore.domain.regimes.tracker": (
        "RegimeFit",
        "RegimeReading",
        "RegimeTracker",
    ),
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)

__all__ = [
    "RegimeFit",
    "RegimeFitter",
    "RegimeModelConfig",
    "RegimeParams",
    "RegimeReading",
    "RegimeTracker",
    "fitter_named",
    "register_fitter",
]
