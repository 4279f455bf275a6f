"""Sizing: Bayesian Kelly and probability calibration."""
