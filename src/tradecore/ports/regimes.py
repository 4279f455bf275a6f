"""The regime-fitting port: a Gaussian HMM fit behind a protocol.

Defined beside the filter in :mod:`tradecore.domain.regimes.fitter` (the domain's
feature kind calls it, and the domain cannot import ports); re-exported here so
adapters implement the port from where every other port lives
(:class:`tradecore.adapters.regimes.hmmlearn_fitter.HmmlearnFitter`).
"""

from tradecore.domain.regimes.fitter import RegimeFitter, fitter_named, register_fitter

__all__ = ["RegimeFitter", "fitter_named", "register_fitter"]
