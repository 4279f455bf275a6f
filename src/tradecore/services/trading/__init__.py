"""The trading loop.

The engine, its net-of-cost steps, the replay driver, the live loop, commit policies.
"""
