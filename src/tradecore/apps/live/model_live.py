"""``tradecore-live run`` on a registered model: load, verify, reload, watch staleness.

With ``[model] strategy_id`` (or ``run --model ID``) the run trades the production
model of that strategy id (``tradecore-live model promote``): its registry folder
is verified (signed manifest, artifact hash, card, feature schema) and turned into
a strategy by the builder (:func:`default_builder`: ``ModelStrategy``); a failure
alerts ``manifest.rejected`` and exits 7, no production model is a clear error.

While running, :class:`ModelReloader` asks the store (at most every
``[model] reload_interval_s`` of wall-clock time, one indexed read) whether the
production model changed — a promotion or a rollback. A new model is verified and
built first; only then is it swapped in, between two cycles (the engine is not
inside a callback then), and decisions from the next bar on carry its manifest.
A model that fails is refused (alerted, audited) and the old one keeps trading; the
same failing model is not retried until the production model changes again.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Mapping

import attrs

from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.live.manifest_gate import check_promoted
from tradecore.apps.live.model_dir import (
    VerifiedModel,
    registered_folder,
    verify_model_dir,
)
from tradecore.apps.wiring.model_strategy import load_model_strategy
from tradecore.domain.errors import (
    ConfigurationError,
    ManifestMismatch,
    ManifestRejected,
    NotFound,
    StoreError,
    TradecoreError,
)
from tradecore.domain.market.bars import Bar
from tradecore.domain.research.manifest import manifest_hash
from tradecore.domain.strategies.api import AnyStrategy, BarStrategy, Returned
from tradecore.domain.strategies.market_view import MarketView
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.clock import Clock
from tradecore.ports.store import Store
from tradecore.services.research.manifests import store_manifest

_log = logging.getLogger("tradecore.live")

#: Builds the strategy that trades a verified model folder.
StrategyBuilder = Callable[[VerifiedModel], AnyStrategy]


@attrs.frozen(kw_only=True)
class LoadedModel:
    """A verified model and the strategy built from it."""

    verified: VerifiedModel
    strategy: AnyStrategy

    @property
    def model_hash(self) -> str:
        """The artifact's sha256."""
        return self.verified.model_hash

    @property
    def manifest_hash(self) -> str:
        """What decisions made with this model carry."""
        return manifest_hash(self.verified.manifest)


class ProductionModels:
    """The production model of one strategy id: which it is, verified and built."""

    def __init__(
        self,
        store: Store,
        strategy_id: str,
        signing: SigningSettings,
        *,
        allow_dev_key: bool,
        build: StrategyBuilder,
        require_promotion: bool = False,
    ) -> None:
        self.store = store
        self._promoted_only = require_promotion
        self.strategy_id = strategy_id
        self._signing = signing
        self._allow_dev = allow_dev_key
        self._build = build

    def production_hash(self) -> str | None:
        """The model hash in production now (one read), or ``None``."""
        with self.store.unit_of_work() as uow:
            event = uow.models.production(self.strategy_id)
        return None if event is None else event.model_hash

    def load_production(self) -> LoadedModel:
        """Verify and build the production model.

        Raises:
            NotFound: the strategy id has no production model.
            ManifestRejected: it does not verify.
        """
        model_hash = self.production_hash()
        if model_hash is None:
            raise NotFound(
                f"strategy id {self.strategy_id!r} has no production model: register "
                "one (`tradecore-live model register MODEL_DIR`) and promote it "
                "(`tradecore-live model promote HASH`)"
            )
        return self.load(model_hash)

    def load(self, model_hash: str) -> LoadedModel:
        """Verify the registry folder of ``model_hash`` and build its strategy.

        Raises:
            ManifestRejected: the folder does not verify, or is another model's or
                another strategy id's, or (``require_promotion``) its manifest
                carries no passed promotion stamp.
        """
        with self.store.unit_of_work() as uow:
            folder = registered_folder(uow, model_hash)
        verified = verify_model_dir(
            folder, self._signing, allow_dev_key=self._allow_dev
        )
        if verified.model_hash != model_hash:
            raise ManifestMismatch("model_hash", model_hash, verified.model_hash)
        if verified.strategy_id != self.strategy_id:
            raise ManifestMismatch(
                "strategy_id", self.strategy_id, verified.strategy_id
            )
        if self._promoted_only:  # [model] require_promotion, as for --manifest
            check_promoted(verified.manifest)
        return LoadedModel(verified=verified, strategy=self._build(verified))


