"""A trained RL policy as a strategy: its directory, verified, then loaded.

A policy directory (``tradecore-replay rl train``'s ``OUT/seed-N``) holds
``policy.zip`` (the stable-baselines3 artifact), ``features.toml``,
``policy_card.json`` (algorithm, symbols, action space, episode settings) and a
signed ``manifest.json`` binding the artifact's sha256 (``model_hash``), the feature
schema hash and the training data's fingerprint.

Loading (``--strategy policy --param policy_dir=DIR``), in order, any failure a
:class:`~tradecore.domain.errors.ManifestRejected` (exit 7), and nothing unpickled
before the last step:

1. the signed manifest verifies under a trusted key (the replay's trust rules, as
   for ``--strategy model``);
2. the artifact's sha256 equals the manifest's ``model_hash``;
3. ``features.toml``'s schema hash equals the manifest's ``feature_schema_hash``;
4. the card's artifact hash, schema hash and dataset fingerprint equal the
   manifest's (a card edited after signing is refused);
5. the artifact's bytes are read once, hashed again, and only those bytes are
   loaded (:func:`tradecore.adapters.rl.load_policy`).

The strategy (:class:`PolicyStrategy`) builds the observation the environment
built in training (:mod:`tradecore.apps.research.rl_spaces`) from its own online
features and the market view's book, asks the policy, and turns the action into
weight targets under the card's constraints, exactly as the environment did.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from tradecore.adapters.rl import POLICY_FILE, load_policy
from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.config.settings import load_settings
from tradecore.apps.research.rl_spaces import (
    ActionSpace,
    action_weights,
    book_weights,
    observation,
    ordered_targets,
)
from tradecore.apps.wiring.manifest_trust import verify_manifest_file
from tradecore.domain.errors import (
    ConfigurationError,
    InvalidInput,
    ManifestMalformed,
    ManifestMismatch,
)
from tradecore.domain.features.declaration import parse_features
from tradecore.domain.features.feature_set import FeatureSet, OnlineFeatures
from tradecore.domain.hashing import sha256_bytes
from tradecore.domain.market.bars import Bar
from tradecore.domain.research.manifest import Manifest
from tradecore.domain.strategies.api import BarStrategy, Returned
from tradecore.domain.strategies.market_view import MarketView

#: The strategy name that loads a policy directory.
POLICY_STRATEGY = "policy"
FEATURES_FILE = "features.toml"
CARD_FILE = "policy_card.json"
MANIFEST_FILE = "manifest.json"
_TUNABLE = ("deadband",)


class Policy(Protocol):
    """What the strategy needs of a trained policy."""

    def act(self, observation: np.ndarray) -> np.ndarray:
        """The action for one observation."""
        ...


class PolicyStrategy(BarStrategy):
    """Trade a policy's target weights (module docstring)."""

    history = 2

    def __init__(
        self,
        policy: Policy,
        feature_set: FeatureSet,
        symbols: Sequence[str],
        space: ActionSpace,
        *,
        model_hash: str,
        strategy_id: str = "policy",
        warmup_bars: int = 0,
        deadband: float = 0.0,
    ) -> None:
        if not symbols:
            raise InvalidInput("symbols", symbols, "a policy trades at least one")
        self.strategy_id = strategy_id
        self.policy, self.feature_set = policy, feature_set
        self.symbols = tuple(symbols)
        self.space = space
        self.feature_schema_hash = feature_set.schema_hash()
        self.model_hash = model_hash
        self.warmup_bars, self.deadband = warmup_bars, deadband
        self._online: OnlineFeatures | None = None
        self._rows: dict[str, np.ndarray] = {}
        self._seen = 0

    def on_bars(
        self, timestamp_ns: int, bars: Mapping[str, Bar], view: MarketView
    ) -> Returned:
        """Fold in the bars; past the warm-up, the policy's targets."""
        if self._online is None:
            self._online = self.feature_set.online(view.calendar)
        self._rows.update(
            self._online.step(
                timestamp_ns,
                {
                    s: (b.open, b.high, b.low, b.close, b.volume)
                    for s, b in bars.items()
                },
            )
        )
        self._seen += 1
        if self._seen <= self.warmup_bars:
            return None
        equity = view.equity()
        prices = {}
        for symbol in self.symbols:
            latest = view.latest(symbol)
            if latest is not None:
                prices[symbol] = latest.close
        positions = {s: float(view.position(s)) for s in self.symbols}
        current = book_weights(self.symbols, positions, prices, equity)
        obs = observation(
            self._rows,
            self.symbols,
            len(self.feature_set.names),
            current,
            view.cash() / equity if equity > 0 else 0.0,
        )
        target = action_weights(self.policy.act(obs), self.space, current)
        priced = np.array([s in prices for s in self.symbols])
        target = np.where(priced, target, current)  # no bar yet: leave it be
        return ordered_targets(
            self.symbols,
            target,
            current,
            deadband=self.deadband,
            signal=f"policy@{timestamp_ns}",
        )


