"""Controls.

The kill switch, the risk gate, breakers, degradation, broker health, the rejection
handler, operator actions.
"""
