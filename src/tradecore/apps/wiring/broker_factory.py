"""Which broker the operator commands talk to: one factory, chosen by ``[broker] kind``.

``none`` (the default) builds nothing: a kill still halts trading in the store and
reports every open order as not cancelled. ``simulated`` builds a fresh simulated
broker: it has no orders of its own, so it is only useful for trying the commands;
``alpaca`` builds the Alpaca adapter (paper unless ``[broker] live = true``) with the
keys from the environment or the encrypted secrets file, paced by a token bucket
kept in the configured store, so every process on that store shares the account's
200 requests a minute (and a 429's pause).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from tradecore.adapters.sim import SimulatedBroker
from tradecore.adapters.sqlstore import make_engine
from tradecore.adapters.sqlstore.rate_limiter import StoreRateLimiter
from tradecore.apps.config.settings import Settings
from tradecore.apps.wiring.calendars import live_calendars
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.broker import Broker
from tradecore.ports.clock import Clock
from tradecore.ports.rate_limit import RateLimiter


def _none(settings: Settings, clock: Clock) -> Broker | None:
    return None


def _simulated(settings: Settings, clock: Clock) -> Broker | None:
    calendar = live_calendars(settings.market.calendar, clock.now()).regular
    venue = VenueConfig(seed=0, fill_model=FillModel.ideal(), calendar=calendar)
    return SimulatedBroker(clock, venue)


def _alpaca(settings: Settings, clock: Clock) -> Broker | None:
    # Imported here: alpaca-py is an optional extra.
    from tradecore.adapters.alpaca.broker import AlpacaBroker
    from tradecore.adapters.alpaca.config import AlpacaConfig
    from tradecore.apps.config.secrets import alpaca_credentials

    broker = settings.broker
    config = AlpacaConfig(
        paper=not broker.live, base_url=broker.base_url, stream_url=broker.stream_url
    )
    credentials = alpaca_credentials(os.environ)
    limiter = shared_limiter(
        settings, credentials.key_id, config.requests_per_minute, config.burst
    )
    return AlpacaBroker(config, credentials, clock=clock, limiter=limiter)


def rate_bucket_name(key_id: str) -> str:
    """The store bucket of one Alpaca account: its key id, hashed (ids stay out)."""
    return "alpaca-trading:" + sha256_hex(key_id)[:16]


def shared_limiter(
    settings: Settings, key_id: str, per_minute: float, burst: float
) -> RateLimiter:
    """A rate limiter kept in the configured store, shared by its processes.

    It opens an engine of its own (the broker is built apart from the store) and
    disposes of it when closed; :meth:`AlpacaBroker.close` closes it.
    """
    store = settings.store
    engine = make_engine(store.url, durability=store.durability)
    return StoreRateLimiter.per_minute(
        engine, rate_bucket_name(key_id), per_minute, burst=burst, owns_engine=True
    )


#: ``[broker] kind`` -> how to build it.
BROKERS: Mapping[str, Callable[[Settings, Clock], Broker | None]] = {
    "none": _none,
    "simulated": _simulated,
    "alpaca": _alpaca,
}


def close_broker(broker: Broker | None) -> None:
    """Release what the broker holds (stream, the rate limiter's DB engine), if any."""
    close = getattr(broker, "close", None)
    if callable(close):
        close()


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
