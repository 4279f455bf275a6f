"""Risk controls.

Limits, rules, the pre-trade checker, trading state, kills, breakers, degradation,
rejections.
"""
