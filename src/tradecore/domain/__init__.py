"""The pure domain core: orders, lifecycle, ledger, hashing, bars, indicators, metrics,
datagen and the simulated venue; sizing, execution policy, cost model, TCA and slicing."""

from typing import TYPE_CHECKING

from tradecore.domain.lazy import lazy_attributes

if TYPE_CHECKING:
    from tradecore.domain.execution.almgren_chriss import (
        AcTrajectory,
        almgren_chriss_kappa,
        almgren_chriss_trajectory,
        completion_time,
    )
    from tradecore.domain.execution.calibration import (
        COST_MODEL_STALE,
        CalibrationConfig,
        ImpactObservation,
        ParamBounds,
        StalenessCheck,
        bounded_ewma_step,
        calibrate_impact,
        check_staleness,
        observe_impact,
    )
    from tradecore.domain.execution.cost_model import (
        CostEstimate,
        CostModel,
        MarketContext,
        PlannedOrder,
    )
    from tradecore.domain.execution.cost_params import CostModelParams, ImpactParams
    from tradecore.domain.execution.fees import FeeModel
    from tradecore.domain.execution.parent_status import (
        CancelPlan,
        ParentProgress,
        aggregate_parent,
        cancel_plan,
    )
    from tradecore.domain.execution.policy import (
        COST_EXCEEDS_EDGE,
        ExecutionPolicy,
        ExecutionPolicySelector,
        PolicyChoice,
        PolicyThresholds,
        limit_price,
    )
    from tradecore.domain.execution.slicing import (
        ChildSlice,
        LotRules,
        PovSlicer,
        child_intent,
        realized_participation,
        twap_slices,
    )
    from tradecore.domain.execution.tca import (
        ExecutionAnalysis,
        ParentExecution,
        analyze_execution,
    )
    from tradecore.domain.execution.tca_rollup import TcaRollup, rollup_executions
    from tradecore.domain.market.bar_frame import (
        BarFrame,
        Timeline,
        data_fingerprint,
        merge_timeline,
    )
    from tradecore.domain.market.bar_quality import QualityRules, screen_frame
    from tradecore.domain.market.bars import Bar, Provenance, Quote
    from tradecore.domain.market.calendar import MarketCalendar
    from tradecore.domain.market.datagen import (
        Session,
        Shape,
        ShapeParams,
        generate_bars,
    )
    from tradecore.domain.market.indicators import (
        EWMA,
        SMA,
        EWMVolatility,
        RollingReturn,
    )
    from tradecore.domain.orders.account import AccountSnapshot, Position
    from tradecore.domain.orders.broker_status import (
        INTENT_STATUS_OF,
        BrokerOrderStatus,
    )
    from tradecore.domain.orders.client_order_id import (
        DecisionKey,
        attempt_of,
        client_order_id,
        slice_client_order_id,
    )
    from tradecore.domain.orders.events import OrderEvent, OrderEventKind
    from tradecore.domain.orders.executions import Fill
    from tradecore.domain.orders.intent import (
        Applied,
        OrderIntent,
        apply_event,
        mark_failed,
        mark_submitted,
    )
    from tradecore.domain.orders.ledger import Holding, Ledger
    from tradecore.domain.orders.lifecycle import (
        OPEN,
        TERMINAL,
        TRANSITIONS,
        IntentStatus,
        check_transition,
        is_terminal,
    )
    from tradecore.domain.orders.spec import (
        Bracket,
        OrderSpec,
        OrderType,
        Side,
        TimeInForce,
    )
    from tradecore.domain.research.metrics import (
        PerformanceSummary,
        summarize_performance,
    )
    from tradecore.domain.sizing.kelly import (
        BayesianKelly,
        KellyConfig,
        SizingDecision,
        kelly_optimal_fraction,
        volatility_regime_multiplier,
    )
    from tradecore.domain.sizing.probability_calibration import IsotonicCalibrator
    from tradecore.domain.venue.config import OutsideHours, VenueConfig
    from tradecore.domain.venue.fill_models import (
        AdverseSelectionConfig,
        FillModel,
        ImpactConfig,
        LatencyConfig,
        LiquidityConfig,
        QueueConfig,
        SpreadConfig,
    )
    from tradecore.domain.venue.simulated import SimVenue

