"""Trained RL policies on disk: stable-baselines3 zips, hash-checked before loading."""

from tradecore.adapters.rl.policies import (
    ALGOS,
    POLICY_FILE,
    LoadedPolicy,
    load_policy,
    save_policy,
)

__all__ = ["ALGOS", "POLICY_FILE", "LoadedPolicy", "load_policy", "save_policy"]
