"""Orders at the broker.

The exactly-once order manager and reconciliation with the broker's records.
"""
