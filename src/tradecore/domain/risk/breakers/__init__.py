"""Circuit breakers: conditions that move the trading state when they trip.

Each breaker is a small class: ``update(...)`` with its own inputs returns a
:class:`BreakerReading` (recording the inputs when it trips), ``tick(at)`` re-judges
it as time passes. The shared latch (:mod:`.latch`) makes recovery need a quiet
period and a person's approval, unless configured to clear by itself.
"""

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
