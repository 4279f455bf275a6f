"""``tradecore-replay rl train``: train RL policies per seed, judge them out of sample.

For each of ``--seeds`` seeds (0, 1, ...): a stable-baselines3 agent (``--algo
ppo|sac``) learns for ``--timesteps`` steps in the
:class:`~tradecore.apps.research.rl_env.TradingEnv` over the *train* span's bars;
its policy directory (``OUT/seed-N``: ``policy.zip``, ``features.toml``,
``policy_card.json`` and a signed ``manifest.json`` binding the artifact's sha256,
the feature schema hash and the training data's fingerprint) is written; then the
policy runs as a strategy (``--strategy policy``, loaded and verified like any
run would) through the normal replay on the *test* span, which it never saw.

The seeds' test replays are judged by the promotion gate's multi-seed criteria
(:func:`~tradecore.domain.research.gate.evaluate_gate`: mean and standard
deviation of Sharpe across seeds, worst drawdown, worst net return, turnover, the
deflated Sharpe ratio), thresholds from ``[promotion]`` of ``--config``. The
leakage criterion is not evaluated here (the strategy leakage check replays a
named strategy with parameters, not a trained policy): ``verdict.json`` says so.
``OUT/verdict.json`` holds every criterion with its value, threshold and verdict
and the per-seed figures; a failed gate exits 3.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import attrs
import typer

import tradecore
from tradecore.adapters.rl.policies import ALGOS, algorithm, save_policy
from tradecore.apps.config.settings import Settings, load_settings
from tradecore.apps.replay.data import parse_day
from tradecore.apps.replay.promote import run_metrics
from tradecore.apps.replay.run_manifest import sign_run_manifest, write_run_manifest
from tradecore.apps.replay.runner import replay
from tradecore.apps.replay.train import _frames as read_frames
from tradecore.apps.replay.train import _source as data_source
from tradecore.apps.replay.train import read_features
from tradecore.apps.research.rl_env import REWARDS, TradingEnv
from tradecore.apps.research.rl_policy import (
    CARD_FILE,
    FEATURES_FILE,
    POLICY_STRATEGY,
)
from tradecore.apps.research.rl_spaces import ActionSpace
from tradecore.apps.wiring.calendars import calendars_for_span, frames_span
from tradecore.apps.wiring.choices import Calendar, FillModel, literal_of
from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.errors import DOMAIN, cli_errors
from tradecore.domain.errors import ConfigurationError, InvalidInput
from tradecore.domain.features.declaration import to_toml
from tradecore.domain.features.feature_set import FeatureSet
from tradecore.domain.hashing import sha256_bytes, sha256_hex
from tradecore.domain.market.bar_frame import BarFrame, data_fingerprint, from_ns
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.portfolio.inputs import Constraints
from tradecore.domain.research.gate import (
    GateResult,
    RunMetrics,
    evaluate_gate,
    null_trials_sr_variance,
)
from tradecore.domain.research.manifest import Manifest, SignedManifest
from tradecore.domain.research.statistics import deflated_sharpe_ratio

VERDICT_FILE = "verdict.json"

rl_app = CliTyper(
    help="Reinforcement learning on the simulator: train and judge policies.",
    no_args_is_help=True,
)

if TYPE_CHECKING:
    Algo = str
else:
    #: The RL algorithms: typer offers exactly these values.
    Algo = literal_of(ALGOS)

if TYPE_CHECKING:
    Reward = str
else:
    #: The RL rewards: typer offers exactly these values.
    Reward = literal_of(REWARDS)


def register(app: typer.Typer) -> None:
    """Add the ``rl`` command group to ``app``."""
    app.add_typer(rl_app, name="rl")


@attrs.frozen(kw_only=True)
class RlOptions:
    """How the environment is set up and the agent trained."""

    algo: str = "ppo"
    timesteps: int = 2048
    space: ActionSpace = attrs.field(factory=ActionSpace)
    episode_bars: int = 128
    warmup_bars: int = 20
    cash: Decimal = Decimal(100_000)
    fill_model: str = "realistic"
    venue_seed: int = 7
    reward: str = "log"
    drawdown_penalty: float = 0.0
    turnover_penalty: float = 0.0
    deadband: float = 0.0

    def env(
        self, frames: Sequence[BarFrame], fs: FeatureSet, cal: MarketCalendar
    ) -> TradingEnv:
        """A training environment over ``frames`` (random episode starts)."""
        return TradingEnv(
            frames,
            fs,
            space=self.space,
            episode_bars=self.episode_bars,
            warmup_bars=self.warmup_bars,
            random_start=True,
            fill_model=self.fill_model,
            cash=self.cash,
            venue_seed=self.venue_seed,
            calendar=cal,
            reward=self.reward,
            drawdown_penalty=self.drawdown_penalty,
            turnover_penalty=self.turnover_penalty,
            deadband=self.deadband,
        )

    def card(self) -> dict[str, object]:
        """The settings a policy card records."""
        return {
            "algo": self.algo,
            "timesteps": self.timesteps,
            "space": self.space.to_dict(),
            "episode_bars": self.episode_bars,
            "warmup_bars": self.warmup_bars,
            "cash": str(self.cash),
            "fill_model": self.fill_model,
            "venue_seed": self.venue_seed,
            "reward": self.reward,
            "drawdown_penalty": self.drawdown_penalty,
            "turnover_penalty": self.turnover_penalty,
            "deadband": self.deadband,
        }


@attrs.frozen(kw_only=True)
class RlVerdict:
    """The gate's result over the seeds, and the document ``verdict.json`` holds."""

    gate: GateResult
    document: dict[str, object]