#: Told of every timestamp the model saw: its bars and the scores it gave, if any.
BarsObserver = Callable[[Mapping[str, Bar], Mapping[str, float] | None], None]


class SwappableStrategy(BarStrategy):
    """A bar-form strategy whose inner strategy can be replaced between bars.

    The engine keeps this one object (and its market view's history); a reload
    swaps what it delegates to. ``history`` is fixed when the engine is built, so a
    model needing a longer history than the first one's is refused.

    The last ``warmup`` timestamps' bars are kept and replayed into a new inner
    strategy before it takes over (its targets then are dropped), so a model with
    its own feature state (``ModelStrategy``) trades from the first bar after the
    swap instead of waiting for its lookbacks to fill.
    """

    def __init__(
        self, inner: BarStrategy, history: int | None = None, warmup: int = 0
    ) -> None:
        self.inner = inner
        self.strategy_id = inner.strategy_id
        self.history = max(inner.history, history or 0)
        self._recent: deque[tuple[int, Mapping[str, Bar]]] = deque(
            maxlen=warmup or None
        )
        self._warmup = warmup
        self.observers: list[BarsObserver] = []
        #: The market view of the latest timestamp (``None`` before the first).
        self.view: MarketView | None = None

    def swap(self, inner: AnyStrategy, view: MarketView | None = None) -> None:
        """Delegate to ``inner`` from the next bar on (warmed on the kept bars).

        Raises:
            ConfigurationError: ``inner`` is not a bar-form strategy of the same
                strategy id, or needs more history than the view keeps.
        """
        if not isinstance(inner, BarStrategy):
            raise ConfigurationError("a reloaded model must build a bar-form strategy")
        if inner.strategy_id != self.strategy_id:
            raise ConfigurationError(
                f"reloaded strategy id {inner.strategy_id!r} is not {self.strategy_id!r}"
            )
        if inner.history > self.history:
            raise ConfigurationError(
                f"the new model needs {inner.history} bars of history; this run "
                f"keeps {self.history} (restart the run to trade it)"
            )
        if view is not None:
            for timestamp_ns, bars in self._recent:
                inner.on_bars(timestamp_ns, bars, view)
        self.inner = inner

    def on_bar(self, bar: Bar, view: MarketView) -> Returned:
        """The inner strategy's ``on_bar``."""
        return self.inner.on_bar(bar, view)

    def on_bars(
        self, timestamp_ns: int, bars: Mapping[str, Bar], view: MarketView
    ) -> Returned:
        """The inner strategy's ``on_bars``; the bars are kept for a warm-up."""
        self.view = view
        if self._warmup:
            self._recent.append((timestamp_ns, dict(bars)))
        returned = self.inner.on_bars(timestamp_ns, bars, view)
        scores = getattr(self.inner, "last_scores", None)
        for observe in self.observers:
            observe(bars, scores if isinstance(scores, Mapping) else None)
        return returned


def swappable(
    strategy: AnyStrategy, history: int | None = None, warmup: int = 0
) -> SwappableStrategy:
    """Wrap a model's strategy so a reload can replace it.

    Raises:
        ConfigurationError: the strategy is not bar-form (models trade on bars).
    """
    if not isinstance(strategy, BarStrategy):
        raise ConfigurationError(
            "a model's strategy must be bar-form (a BarStrategy) to be reloadable"
        )
    return SwappableStrategy(strategy, history, warmup)


