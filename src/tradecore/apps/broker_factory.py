"""Which broker the operator commands talk to: one factory, chosen by ``[broker] kind``.

``none`` (the default) builds nothing: a kill still halts trading in the store and
reports every open order as not cancelled. ``simulated`` builds a fresh simulated
broker: it has no orders of its own, so it is only useful for trying the commands;
``alpaca`` builds the Alpaca adapter (paper unless ``[broker] live = true``) with the
keys from the environment or the encrypted secrets file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from tradecore.adapters.sim import SimulatedBroker
from tradecore.apps.config import Settings
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.fill_models import FillModel
from tradecore.domain.venue_config import VenueConfig
from tradecore.ports.broker import Broker
from tradecore.ports.clock import Clock


def _none(settings: Settings, clock: Clock) -> Broker | None:
    return None


def _simulated(settings: Settings, clock: Clock) -> Broker | None:
    return SimulatedBroker(clock, VenueConfig(seed=0, fill_model=FillModel.ideal()))


def _alpaca(settings: Settings, clock: Clock) -> Broker | None:
    # Imported here: alpaca-py is an optional extra.
    from tradecore.adapters.alpaca.broker import AlpacaBroker
    from tradecore.adapters.alpaca.config import AlpacaConfig
    from tradecore.apps.secrets import alpaca_credentials

    broker = settings.broker
    config = AlpacaConfig(
        paper=not broker.live, base_url=broker.base_url, stream_url=broker.stream_url
    )
    return AlpacaBroker(config, alpaca_credentials(os.environ), clock=clock)


#: ``[broker] kind`` -> how to build it.
BROKERS: Mapping[str, Callable[[Settings, Clock], Broker | None]] = {
    "none": _none,
    "simulated": _simulated,
    "alpaca": _alpaca,
}


def build_broker(settings: Settings, clock: Clock) -> Broker | None:
    """Build the configured broker (``None`` when none is configured).

    Raises:
        ConfigurationError: the kind has no factory.
    """
    factory = BROKERS.get(settings.broker.kind)
    if factory is None:
        known = ", ".join(sorted(BROKERS))
        raise ConfigurationError(
            f"broker kind {settings.broker.kind!r} has no factory (known: {known})"
        )
    return factory(settings, clock)