def train_and_judge(
    train: Sequence[BarFrame],
    test: Sequence[BarFrame],
    feature_set: FeatureSet,
    options: RlOptions,
    *,
    seeds: int,
    out: Path,
    settings: Settings,
    calendar: MarketCalendar,
) -> RlVerdict:
    """Train one policy per seed on ``train``, replay each on ``test``, judge them.

    Raises:
        ConfigurationError: bad options, or too few bars for an episode.
        ManifestRejected: a written policy directory does not verify (never
            expected: it is checked by the replay that evaluates it).
    """
    if seeds < 1:
        raise ConfigurationError(f"--seeds {seeds}: expected an integer >= 1")
    if options.timesteps < 1:
        raise ConfigurationError(f"--timesteps {options.timesteps}: expected >= 1")
    agent_class = algorithm(options.algo)
    _quiet_torch()
    rows: list[dict[str, object]] = []
    metrics: list[RunMetrics] = []
    for seed in range(seeds):
        folder = out / f"seed-{seed}"
        env = options.env(train, feature_set, calendar)
        try:
            agent = agent_class(
                "MlpPolicy", env, seed=seed, device="cpu", verbose=0, **_hyper(options)
            )
            agent.learn(total_timesteps=options.timesteps)
            save_policy(agent, folder)
        finally:
            env.close()
        signed = write_policy_dir(
            folder, feature_set, train, options, seed, env.symbols, settings
        )
        result = replay(
            list(test),
            POLICY_STRATEGY,
            {"policy_dir": str(folder)},
            fill_model=options.fill_model,
            cash=options.cash,
            seed=options.venue_seed,
            out=folder / "test-replay",
            replace=True,
            signing=settings.signing,
            calendar=calendar,
        )
        run = run_metrics(seed, result, options.cash)
        metrics.append(run)
        rows.append(
            {
                "seed": seed,
                "policy_dir": str(folder),
                "policy_sha256": signed.manifest.model_hash,
                **attrs.asdict(run),
            }
        )
    criteria = attrs.evolve(settings.promotion.criteria(), require_no_leakage=False)
    dsr = _dsr(metrics)
    gate = evaluate_gate(criteria, metrics, dsr=dsr["dsr"])
    document: dict[str, object] = {
        **gate.to_dict(),
        "algo": options.algo,
        "timesteps": options.timesteps,
        "seeds": rows,
        "dsr": dsr,
        "leakage": "not checked: the strategy leakage check replays named strategies",
        "train": _span_record(train),
        "test": _span_record(test),
        "options": options.card(),
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / VERDICT_FILE).write_text(
        json.dumps(document, indent=2, sort_keys=True) + "\n"
    )
    return RlVerdict(gate=gate, document=document)


