"""tradecore's ``sma_cross`` (ideal fills) next to backtrader and NautilusTrader.

``bt_sma_cross.py`` and ``nautilus_sma_cross.py`` are standalone scripts, each run as a
whole process over the same bar folder (see ``_common.py`` for the rule they share);
:mod:`benchmarks.compare.runner` times them and tradecore's ``tradecore-replay run``
and checks that all agree on fills and final equity. The frameworks are bench-only
dependencies (``pip install -e ".[bench]"``).
"""
