"""Circuit breakers: conditions that move the trading state when they trip.

Each breaker is a small class: ``update(...)`` with its own inputs returns a
:class:`BreakerReading` (recording the inputs when it trips), ``tick(at)`` re-judges
it as time passes. The shared latch (:mod:`.latch`) makes recovery need a quiet
period and a person's approval, unless configured to clear by itself.
"""

from typing import TYPE_CHECKING

from tradecore.domain.lazy import lazy_attributes

if TYPE_CHECKING:
    from tradecore.domain.risk.breakers.base import Breaker
    from tradecore.domain.risk.breakers.correlation import (
        CorrelationBreaker,
        CorrelationConfig,
        correlation_measures,
    )
    from tradecore.domain.risk.breakers.latch import (
        BreakerConfig,
        BreakerEvent,
        BreakerReading,
        TripLatch,
    )
    from tradecore.domain.risk.breakers.market import (
        StalenessBreaker,
        StalenessConfig,
        VolatilitySpikeBreaker,
        VolatilitySpikeConfig,
    )
    from tradecore.domain.risk.breakers.pnl import (
        DailyLossBreaker,
        DailyLossConfig,
        DayEquity,
        DayEquityTracker,
        DrawdownBreaker,
        DrawdownConfig,
        LosingStreakBreaker,
        LosingStreakConfig,
    )
    from tradecore.domain.risk.breakers.rates import (
        BrokerErrorRateBreaker,
        FailureRateConfig,
        RejectRateBreaker,
    )
    from tradecore.domain.risk.breakers.regime import RegimeBreaker, RegimeBreakerConfig

#: Where each name comes from: imported on first use (see tradecore.domain.lazy).
_ORIGINS: dict[str, tuple[str, ...]] = {
    "tradecore.domain.risk.breakers.base": ("Breaker",),
    "tradecore.domain.risk.breakers.correlation": (
        "CorrelationBreaker",
        "CorrelationConfig",
        "correlation_measures",
    ),
    "tradecore.domain.risk.breakers.latch": (
        "BreakerConfig",
        "BreakerEvent",
        "BreakerReading",
        "TripLatch",
    ),
    "tradecore.domain.risk.breakers.market": (
        "StalenessBreaker",
        "StalenessConfig",
        "VolatilitySpikeBreaker",
        "VolatilitySpikeConfig",
    ),
    "tradecore.domain.risk.breakers.pnl": (
        "DailyLossBreaker",
        "DailyLossConfig",
        "DayEquity",
        "DayEquityTracker",
        "DrawdownBreaker",
        "DrawdownConfig",
        "LosingStreakBreaker",
        "LosingStreakConfig",
    ),
    "tradecore.domain.risk.breakers.rates": (
        "BrokerErrorRateBreaker",
        "FailureRateConfig",
        "RejectRateBreaker",
    ),
    "tradecore.domain.risk.breakers.regime": (
        "RegimeBreaker",
        "RegimeBreakerConfig",
    ),
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)

__all__ = [
    "Breaker",
    "BreakerConfig",
    "BreakerEvent",
    "BreakerReading",
    "BrokerErrorRateBreaker",
    "CorrelationBreaker",
    "CorrelationConfig",
    "DailyLossBreaker",
    "DailyLossConfig",
    "DayEquity",
    "DayEquityTracker",
    "DrawdownBreaker",
    "DrawdownConfig",
    "FailureRateConfig",
    "LosingStreakBreaker",
    "LosingStreakConfig",
    "RegimeBreaker",
    "RegimeBreakerConfig",
    "RejectRateBreaker",
    "StalenessBreaker",
    "StalenessConfig",
    "TripLatch",
    "VolatilitySpikeBreaker",
    "VolatilitySpikeConfig",
    "correlation_measures",
]
