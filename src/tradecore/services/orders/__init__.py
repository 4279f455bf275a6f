"""Orders at the broker.

The exactly-once order manager, reconciliation, start-up recovery, broker health.
"""
