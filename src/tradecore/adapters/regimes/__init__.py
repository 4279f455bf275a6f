"""Regime fitters: a Gaussian HMM fitted by hmmlearn behind the domain's
:class:`~tradecore.domain.regimes.fitter.RegimeFitter` port."""
