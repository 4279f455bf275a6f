"""Market regimes without look-ahead: a Gaussian HMM fitted only on past data,
relabelled by volatility after every refit, read through its filtered (forward)
probabilities. Fitting is a port (:class:`~tradecore.domain.regimes.fitter.RegimeFitter`);
the filter, schedule and observations are here, pure."""

from tradecore.domain.regimes.config import RegimeModelConfig
from tradecore.domain.regimes.fitter import RegimeFitter, fitter_named, register_fitter
from tradecore.domain.regimes.params import RegimeParams
from tradecore.domain.regimes.tracker import RegimeFit, RegimeReading, RegimeTracker

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
