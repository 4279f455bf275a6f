"""Live model loading and reload between bars, with a stand-in strategy builder."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from tests.manifests import sample_manifest
from tests.model_dirs import model_dir
from tests.risk_support import RecordingAlerter, audit_rows, sqlite_store
from tradecore.adapters.signing import generate_key_files
from tradecore.adapters.sim import SimClock
from tradecore.adapters.sqlstore import SqlStore
from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.live.model_cli import record_registration
from tradecore.apps.live.model_dir import VerifiedModel, copy_into, verify_model_dir
from tradecore.apps.live.model_live import (
    LoadedModel,
    ModelReloader,
    ProductionModels,
    SwappableStrategy,
    swappable,
)
from tradecore.apps.live.model_staleness import StalenessWatch
from tradecore.domain.errors import ManifestRejected, NotFound
from tradecore.domain.market.bars import Bar
from tradecore.domain.research.staleness import StalenessRule
from tradecore.domain.strategies.api import BarStrategy
from tradecore.domain.strategies.market_view import MarketView
from tradecore.services.research import model_registry as reg

SID = "ml_demo"


class Tagged(BarStrategy):
    """Stands in for ModelStrategy: remembers which model it was built from."""

    strategy_id = SID

    def __init__(self, model_hash: str, history: int = 64) -> None:
        self.model_hash = model_hash
        self.history = history


class Bench:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.db = root / "live.db"
        self.store: SqlStore = sqlite_store(self.db)
        keys = generate_key_files(root / "keys")
        self.key = keys.private_key
        pub = keys.public_key.read_text().strip()
        self.signing = SigningSettings(trusted_public_keys=(pub,))
        self.history = 64
        self.models = ProductionModels(
            self.store, SID, self.signing, allow_dev_key=False, build=self.build
        )
        self.alerter = RecordingAlerter()
        self.now = 0.0
        self.swapped: list[str] = []

    def build(self, model: VerifiedModel) -> Tagged:
        return Tagged(model.model_hash, self.history)

    def register(self, artifact: bytes) -> str:
        trained = model_dir(self.root / "trained", self.key, artifact=artifact)
        verified = verify_model_dir(trained, self.signing, allow_dev_key=False)
        folder = copy_into(trained, self.root / "registry", verified.model_hash)
        kept = verify_model_dir(folder, self.signing, allow_dev_key=False)
        with self.store.unit_of_work() as uow:
            record_registration(uow, kept, "ana", "test")
            uow.commit()
        return kept.model_hash

    def promote(self, model_hash: str) -> None:
        with self.store.unit_of_work() as uow:
            reg.promote(uow, model_hash, strategy_id=SID, actor="ana", reason="t")
            uow.commit()

    def rollback(self) -> None:
        with self.store.unit_of_work() as uow:
            reg.rollback(uow, SID, actor="ana", reason="t")
            uow.commit()

    def reloader(
        self, interval_s: float = 0.0
    ) -> tuple[ModelReloader, SwappableStrategy]:
        loaded = self.models.load_production()
        target = swappable(loaded.strategy)
        reloader = ModelReloader(
            self.models,
            target,
            loaded,
            interval_s=interval_s,
            alerter=self.alerter,
            clock=SimClock(sample_manifest().created_at),
            on_swap=self.on_swap,
            timer=lambda: self.now,
        )
        return reloader, target

    def on_swap(self, loaded: LoadedModel) -> None:
        self.swapped.append(loaded.model_hash)


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    made = Bench(tmp_path)
    yield made
    made.store.close()


def _inner(target: SwappableStrategy) -> str:
    assert isinstance(target.inner, Tagged)
    return target.inner.model_hash


def test_no_production_model_is_a_clear_error(bench: Bench) -> None:
    bench.register(b"one")
    with pytest.raises(NotFound, match="has no production model: register one"):
        bench.models.load_production()


def test_a_promotion_is_swapped_in_and_recorded(bench: Bench) -> None:
    one, two = bench.register(b"one"), bench.register(b"two")
    bench.promote(one)
    reloader, target = bench.reloader()
    assert reloader.check() is None  # nothing changed
    bench.promote(two)
    loaded = reloader.check()
    assert loaded is not None
    assert loaded.model_hash == two
    assert _inner(target) == two
    assert bench.swapped == [two]
    assert bench.alerter.codes() == ["model.reloaded"]
    rows = audit_rows(bench.db, "model.reloaded")
    assert [(p["model_hash"], p["replaced"]) for _, p in rows] == [(two, one)]
    with bench.store.unit_of_work() as uow:  # decisions' manifest hash resolves
        assert uow.models.manifests_for(two)


def test_a_rollback_is_picked_up_the_same_way(bench: Bench) -> None:
    one, two = bench.register(b"one"), bench.register(b"two")
    bench.promote(one)
    bench.promote(two)
    reloader, target = bench.reloader()
    bench.rollback()
    assert reloader.check() is not None
    assert _inner(target) == one
    assert bench.swapped == [one]


def test_checks_wait_for_the_interval(bench: Bench) -> None:
    one, two = bench.register(b"one"), bench.register(b"two")
    bench.promote(one)
    reloader, target = bench.reloader(interval_s=30.0)
    assert reloader.check() is None  # first check: store read, unchanged
    bench.promote(two)
    bench.now = 29.0
    assert reloader.check() is None
    assert _inner(target) == one
    bench.now = 30.0
    assert reloader.check() is not None
    assert _inner(target) == two


def test_a_model_that_fails_verification_is_refused_once(bench: Bench) -> None:
    one, two = bench.register(b"one"), bench.register(b"two")
    bench.promote(one)
    reloader, target = bench.reloader()
    (bench.root / "registry" / two / "model.skops").write_bytes(b"tampered")
    bench.promote(two)
    assert reloader.check() is None
    assert reloader.check() is None  # not retried, not re-alerted
    assert _inner(target) == one
    assert bench.alerter.codes() == ["manifest.rejected"]
    assert "still trading" in bench.alerter.alerts[0].message
    refused = audit_rows(bench.db, "model.reload_refused")
    assert [(p["model_hash"], p["kept"]) for _, p in refused] == [(two, one)]


def test_a_model_needing_more_history_is_refused(bench: Bench) -> None:
    one, two = bench.register(b"one"), bench.register(b"two")
    bench.promote(one)
    reloader, target = bench.reloader()
    bench.history = 500
    bench.promote(two)
    assert reloader.check() is None
    assert _inner(target) == one
    assert "needs 500 bars of history" in bench.alerter.alerts[0].message


def _bar(close: float) -> Bar:
    return Bar(
        symbol="AAA",
        timestamp=datetime(2026, 1, 5, 15, tzinfo=UTC),
        open=close,
        high=close,
        low=close,
        close=close,
        volume=1.0,
    )


class Scoring(Tagged):
    """Records the bars it was given and exposes scores, like ModelStrategy."""

    def __init__(self, model_hash: str, history: int = 64) -> None:
        super().__init__(model_hash, history)
        self.seen: list[int] = []
        self.last_scores: dict[str, float] = {}

    def on_bars(self, timestamp_ns: int, bars: Any, view: Any) -> None:
        self.seen.append(timestamp_ns)
        self.last_scores = {"AAA": 0.9}


def test_a_swapped_in_strategy_is_warmed_on_the_kept_bars() -> None:
    target = swappable(Scoring("one"), warmup=2)
    seen: list[Mapping[str, float] | None] = []
    target.observers.append(lambda bars, scores: seen.append(scores))
    view = cast(MarketView, object())
    for ts in (1, 2, 3):
        target.on_bars(ts, {"AAA": _bar(10.0)}, view)
    fresh = Scoring("two")
    target.swap(fresh, target.view)
    assert fresh.seen == [2, 3]  # the last `warmup` timestamps, in order
    target.on_bars(4, {"AAA": _bar(10.0)}, view)
    assert fresh.seen == [2, 3, 4]
    assert seen == [{"AAA": 0.9}] * 4


def test_staleness_alerts_each_sign_once_per_model(bench: Bench) -> None:
    one = bench.register(b"one")  # card: forward_return:5, out-of-sample 0.55
    bench.promote(one)
    loaded = bench.models.load_production()
    clock = SimClock(datetime(2026, 3, 1, tzinfo=UTC))  # trained to 2025-12-01
    rule = StalenessRule(max_age_days=60, window=4, tolerance=0.1)
    watch = StalenessWatch(rule, bench.alerter, clock, loaded)
    assert watch.calls.horizon == 5
    watch.check()
    watch.check()
    assert bench.alerter.codes() == ["model.stale"]
    assert "90.0 days old" in bench.alerter.alerts[0].message
    for close in (10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0):
        watch.observe({"AAA": _bar(close)}, {"AAA": 0.9})  # called up, went down
    verdict = watch.check()
    assert verdict.rolling_hit_rate == 0.0
    assert bench.alerter.codes() == ["model.stale", "model.stale"]
    assert "hit rate 0.000 over the last 4" in bench.alerter.alerts[1].message
    watch.bind(loaded)  # a reload re-arms
    watch.check()
    assert bench.alerter.codes().count("model.stale") == 3


def test_require_promotion_refuses_a_model_without_a_promotion_stamp(
    bench: Bench,
) -> None:
    one = bench.register(b"one")
    bench.promote(one)
    strict = ProductionModels(
        bench.store,
        SID,
        bench.signing,
        allow_dev_key=False,
        build=bench.build,
        require_promotion=True,
    )
    with pytest.raises(ManifestRejected, match="never promoted"):
        strict.load_production()
    assert bench.models.load_production().model_hash == one  # without the setting


def test_a_model_that_cannot_be_built_is_refused_not_fatal(bench: Bench) -> None:
    one, two = bench.register(b"one"), bench.register(b"two")
    bench.promote(one)
    reloader, target = bench.reloader()

    def broken(model: VerifiedModel) -> Tagged:
        raise ValueError("the library cannot read this artifact")

    bench.models._build = broken  # type: ignore[assignment]
    bench.promote(two)
    assert reloader.check() is None
    assert _inner(target) == one
    assert "cannot read this artifact" in bench.alerter.alerts[0].message
