"""Market data.

Bars and quotes, bar frames, sessions, data quality, features, indicators, generated
data.
"""
