"""Composition roots: the console apps ``tradecore-live`` and ``tradecore-replay``."""
