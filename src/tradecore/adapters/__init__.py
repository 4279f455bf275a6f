"""Adapters: implementations of the ports (each imports its own library)."""
