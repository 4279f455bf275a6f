"""The closed sets the command lines accept, as ``Literal`` types typer turns into choices.

An option whose values are a fixed list is annotated with one of these
(``fill_model: FillModel = typer.Option(...)``): help shows the list
(``[realistic|ideal]``) and a wrong value is refused before the command runs, in
one line naming the option and every accepted value. The command still receives a
plain ``str``.

The literals are built from the tuples that define each set (the config's, the
lake's, a command module's), so a value added there is accepted here. Type
checkers see ``str``: a ``Literal`` made at run time is not a static type. (The
root options' ``--log-format`` set is in :mod:`tradecore.apps.wiring.cli_logging`:
importing the config here would load SQLAlchemy into every command's start-up.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from tradecore.apps.config.settings import MARKET_CALENDARS
from tradecore.domain.market.feeds import ADJUSTMENTS, FEEDS

#: The simulated venue's fill models (``apps/replay/venue.py``).
FILL_MODEL_NAMES = ("realistic", "ideal")
#: Where ``tradecore-live run`` reads bars.
LIVE_FEED_NAMES = ("files", "alpaca", "alpaca-stream")


def literal_of(values: Iterable[str]) -> Any:
    """``Literal["a", "b"]`` from ``("a", "b")``: typer offers exactly these values."""
    return Literal.__getitem__(tuple(values))


if TYPE_CHECKING:
    FillModel = str
    Calendar = str
    DataFeed = str
    DataAdjustment = str
    LiveFeed = str
else:
    FillModel = literal_of(FILL_MODEL_NAMES)
    Calendar = literal_of(MARKET_CALENDARS)
    DataFeed = literal_of(FEEDS)
    DataAdjustment = literal_of(ADJUSTMENTS)
    LiveFeed = literal_of(LIVE_FEED_NAMES)
