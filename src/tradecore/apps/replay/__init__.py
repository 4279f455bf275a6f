"""`tradecore-replay`.

Deterministic replays, parity, manifests and the emulator, one module per command.
"""
