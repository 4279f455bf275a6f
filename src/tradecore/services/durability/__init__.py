"""Durability: when the store commits, and the named crash points that prove it."""