def load_policy_strategy(
    params: Mapping[str, object],
    signing: SigningSettings | None = None,
    *,
    trust_local_dev_key: bool = True,
    allow_dev_key: bool | None = True,
) -> PolicyStrategy:
    """The verified policy strategy of ``params["policy_dir"]`` (module docstring).

    The trust defaults are the replay's (this machine's development key is
    trusted); ``tradecore-live run`` passes its own (a development key only with
    ``[signing] allow_dev_key``, never with ``--live``).

    Raises:
        ConfigurationError: no ``policy_dir``, an unknown parameter or bad value.
        ManifestRejected: a check of the module docstring failed (exit 7).
    """
    given = dict(params)
    folder = given.pop("policy_dir", None)
    if folder is None or not str(folder):
        raise ConfigurationError("--strategy policy needs --param policy_dir=DIR")
    unknown = sorted(set(given) - set(_TUNABLE))
    if unknown:
        raise ConfigurationError(
            f"strategy 'policy' has no parameter {', '.join(unknown)}; known: "
            f"policy_dir, {', '.join(_TUNABLE)}"
        )
    deadband = _deadband(given.get("deadband"))
    settings = signing or load_settings(None, os.environ).signing
    policy_dir = Path(str(folder))
    manifest, card, feature_set = verify_policy_dir(
        policy_dir,
        settings,
        trust_local_dev_key=trust_local_dev_key,
        allow_dev_key=allow_dev_key,
    )
    try:
        if deadband is None:
            deadband = float(str(card.get("deadband", 0.0)))
        space = ActionSpace.from_dict(_mapping(card, "space"))
        symbols = [str(s) for s in _list(card, "symbols")]
        warmup = int(str(card.get("warmup_bars", 0)))
    except (ValueError, InvalidInput) as e:
        raise ManifestMalformed(f"{policy_dir / CARD_FILE}: {e}") from None
    policy = load_policy(
        policy_dir / POLICY_FILE, manifest.model_hash, str(card.get("algo"))
    )
    return PolicyStrategy(
        policy,
        feature_set,
        symbols,
        space,
        model_hash=manifest.model_hash,
        strategy_id=manifest.strategy_id,
        warmup_bars=warmup,
        deadband=deadband,
    )


def verify_policy_dir(
    policy_dir: Path,
    signing: SigningSettings,
    *,
    trust_local_dev_key: bool = True,
    allow_dev_key: bool | None = True,
) -> tuple[Manifest, dict[str, object], FeatureSet]:
    """Checks 1-4 of the module docstring: the manifest, the card, the features.

    Raises:
        ConfigurationError: ``policy_dir`` is not a folder.
        ManifestRejected: anything does not verify.
    """
    if not policy_dir.is_dir():
        raise ConfigurationError(f"policy_dir {policy_dir} is not a folder")
    manifest = verify_manifest_file(
        policy_dir / MANIFEST_FILE,
        signing,
        trust_local_dev_key=trust_local_dev_key,
        allow_dev_key=allow_dev_key,
    )
    artifact = policy_dir / POLICY_FILE
    if not artifact.is_file():
        raise ManifestMalformed(f"{policy_dir}: the artifact {POLICY_FILE} is missing")
    actual = sha256_bytes(artifact.read_bytes())
    if actual != manifest.model_hash:
        raise ManifestMismatch("model_hash", manifest.model_hash, actual)
    feature_set = _feature_set(policy_dir)
    if feature_set.schema_hash() != manifest.feature_schema_hash:
        raise ManifestMismatch(
            "feature_schema_hash",
            manifest.feature_schema_hash,
            feature_set.schema_hash(),
        )
    card = read_card(policy_dir)
    for key, bound in (
        ("artifact_sha256", manifest.model_hash),
        ("feature_schema_hash", manifest.feature_schema_hash),
        ("dataset_fingerprint", manifest.dataset_fingerprint),
    ):
        if str(card.get(key)) != bound:
            raise ManifestMismatch(f"{CARD_FILE} {key}", bound, str(card.get(key)))
    return manifest, card, feature_set


def read_card(policy_dir: Path) -> dict[str, object]:
    """``policy_card.json`` as a dict.

    Raises:
        ManifestMalformed: missing or not a JSON object.
    """
    path = policy_dir / CARD_FILE
    try:
        card = json.loads(path.read_text())
    except FileNotFoundError:
        raise ManifestMalformed(f"{policy_dir}: {CARD_FILE} is missing") from None
    except json.JSONDecodeError as e:
        raise ManifestMalformed(f"{path}: not JSON ({e.msg})") from None
    if not isinstance(card, dict):
        raise ManifestMalformed(f"{path}: expected a JSON object")
    return card


def _feature_set(policy_dir: Path) -> FeatureSet:
    path = policy_dir / FEATURES_FILE
    try:
        return parse_features(path.read_text(), str(path))
    except FileNotFoundError:
        raise ManifestMalformed(f"{policy_dir}: {FEATURES_FILE} is missing") from None
    except InvalidInput as e:
        raise ManifestMalformed(f"{path}: {e}") from None


def _deadband(given: object) -> float | None:
    """``--param deadband=X`` as a number >= 0 (``None`` when not given)."""
    if given is None:
        return None
    try:
        value = float(str(given))
    except ValueError:
        value = -1.0
    if not (value >= 0.0 and value != float("inf")):
        raise ConfigurationError(
            f"strategy 'policy' parameter deadband={given!r}: expected a number >= 0"
        )
    return value


def _mapping(card: Mapping[str, object], key: str) -> dict[str, object]:
    value = card.get(key)
    if not isinstance(value, dict):
        raise ValueError(f"{key} must be an object")
    return value


def _list(card: Mapping[str, object], key: str) -> list[object]:
    value = card.get(key)
    if not isinstance(value, list) or not value:
        raise ValueError(f"{key} must be a non-empty list")
    return value
