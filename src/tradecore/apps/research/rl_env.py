"""``TradingEnv``: a gymnasium environment over the replay's own engine and venue.

Each episode is a replay (:func:`~tradecore.services.trading.replay.replay_steps`,
the very loop ``tradecore-replay run`` drives) of a span of bars: the simulated
broker with the chosen fill and fee models, the order manager, the trading engine
and a fresh SQLite store. The driver pauses at every timestamp once its bars have
closed; the environment reads the book there, and the action it is given becomes
the strategy's targets when the engine then sees those bars: orders go out at the
bar's close, as any strategy's do, and fill in the next bar.

- observation: every symbol's feature row (the feature set's online computation,
  the one ``ModelStrategy`` and the policy strategy use) plus the portfolio state
  (:mod:`tradecore.apps.research.rl_spaces`);
- action: a target weight per symbol in ``[-1, 1]`` (``[0, 1]`` long-only), turned
  into weights under the constraints (:func:`~.rl_spaces.action_weights`);
- reward: the change of equity from one decision to the next, net of every cost the
  venue charged (fill prices, fees), as ``log(E1 / E0)`` (``reward="log"``, the
  default: it sums to the episode's log return) or ``(E1 - E0) / E0``
  (``"simple"``), minus ``drawdown_penalty`` times the increase of the drawdown from
  the episode's peak equity and ``turnover_penalty`` times the turnover asked for
  (``sum |w_target - w_now|``). Equity is the ledger's cash plus positions marked at
  each symbol's last close.

An episode is ``warmup_bars`` bars (features warm up, no action) then
``episode_bars`` decisions; it starts at a random bar drawn from the environment's
seeded generator (``random_start``) or at the first bar. ``reset(seed=s)`` makes
it deterministic: the same seed and the same actions give the same trajectory (the
venue's own seed is fixed by ``venue_seed``). No threads: the driver is a
generator. The store lives in a temporary folder that :meth:`close` removes.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import weakref
from collections.abc import Generator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from tradecore.adapters.data.lake import LakeSelection
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import Durability, open_store
from tradecore.adapters.sqlstore.write_behind import WriteBehindStore
from tradecore.apps.replay.venue import replay_calendar, venue_config
from tradecore.apps.research.rl_spaces import (
    OBS_LIMIT,
    ActionSpace,
    action_weights,
    book_weights,
    observation,
    observation_size,
    ordered_targets,
)
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.features.feature_set import FeatureSet, OnlineFeatures
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.market.bar_frame import BarFrame, from_ns
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.money import to_price
from tradecore.domain.strategies.api import BarStrategy, Returned
from tradecore.domain.strategies.market_view import MarketView
from tradecore.domain.strategies.protocol import WeightTarget
from tradecore.services.durability.commits import CommitInBatches
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig
from tradecore.services.trading.replay import ReplayRun, ReplayStep, replay_steps

REWARDS = ("log", "simple")


class ActionStrategy(BarStrategy):
    """The environment's strategy: at each timestamp, the targets it was handed.

    Exits and reductions come first, so their proceeds pay for the entries.
    """

    history = 2

    def __init__(self, strategy_id: str = "rl-env") -> None:
        self.strategy_id = strategy_id
        self.pending: list[WeightTarget] = []

    def on_bars(
        self, timestamp_ns: int, bars: Mapping[str, Bar], view: MarketView
    ) -> Returned:
        """Hand the pending targets to the engine (once)."""
        targets, self.pending = self.pending, []
        return targets or None


class TradingEnv(gym.Env[np.ndarray, np.ndarray]):
    """A portfolio environment on the replay engine (module docstring)."""

    metadata = {"render_modes": []}  # noqa: RUF012 (gymnasium declares it so)

    def __init__(
        self,
        frames: Sequence[BarFrame] | LakeSelection,
        feature_set: FeatureSet,
        *,
        space: ActionSpace | None = None,
        episode_bars: int = 64,
        warmup_bars: int = 20,
        random_start: bool = True,
        fill_model: str = "realistic",
        cash: Decimal | int = 100_000,
        venue_seed: int = 7,
        calendar: str | MarketCalendar = "XNYS",
        reward: str = "log",
        drawdown_penalty: float = 0.0,
        turnover_penalty: float = 0.0,
        deadband: float = 0.0,
    ) -> None:
        """An environment over ``frames`` (one per symbol; sorted by symbol), or a
        lake's bars (``tc.open_lake(path).select(symbols, start, end)``).

        Raises:
            ConfigurationError: no bars, too few bars for one episode, an unknown
                reward or fill model, a negative penalty or deadband.
        """
        given = frames.load() if isinstance(frames, LakeSelection) else frames
        self.frames = sorted((f for f in given if len(f)), key=lambda f: f.symbol)
        if not self.frames:
            raise ConfigurationError("the RL environment needs bars: none given")
        if reward not in REWARDS:
            raise ConfigurationError(f"reward {reward!r}: expected log or simple")
        for name, value in (
            ("drawdown_penalty", drawdown_penalty),
            ("turnover_penalty", turnover_penalty),
            ("deadband", deadband),
        ):
            if not (math.isfinite(value) and value >= 0.0):
                raise ConfigurationError(f"{name}={value!r}: expected a number >= 0")
        if episode_bars < 1 or warmup_bars < 0:
            raise ConfigurationError("episode_bars must be >= 1 and warmup_bars >= 0")
        self.symbols = tuple(f.symbol for f in self.frames)
        self.feature_set = feature_set
        self.space = space or ActionSpace()
        self.episode_bars, self.warmup_bars = episode_bars, warmup_bars
        self.random_start = random_start
        self.cash = Decimal(cash)
        self.reward_kind = reward
        self.drawdown_penalty, self.turnover_penalty = (
            drawdown_penalty,
            turnover_penalty,
        )
        self.deadband = deadband
        self.stamps = np.unique(np.concatenate([f.timestamps for f in self.frames]))
        self._span = warmup_bars + episode_bars + 1
        if len(self.stamps) < self._span:
            raise ConfigurationError(
                f"{len(self.stamps)} timestamps of bars; an episode needs "
                f"warmup_bars + episode_bars + 1 = {self._span}"
            )
        self.market = (
            calendar
            if isinstance(calendar, MarketCalendar)
            else replay_calendar(calendar, self.frames)
        )
        self.venue = venue_config(
            fill_model, self.cash, venue_seed, self.frames, self.market
        )
        width = len(feature_set.names)
        n = len(self.symbols)
        self.observation_space = gym.spaces.Box(
            low=np.float32(-OBS_LIMIT),
            high=np.float32(OBS_LIMIT),
            shape=(observation_size(n, width),),
            dtype=np.float32,
        )
        self.action_space = gym.spaces.Box(
            low=np.float32(self.space.low),
            high=np.float32(1.0),
            shape=(n,),
            dtype=np.float32,
        )
        self.config_hash = sha256_hex(
            {
                "symbols": list(self.symbols),
                "features": feature_set.schema_hash(),
                "space": self.space.to_dict(),
                "fill_model": fill_model,
                "cash": str(self.cash),
                "venue_seed": venue_seed,
            }
        )
        self._folder = Path(tempfile.mkdtemp(prefix="tc-rl-env-"))
        # An environment dropped without close() still leaves no folder behind.
        self._cleanup = weakref.finalize(
            self, shutil.rmtree, str(self._folder), ignore_errors=True
        )
        self._template = self._folder / "template.db"
        open_store(f"sqlite:///{self._template}", upgrade=True).close()
        self._store: WriteBehindStore | None = None
        self._steps: Generator[ReplayStep, None, ReplayRun] | None = None
        self._engine: TradingEngine | None = None
        self._strategy = ActionStrategy()
        self._online: OnlineFeatures | None = None
        self._episode: list[BarFrame] = []
        self._rows: dict[str, np.ndarray] = {}
        self._marks: dict[str, float] = {}
        self._equity = float(self.cash)
        self._peak = float(self.cash)
        self._decisions = 0
        self._done = True

    # --- gymnasium API -----------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode (module docstring); the first decision's observation."""
        super().reset(seed=seed)
        last_start = len(self.stamps) - self._span
        first = (
            int(self.np_random.integers(0, last_start + 1)) if self.random_start else 0
        )
        if options and "start" in options:
            first = options["start"]
            if isinstance(first, bool) or not isinstance(first, int):
                raise ConfigurationError(f"start={first!r}: expected an int")
            if not 0 <= first <= last_start:
                raise ConfigurationError(
                    f"start={first}: expected 0..{last_start} (an episode needs "
                    f"{self._span} timestamps)"
                )
        self._begin(first)
        for _ in range(self.warmup_bars + 1):
            self._next_step()
        self._equity = self._peak = self._mark_equity()
        return self._observation(), self._info(0.0)

    def step(
        self, action: np.ndarray
    ) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Act for one bar: targets now, the reward when the next bar has closed."""
        if self._done or self._engine is None:
            raise RuntimeError("step() before reset(), or after the episode ended")
        current = self._weights()
        target = action_weights(action, self.space, current)
        self._strategy.pending = ordered_targets(
            self.symbols,
            target,
            current,
            deadband=self.deadband,
            signal=f"rl@{self._decisions}",
        )
        turnover = float(np.abs(target - current).sum())
        self._decisions += 1
        ended = not self._next_step()
        before, after = self._equity, self._mark_equity()
        drawdown_before = 1.0 - before / self._peak
        self._peak = max(self._peak, after)
        drawdown_after = 1.0 - after / self._peak
        reward = (
            math.log(after / before)
            if self.reward_kind == "log"
            else (after - before) / before
        )
        reward -= self.drawdown_penalty * max(drawdown_after - drawdown_before, 0.0)
        reward -= self.turnover_penalty * turnover
        self._equity = after
        terminated = ended or self._decisions >= self.episode_bars
        self._done = terminated
        return (
            self._observation(),
            float(reward),
            terminated,
            False,
            self._info(turnover),
        )

    def close(self) -> None:
        """Close the store and remove the environment's temporary folder."""
        self._end_episode()
        self._cleanup()

    # --- an episode ----------------------------------------------------------------

    @property
    def folder(self) -> Path:
        """The temporary folder holding the store (gone after :meth:`close`)."""
        return self._folder

    @property
    def engine(self) -> TradingEngine:
        """The current episode's engine (its ledger holds the fills and fees)."""
        if self._engine is None:
            raise RuntimeError("no episode: call reset() first")
        return self._engine

    def _begin(self, first: int) -> None:
        self._end_episode()
        stop = first + self._span
        hi = (
            int(self.stamps[stop])
            if stop < len(self.stamps)
            else int(self.stamps[-1]) + 1
        )
        lo = int(self.stamps[first])
        frames = [f.between(lo, hi) for f in self.frames]
        self._episode = frames
        db = self._folder / "episode.db"
        shutil.copyfile(self._template, db)
        self._store = WriteBehindStore(
            open_store(f"sqlite:///{db}", durability=Durability.NORMAL)
        )
        clock = SimClock(from_ns(lo))
        broker = SimulatedBroker(clock, self.venue)
        commits = CommitInBatches(self._store, every=100_000)
        orders = OrderManager(broker, clock, commits)
        self._strategy = ActionStrategy()
        self._engine = TradingEngine(
            self._strategy,
            orders,
            commits,
            clock,
            EngineConfig(
                opening_cash=self.cash,
                config_hash=self.config_hash,
                calendar=self.market,
            ),
        )
        self._steps = replay_steps(
            frames,
            self._engine,
            broker,
            clock,
            interval=self.venue.bar_interval,
            calendar=self.market,
        )
        self._online = self.feature_set.online(self.market)
        self._rows, self._marks = {}, {}
        self._decisions = 0
        self._done = False

    def _next_step(self) -> bool:
        """Run the driver to its next pause; read the bars there. False at the end."""
        assert self._steps is not None
        assert self._online is not None
        try:
            step = next(self._steps)
        except StopIteration:
            return False
        bars = {}
        for f, r in step.rows:
            frame = self._episode[f]
            close = float(frame.close[r])
            bars[frame.symbol] = (
                float(frame.open[r]),
                float(frame.high[r]),
                float(frame.low[r]),
                close,
                float(frame.volume[r]),
            )
            self._marks[frame.symbol] = close
        self._rows.update(self._online.step(step.timestamp_ns, bars))
        return True

    def _end_episode(self) -> None:
        if self._steps is not None:
            self._steps.close()
            self._steps = None
        if self._store is not None:
            self._store.close()
            self._store = None

    # --- reading the book ----------------------------------------------------------

    def _mark_equity(self) -> float:
        engine = self.engine
        marks = {s: to_price(p) for s, p in self._marks.items()}
        return float(engine.ledger.equity(marks))

    def _weights(self) -> np.ndarray:
        positions = {p.symbol: float(p.qty) for p in self.engine.ledger.positions()}
        return book_weights(self.symbols, positions, self._marks, self._equity)

    def _observation(self) -> np.ndarray:
        cash = float(self.engine.ledger.cash)
        return observation(
            self._rows,
            self.symbols,
            len(self.feature_set.names),
            self._weights(),
            cash / self._equity if self._equity > 0 else 0.0,
        )

    def _info(self, turnover: float) -> dict[str, Any]:
        return {
            "equity": self._equity,
            "turnover": turnover,
            "fees": float(self.engine.ledger.fees),
            "decisions": self._decisions,
        }
