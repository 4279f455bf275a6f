"""Unit tests of domain/orders."""