def write_policy_dir(
    folder: Path,
    feature_set: FeatureSet,
    frames: Sequence[BarFrame],
    options: RlOptions,
    seed: int,
    symbols: Sequence[str],
    settings: Settings,
) -> SignedManifest:
    """``features.toml``, ``policy_card.json`` and the signed manifest next to the
    saved ``policy.zip`` (its sha256, the schema hash, the data's fingerprint)."""
    sha = sha256_bytes((folder / "policy.zip").read_bytes())
    fingerprint = data_fingerprint(frames)
    schema = feature_set.schema_hash()
    (folder / FEATURES_FILE).write_text(to_toml(feature_set))
    card = {
        **options.card(),
        "seed": seed,
        "symbols": list(symbols),
        "features": list(feature_set.names),
        "artifact_sha256": sha,
        "feature_schema_hash": schema,
        "dataset_fingerprint": fingerprint,
        "libraries": _libraries(),
    }
    (folder / CARD_FILE).write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    span = frames_span(frames)
    assert span is not None  # the environment had bars
    parameters = {k: json.dumps(v, sort_keys=True) for k, v in options.card().items()}
    parameters["seed"] = str(seed)
    manifest = Manifest(
        strategy_id=f"rl-{options.algo}-seed{seed}",
        strategy_version=f"tradecore-{tradecore.__version__}",
        model_name=options.algo,
        model_version=sha[:12],
        model_hash=sha,
        parameters=parameters,
        training_start=span[0],
        training_end=span[1],
        embargo_bars=0,
        data_sources=[data_source(f) for f in sorted(frames, key=lambda f: f.symbol)],
        dataset_fingerprint=fingerprint,
        feature_schema_hash=schema,
        cost_model_version=options.fill_model,
        config_hash=sha256_hex(card),
        created_at=from_ns(max(int(f.timestamps[-1]) for f in frames if len(f))),
        code_version=tradecore.__version__,
    )
    signed = sign_run_manifest(manifest, settings.signing)
    write_run_manifest(folder, signed)
    return signed