#: Where each name comes from: imported on first use (see tradecore.domain.lazy).
_ORIGINS: dict[str, tuple[str, ...]] = {
    "tradecore.domain.execution.almgren_chriss": (
        "AcTrajectory",
        "almgren_chriss_kappa",
        "almgren_chriss_trajectory",
        "completion_time",
    ),
    "tradecore.domain.execution.calibration": (
        "COST_MODEL_STALE",
        "CalibrationConfig",
        "ImpactObservation",
        "ParamBounds",
        "StalenessCheck",
        "bounded_ewma_step",
        "calibrate_impact",
        "check_staleness",
        "observe_impact",
    ),
    "tradecore.domain.execution.cost_model": (
        "CostEstimate",
        "CostModel",
        "MarketContext",
        "PlannedOrder",
    ),
    "tradecore.domain.execution.cost_params": (
        "CostModelParams",
        "ImpactParams",
    ),
    "tradecore.domain.execution.fees": ("FeeModel",),
    "tradecore.domain.execution.parent_status": (
        "CancelPlan",
        "ParentProgress",
        "aggregate_parent",
        "cancel_plan",
    ),
    "tradecore.domain.execution.policy": (
        "COST_EXCEEDS_EDGE",
        "ExecutionPolicy",
        "ExecutionPolicySelector",
        "PolicyChoice",
        "PolicyThresholds",
        "limit_price",
    ),
    "tradecore.domain.execution.slicing": (
        "ChildSlice",
        "LotRules",
        "PovSlicer",
        "child_intent",
        "realized_participation",
        "twap_slices",
    ),
    "tradecore.domain.execution.tca": (
        "ExecutionAnalysis",
        "ParentExecution",
        "analyze_execution",
    ),
    "tradecore.domain.execution.tca_rollup": (
        "TcaRollup",
        "rollup_executions",
    ),
    "tradecore.domain.market.bar_frame": (
        "BarFrame",
        "Timeline",
        "data_fingerprint",
        "merge_timeline",
    ),
    "tradecore.domain.market.bar_quality": (
        "QualityRules",
        "screen_frame",
    ),
    "tradecore.domain.market.bars": (
        "Bar",
        "Provenance",
        "Quote",
    ),
    "tradecore.domain.market.calendar": ("MarketCalendar",),
    "tradecore.domain.market.datagen": (
        "Session",
        "Shape",
        "ShapeParams",
        "generate_bars",
    ),
    "tradecore.domain.market.indicators": (
        "EWMA",
        "SMA",
        "EWMVolatility",
        "RollingReturn",
    ),
    "tradecore.domain.orders.account": (
        "AccountSnapshot",
        "Position",
    ),
    "tradecore.domain.orders.broker_status": (
        "INTENT_STATUS_OF",
        "BrokerOrderStatus",
    ),
    "tradecore.domain.orders.client_order_id": (
        "DecisionKey",
        "attempt_of",
        "client_order_id",
        "slice_client_order_id",
    ),
    "tradecore.domain.orders.events": (
        "OrderEvent",
        "OrderEventKind",
    ),
    "tradecore.domain.orders.executions": ("Fill",),
    "tradecore.domain.orders.intent": (
        "Applied",
        "OrderIntent",
        "apply_event",
        "mark_failed",
        "mark_submitted",
    ),
    "tradecore.domain.orders.ledger": (
        "Holding",
        "Ledger",
    ),
    "tradecore.domain.orders.lifecycle": (
        "OPEN",
        "TERMINAL",
        "TRANSITIONS",
        "IntentStatus",
        "check_transition",
        "is_terminal",
    ),
    "tradecore.domain.orders.spec": (
        "Bracket",
        "OrderSpec",
        "OrderType",
        "Side",
        "TimeInForce",
    ),
    "tradecore.domain.research.metrics": (
        "PerformanceSummary",
        "summarize_performance",
    ),
    "tradecore.domain.sizing.kelly": (
        "BayesianKelly",
        "KellyConfig",
        "SizingDecision",
        "kelly_optimal_fraction",
        "volatility_regime_multiplier",
    ),
    "tradecore.domain.sizing.probability_calibration": ("IsotonicCalibrator",),
    "tradecore.domain.venue.config": (
        "OutsideHours",
        "VenueConfig",
    ),
    "tradecore.domain.venue.fill_models": (
        "AdverseSelectionConfig",
        "FillModel",
        "ImpactConfig",
        "LatencyConfig",
        "LiquidityConfig",
        "QueueConfig",
        "SpreadConfig",
    ),
    "tradecore.domain.venue.simulated": ("SimVenue",),
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)

