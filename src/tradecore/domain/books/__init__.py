"""The books view: tax lots, lot relief, wash sales and the Form 8949 rows.

The average-cost :class:`~tradecore.domain.orders.ledger.Ledger` stays the trading
view; this package is the books (tax) view of the same fills. Everything here is a
pure function of the fill history (and the corporate actions): the 30-day window after
a loss sale needs later fills, so books are recomputed from every fill up to a date.
"""
