"""Operator commands shared by `tradecore-live`.

Db, audit, config, state/breaker/kill, reconcile, tca, cost-model, secrets.
"""
