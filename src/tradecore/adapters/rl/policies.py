"""Saving and loading stable-baselines3 policies, the hash checked first.

An SB3 ``.zip`` holds pickled objects (the policy's class, its optimizer state,
schedules): loading an unknown one runs its code. So :func:`load_policy` reads the
file's bytes once, compares their sha256 with the one the signed manifest binds,
and only then hands *those bytes* (not the file again: it could have changed in
between) to ``stable_baselines3``. stable-baselines3 (and torch) are imported only
here and only when a policy is loaded or saved: the ``[rl]`` extra.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from tradecore.domain.errors import ConfigurationError, ManifestMismatch
from tradecore.domain.hashing import sha256_bytes

#: The algorithms ``tradecore-replay rl train`` knows (stable-baselines3 classes).
ALGOS = ("ppo", "sac")
#: The artifact's file name in a policy directory.
POLICY_FILE = "policy.zip"


class LoadedPolicy:
    """A loaded policy: deterministic actions for observations."""

    def __init__(self, model: Any, sha256: str) -> None:
        self._model = model
        #: The sha256 of the bytes it was loaded from.
        self.sha256 = sha256

    def act(self, observation: np.ndarray) -> np.ndarray:
        """The policy's deterministic action for one observation."""
        action, _ = self._model.predict(observation, deterministic=True)
        return np.asarray(action, dtype=np.float64)


def algorithm(name: str) -> Any:
    """The stable-baselines3 class for ``name`` (imports it).

    Raises:
        ConfigurationError: an unknown algorithm, or stable-baselines3 missing.
    """
    if name not in ALGOS:
        raise ConfigurationError(f"--algo {name!r}: expected one of {', '.join(ALGOS)}")
    try:
        import stable_baselines3
    except ImportError:
        raise ConfigurationError(
            "RL training and policies need the rl extra: pip install "
            "'torch==2.13.0' 'tradecore[rl]'"
        ) from None
    return {"ppo": stable_baselines3.PPO, "sac": stable_baselines3.SAC}[name]


def save_policy(model: Any, folder: Path) -> Path:
    """Save a trained SB3 ``model`` as ``folder/policy.zip``; the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / POLICY_FILE
    model.save(path)
    return path


def load_policy(path: Path, sha256: str, algo: str) -> LoadedPolicy:
    """Load the ``algo`` policy at ``path`` if its bytes hash to ``sha256``.

    Raises:
        ManifestMismatch: the bytes are not the ones ``sha256`` names (nothing of
            them was unpickled).
        ConfigurationError: an unknown algorithm, or the rl extra missing.
    """
    data = path.read_bytes()
    actual = sha256_bytes(data)
    if actual != sha256:
        raise ManifestMismatch("model_hash", sha256, actual)
    model = algorithm(algo).load(io.BytesIO(data), device="cpu")
    return LoadedPolicy(model, actual)
