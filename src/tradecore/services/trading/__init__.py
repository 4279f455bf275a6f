"""The trading loop.

The engine and its net-of-cost steps, the records a decision leaves, working orders,
the replay driver, the live loop, and start-up recovery after a crash.
"""
