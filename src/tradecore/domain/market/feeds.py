"""The names a market-data series carries: Alpaca's bar feeds and the adjustments.

Apart from :mod:`tradecore.domain.market.lake`, which checks series against them,
so the command line can offer them as choices without building the lake's classes
(issue 18: start-up).
"""

#: Feeds a lake accepts (Alpaca's bar feeds) and the ``adjustment`` values.
FEEDS = ("iex", "sip", "delayed_sip")
ADJUSTMENTS = ("raw", "split", "dividend", "all")