__all__ = [
    "EWMA",
    "INTENT_STATUS_OF",
    "OPEN",
    "SMA",
    "TERMINAL",
    "TRANSITIONS",
    "AccountSnapshot",
    "AdverseSelectionConfig",
    "Applied",
    "Bar",
    "BarFrame",
    "Bracket",
    "BrokerOrderStatus",
    "DecisionKey",
    "EWMVolatility",
    "FeeModel",
    "Fill",
    "FillModel",
    "Holding",
    "ImpactConfig",
    "IntentStatus",
    "LatencyConfig",
    "Ledger",
    "LiquidityConfig",
    "OrderEvent",
    "OrderEventKind",
    "OrderIntent",
    "OrderSpec",
    "OrderType",
    "OutsideHours",
    "PerformanceSummary",
    "Position",
    "Provenance",
    "QualityRules",
    "QueueConfig",
    "Quote",
    "RollingReturn",
    "Session",
    "Shape",
    "ShapeParams",
    "Side",
    "SimVenue",
    "SpreadConfig",
    "TimeInForce",
    "Timeline",
    "VenueConfig",
    "apply_event",
    "attempt_of",
    "check_transition",
    "client_order_id",
    "data_fingerprint",
    "generate_bars",
    "is_terminal",
    "mark_failed",
    "mark_submitted",
    "merge_timeline",
    "summarize_performance",
]

# Net-of-cost decisions (issue 9): sizing, execution policy, cost model, TCA, slicing.
__all__ += [
    "COST_EXCEEDS_EDGE",
    "COST_MODEL_STALE",
    "AcTrajectory",
    "BayesianKelly",
    "CalibrationConfig",
    "CancelPlan",
    "ChildSlice",
    "CostEstimate",
    "CostModel",
    "CostModelParams",
    "ExecutionAnalysis",
    "ExecutionPolicy",
    "ExecutionPolicySelector",
    "ImpactObservation",
    "ImpactParams",
    "IsotonicCalibrator",
    "KellyConfig",
    "LotRules",
    "MarketCalendar",
    "MarketContext",
    "ParamBounds",
    "ParentExecution",
    "ParentProgress",
    "PlannedOrder",
    "PolicyChoice",
    "PolicyThresholds",
    "PovSlicer",
    "SizingDecision",
    "StalenessCheck",
    "TcaRollup",
    "aggregate_parent",
    "almgren_chriss_kappa",
    "almgren_chriss_trajectory",
    "analyze_execution",
    "bounded_ewma_step",
    "calibrate_impact",
    "cancel_plan",
    "check_staleness",
    "child_intent",
    "completion_time",
    "kelly_optimal_fraction",
    "limit_price",
    "observe_impact",
    "realized_participation",
    "rollup_executions",
    "screen_frame",
    "slice_client_order_id",
    "twap_slices",
    "volatility_regime_multiplier",
]
