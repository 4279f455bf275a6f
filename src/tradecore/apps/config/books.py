"""The ``[books]`` section: how ``tradecore-live books`` relieves tax lots.

One configuration file is one account, so the relief method is per account. IRS
Pub. 550: without an adequate identification the shares sold are the first bought
(FIFO, the default); ``lifo`` and ``hifo`` are standing identifications a broker
applies, ``specific`` names the lots per sale in ``[books.identified]``.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from tradecore.domain.books.relief import ReliefMethod


@attrs.frozen(kw_only=True)
class BooksSettings:
    """The tax-lot view of the account's fills (``tradecore-live books``)."""

    #: How a sale picks the lots it sells: fifo (the IRS default), lifo, hifo
    #: (highest cost first) or specific (the lots named in [books.identified]).
    lot_relief: ReliefMethod = ReliefMethod.FIFO
    #: Specific identification: a sale's execution id = the lot ids it sells, in
    #: order (a lot id is its opening fill's execution id); unnamed shares go FIFO.
    identified: Mapping[str, list[str]] = attrs.field(factory=dict)
