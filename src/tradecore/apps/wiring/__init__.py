"""Composition helpers both apps share.

Store context, strategies, brokers, alerts, cost models, manifest trust, errors.
"""
