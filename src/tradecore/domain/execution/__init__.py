"""Execution.

The cost model and its calibration, Almgren-Chriss, the policy selector, slicing,
parents, TCA, fees.
"""
