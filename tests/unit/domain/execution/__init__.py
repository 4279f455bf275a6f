"""Unit tests of domain/execution."""
