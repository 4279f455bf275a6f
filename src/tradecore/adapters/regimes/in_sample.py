"""The in-sample, full-series regime fit: the look-ahead a backtest must not use.

One hmmlearn fit on the whole series, read through forward-backward (smoothed)
probabilities: every label knows the bars after it, including where the regime
ends. It exists only to be *compared with* the filtered, past-only model (the
accuracy gap in the regimes report and docs/regimes.md); no feature and no
decision reads it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tradecore.adapters.regimes.hmmlearn_fitter import HmmlearnFitter
from tradecore.domain.regimes.config import RegimeModelConfig
from tradecore.domain.regimes.tracker import fit_window


def in_sample_states(
    observations: NDArray[np.float64], config: RegimeModelConfig
) -> NDArray[np.int64]:
    """The most probable state of every observation under one fit on all of them,
    smoothed (forward-backward), states ordered calmest first."""
    from hmmlearn.hmm import GaussianHMM

    params = fit_window(HmmlearnFitter(), observations, config)
    model = GaussianHMM(n_components=config.states, covariance_type="diag")
    model.startprob_ = np.asarray(params.start)
    model.transmat_ = np.asarray(params.transmat)
    model.means_ = np.asarray(params.means)
    model.covars_ = np.asarray(params.variances)
    z = (observations - np.asarray(params.center)) / np.asarray(params.scale)
    return np.asarray(model.predict_proba(z).argmax(axis=1), dtype=np.int64)