class ModelReloader:
    """Swaps in the production model when it changes; see the module docstring."""

    def __init__(
        self,
        models: ProductionModels,
        target: SwappableStrategy,
        current: LoadedModel,
        *,
        interval_s: float,
        alerter: Alerter,
        clock: Clock,
        on_swap: Callable[[LoadedModel], None],
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.models = models
        self.target = target
        self.current = current
        self._interval = interval_s
        self._alerter = alerter
        self._clock = clock
        self._on_swap = on_swap
        self._timer = timer
        self._checked: float | None = None
        #: Model hashes refused since the production model last changed.
        self._refused: set[str] = set()
        self.reloads = 0

    def check(self) -> LoadedModel | None:
        """Between cycles: swap in a changed production model; return it if swapped."""
        now = self._timer()
        if self._checked is not None and now - self._checked < self._interval:
            return None
        self._checked = now
        try:
            wanted = self.models.production_hash()
        except StoreError as e:  # a store hiccup must not stop trading the model
            _log.warning("model reload check skipped: %s", e)
            return None
        if wanted is None or wanted == self.current.model_hash:
            return None
        if wanted in self._refused:
            return None
        try:
            loaded = self.models.load(wanted)
            self.target.swap(loaded.strategy, self.target.view)
        # A model that cannot be read or built must not stop the one trading: an
        # unreadable file or a library refusing the artifact is refused like a
        # failed verification.
        except (TradecoreError, OSError, ValueError) as e:
            self._refuse(wanted, e)
            return None
        previous, self.current = self.current, loaded
        self._refused.clear()
        self.reloads += 1
        self._on_swap(loaded)
        self._record(previous, loaded)
        return loaded

    def _refuse(self, model_hash: str, error: Exception) -> None:
        self._refused.add(model_hash)
        message = (
            f"production model {model_hash[:16]} of {self.models.strategy_id} refused: "
            f"{error}; still trading {self.current.model_hash[:16]}"
        )
        _log.error("%s", message)
        code = (
            AlertCode.MANIFEST_REJECTED
            if isinstance(error, ManifestRejected)
            else AlertCode.MODEL_RELOADED
        )
        self._send(Severity.CRITICAL, code, message, model_hash)
        with self.models.store.unit_of_work() as uow:
            uow.audit.append(
                "model.reload_refused",
                {
                    "strategy_id": self.models.strategy_id,
                    "model_hash": model_hash,
                    "kept": self.current.model_hash,
                    "reason": f"{type(error).__name__}: {error}",
                },
            )
            uow.commit()

    def _record(self, previous: LoadedModel, loaded: LoadedModel) -> None:
        with self.models.store.unit_of_work() as uow:
            store_manifest(uow, loaded.verified.signed)
            uow.audit.append(
                "model.reloaded",
                {
                    "strategy_id": self.models.strategy_id,
                    "model_hash": loaded.model_hash,
                    "manifest_hash": loaded.manifest_hash,
                    "replaced": previous.model_hash,
                },
            )
            uow.commit()
        message = (
            f"{self.models.strategy_id} now trades model {loaded.model_hash[:16]} "
            f"(was {previous.model_hash[:16]}), without a restart"
        )
        _log.info("%s", message)
        self._send(Severity.INFO, AlertCode.MODEL_RELOADED, message, loaded.model_hash)

    def _send(
        self, severity: Severity, code: AlertCode, message: str, model: str
    ) -> None:
        self._alerter.send(
            Alert(
                severity=severity,
                code=code.value,
                message=message,
                raised_at=self._clock.now(),
                context={"strategy_id": self.models.strategy_id, "model_hash": model},
            )
        )


def model_strategy_builder(
    signing: SigningSettings, *, allow_dev_key: bool, params: Mapping[str, str]
) -> StrategyBuilder:
    """Build ``ModelStrategy`` (``tradecore.apps.wiring.model_strategy``) from a folder.

    ``params`` are ModelStrategy's thresholds (``run --param p_long=0.6``...); the
    artifact is pinned to the registered model hash.
    """

    def build(model: VerifiedModel) -> AnyStrategy:
        return load_model_strategy(
            {**params, "model_dir": str(model.folder), "model_hash": model.model_hash},
            signing,
            trust_local_dev_key=allow_dev_key,
            allow_dev_key=allow_dev_key,
        )

    return build
