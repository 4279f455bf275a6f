"""Observation: alert routing and what the live loop reports after every cycle."""
