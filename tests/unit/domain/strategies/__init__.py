"""Unit tests of domain/strategies."""
