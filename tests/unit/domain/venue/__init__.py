"""Unit tests of domain/venue."""
