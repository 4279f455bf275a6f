"""Unit tests of domain/sizing."""
