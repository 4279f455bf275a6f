"""Unit tests of domain/research."""
