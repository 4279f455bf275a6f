"""Unit tests of domain/market."""
