"""tradecore's ``sma_cross`` (ideal fills) next to backtrader, NautilusTrader, vectorbt.

``bt_sma_cross.py``, ``nautilus_sma_cross.py`` and ``vbt_sma_cross.py`` are standalone
scripts, each run as a whole process over the same bar folder (see ``_common.py`` for
the rule they share); :mod:`benchmarks.compare.runner` times them and tradecore's
``tradecore-replay run`` and checks every one against the exact NumPy reference
(:mod:`benchmarks.compare.reference`). The frameworks are bench-only dependencies
(``pip install -e ".[bench]"``).
"""