def split_frames(frames: Sequence[BarFrame], start: date, end: date) -> list[BarFrame]:
    """The bars of the UTC days ``start`` to ``end`` (inclusive)."""
    lo = datetime.combine(start, time(), tzinfo=UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
    return [f.between(lo, hi) for f in frames if len(f.between(lo, hi))]


@rl_app.command("train")
def train(
    features: Annotated[
        Path, typer.Option("--features", help="Feature declaration (TOML).")
    ],
    train_start: Annotated[
        str, typer.Option("--train-start", help="First training day (UTC, YYYY-MM-DD).")
    ],
    train_end: Annotated[str, typer.Option("--train-end", help="Last training day.")],
    test_start: Annotated[
        str, typer.Option("--test-start", help="First test day (after --train-end).")
    ],
    test_end: Annotated[str, typer.Option("--test-end", help="Last test day.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the policies and verdict.json.")
    ],
    algo: Annotated[
        Algo,
        typer.Option("--algo", help="The RL algorithm."),
    ] = "ppo",
    seeds: Annotated[
        int, typer.Option("--seeds", help="Policies to train (seeds 0..N-1).")
    ] = 5,
    timesteps: Annotated[
        int, typer.Option("--timesteps", help="Environment steps per seed.")
    ] = 20_000,
    data: Annotated[
        Path | None, typer.Option("--data", help="A bar file or folder of them.")
    ] = None,
    lake: Annotated[
        Path | None, typer.Option("--lake", help="Read a market-data lake.")
    ] = None,
    symbols: Annotated[
        str | None, typer.Option("--symbols", help="With --lake: AAPL,MSFT.")
    ] = None,
    timeframe: Annotated[
        str, typer.Option("--timeframe", help="With --lake: the bars' timeframe.")
    ] = "1Min",
    calendar: Annotated[
        Calendar, typer.Option("--calendar", help="Market calendar.")
    ] = "XNYS",
    episode_bars: Annotated[
        int, typer.Option("--episode-bars", help="Decisions per episode.")
    ] = 128,
    warmup_bars: Annotated[
        int, typer.Option("--warmup-bars", help="Bars before the first decision.")
    ] = 20,
    long_only: Annotated[
        bool, typer.Option("--long-only", help="Actions in [0, 1].")
    ] = False,
    gross: Annotated[float, typer.Option("--gross", help="Gross exposure cap.")] = 1.0,
    name_cap: Annotated[
        float | None, typer.Option("--name-cap", help="Per-name |weight| cap.")
    ] = None,
    net_max: Annotated[
        float | None, typer.Option("--net-max", help="Net exposure cap.")
    ] = None,
    net_min: Annotated[
        float | None, typer.Option("--net-min", help="Net exposure floor.")
    ] = None,
    drawdown_penalty: Annotated[float, typer.Option("--drawdown-penalty")] = 0.0,
    turnover_penalty: Annotated[float, typer.Option("--turnover-penalty")] = 0.0,
    reward: Annotated[
        Reward,
        typer.Option("--reward", help="Log or simple returns."),
    ] = "log",
    fill_model: Annotated[
        FillModel,
        typer.Option("--fill-model", help="The venue's fill model."),
    ] = "realistic",
    cash: Annotated[str, typer.Option("--cash", help="Starting cash.")] = "100000",
    config: Annotated[
        Path | None,
        typer.Option("--config", help="TOML config ([signing], [promotion])."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the policies in --out.")
    ] = False,
) -> None:
    """Train RL policies on the train span; judge them on the test span."""
    with cli_errors():
        settings = load_settings(config, os.environ)
        feature_set = read_features(features)
        if (out / VERDICT_FILE).exists() and not force:
            raise ConfigurationError(
                f"--out {out} already holds trained policies (add --force to replace)"
            )
        spans = [
            parse_day(o, t)
            for o, t in (
                ("--train-start", train_start),
                ("--train-end", train_end),
                ("--test-start", test_start),
                ("--test-end", test_end),
            )
        ]
        if not spans[0] <= spans[1] < spans[2] <= spans[3]:
            raise ConfigurationError(
                "need --train-start <= --train-end < --test-start <= --test-end"
            )
        frames = read_frames(
            data, lake, symbols, spans[0].isoformat(), spans[3].isoformat(), timeframe
        )
        train_frames = split_frames(frames, spans[0], spans[1])
        test_frames = split_frames(frames, spans[2], spans[3])
        if not train_frames or not test_frames:
            raise ConfigurationError("no bars in the train or the test span")
        market = _calendar(calendar, frames)
        try:
            options = RlOptions(
                algo=algo,
                timesteps=timesteps,
                space=ActionSpace(
                    constraints=Constraints(
                        gross_target=gross,
                        name_cap=name_cap,
                        net_max=net_max,
                        net_min=net_min,
                    ),
                    long_only=long_only,
                ),
                episode_bars=episode_bars,
                warmup_bars=warmup_bars,
                cash=Decimal(cash),
                fill_model=fill_model,
                reward=reward,
                drawdown_penalty=drawdown_penalty,
                turnover_penalty=turnover_penalty,
            )
        except (InvalidInput, ArithmeticError) as e:
            raise ConfigurationError(f"rl train: {e}") from None
        verdict = train_and_judge(
            train_frames,
            test_frames,
            feature_set,
            options,
            seeds=seeds,
            out=out,
            settings=settings,
            calendar=market,
        )
        for c in verdict.gate.criteria:
            mark = "PASS" if c.passed else "FAIL"
            typer.echo(f"{mark} {c.name}: {c.value} {c.comparison} {c.threshold}")
        state = "passed" if verdict.gate.passed else "failed"
        typer.echo(f"rl gate {state}: {out / VERDICT_FILE}")
    if not verdict.gate.passed:
        raise typer.Exit(DOMAIN)


def _calendar(code: str, frames: Sequence[BarFrame]) -> MarketCalendar:
    span = frames_span(frames)
    if span is None:
        raise ConfigurationError("no bars to train on")
    return calendars_for_span(code, *span).regular


def _hyper(options: RlOptions) -> dict[str, Any]:
    """Small-budget settings: PPO's rollout no longer than the budget."""
    if options.algo == "ppo":
        n_steps = max(16, min(2048, options.timesteps))
        return {"n_steps": n_steps, "batch_size": min(64, n_steps)}
    return {"learning_starts": min(100, options.timesteps // 2), "buffer_size": 100_000}


def _quiet_torch() -> None:
    """One thread: the machines this runs on are shared, and results repeat."""
    import torch

    torch.set_num_threads(1)


def _dsr(runs: Sequence[RunMetrics]) -> dict[str, float]:
    """The deflated Sharpe ratio of the seeds' mean per-period Sharpe (one trial;
    the null variance of :func:`null_trials_sr_variance`), as ``promote`` does."""
    n = len(runs)
    sr = math.fsum(r.sharpe_per_period for r in runs) / n
    n_obs = max(min(r.n_obs for r in runs), 2)
    skew = math.fsum(r.skew for r in runs) / n
    kurt = math.fsum(r.kurtosis for r in runs) / n
    variance = null_trials_sr_variance(n_obs)
    value = deflated_sharpe_ratio(sr, n_obs, skew, kurt, 1, variance)
    return {
        "dsr": value,
        "sharpe_per_period": sr,
        "n_obs": n_obs,
        "skew": skew,
        "kurtosis": kurt,
    }


def _span_record(frames: Sequence[BarFrame]) -> dict[str, object]:
    span = frames_span(frames)
    assert span is not None
    return {
        "start": span[0].isoformat(),
        "end": span[1].isoformat(),
        "symbols": sorted(f.symbol for f in frames),
        "dataset_fingerprint": data_fingerprint(frames),
    }


def _libraries() -> dict[str, str]:
    from importlib import metadata

    found = {}
    for name in ("gymnasium", "stable-baselines3", "torch", "numpy"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found
