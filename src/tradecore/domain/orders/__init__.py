"""Orders.

Specs, the intent and its lifecycle, client order ids, events, executions, records, the
ledger.
"""
