"""Typed configuration: TOML + environment, risk, execution, operations and secrets settings."""
