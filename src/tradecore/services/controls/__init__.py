"""Controls.

The kill switch, the risk gate, breakers, degradation, the rejection handler, operator
actions.
"""
