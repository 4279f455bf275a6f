"""Unit tests of domain/risk."""
