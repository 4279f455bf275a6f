"""Composition helpers both apps share.

Store context, strategies, brokers, alerts, cost models, manifest trust, errors.
"""

from tradecore.apps.wiring.regime_fitters import install_regime_fitters

# Feature declarations name their regime fitter; every app resolves it the same way.
install_regime_fitters()
