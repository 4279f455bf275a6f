"""The model registry's moves: register, promote, roll back, find by hash prefix.

Each move runs in the caller's unit of work on the :class:`ModelRegistry` port, which
appends the stage event, keeps one production model per strategy id and writes the
audit row; the caller commits.

Rollback undoes promotions like a stack: each promotion pushes its model, each
rollback pops the current one, so A → B → C, rollback, rollback gives B then A.
The two kinds are told apart by the reason this module writes
(``promote: ...`` / ``rollback: ...``). When the production model was changed
outside these moves (e.g. archived with no successor), rollback refuses rather than
guess.
"""

from __future__ import annotations

from collections.abc import Sequence

from tradecore.domain.errors import ConfigurationError, NotFound
from tradecore.ports.store import UnitOfWork
from tradecore.ports.store_records import ModelRecord, ModelStage, StageChange

PROMOTE = "promote"
ROLLBACK = "rollback"
REGISTER = "register"


def register(
    uow: UnitOfWork, model: ModelRecord, *, strategy_id: str, actor: str, reason: str
) -> StageChange:
    """Register ``model`` for ``strategy_id`` in staging; return its stage event.

    Registering again changes nothing and returns the model's current stage (a
    production model stays production).
    """
    uow.models.register(model)
    for event in uow.models.models(strategy_id):
        if event.model_hash == model.model_hash:
            return event
    return uow.models.set_stage(
        model.model_hash,
        strategy_id=strategy_id,
        stage=ModelStage.STAGING,
        actor=actor,
        reason=f"{REGISTER}: {reason}",
    )


def find_model(uow: UnitOfWork, prefix: str) -> StageChange:
    """Return the latest stage event of the one registered model ``prefix`` names.

    Raises:
        NotFound: no model hash starts with ``prefix``.
        ConfigurationError: several do (the message lists them), or a blank prefix.
    """
    prefix = prefix.strip().lower()
    if not prefix:
        raise ConfigurationError("a model hash (or a unique prefix of one) is needed")
    found = [e for e in uow.models.models() if e.model_hash.startswith(prefix)]
    hashes = sorted({e.model_hash for e in found})
    if not hashes:
        raise NotFound(f"no registered model hash starts with {prefix!r}")
    if len(hashes) > 1:
        shown = ", ".join(h[:16] for h in hashes)
        raise ConfigurationError(
            f"model prefix {prefix!r} is ambiguous ({shown}): give more characters"
        )
    strategies = {e.strategy_id for e in found}
    if len(strategies) > 1:
        raise ConfigurationError(
            f"model {hashes[0][:16]} is registered for several strategy ids "
            f"({', '.join(sorted(strategies))})"
        )
    return found[-1]


def promote(
    uow: UnitOfWork, model_hash: str, *, strategy_id: str, actor: str, reason: str
) -> StageChange:
    """Make ``model_hash`` the production model of ``strategy_id`` (archiving the last).

    Promoting the production model again changes nothing and returns its event.
    """
    current = uow.models.production(strategy_id)
    if current is not None and current.model_hash == model_hash:
        return current
    return uow.models.set_stage(
        model_hash,
        strategy_id=strategy_id,
        stage=ModelStage.PRODUCTION,
        actor=actor,
        reason=f"{PROMOTE}: {reason}",
    )


def rollback_target(history: Sequence[StageChange]) -> str | None:
    """Return the model a rollback restores, from the strategy id's history.

    ``None`` when there is nothing to restore: fewer than two promotions on the
    stack, or the production model is not the stack's top (changed by other means).
    """
    stack: list[str] = []
    current: str | None = None
    for event in history:
        if event.stage is ModelStage.PRODUCTION:
            if event.reason.startswith(f"{ROLLBACK}:") and stack:
                stack.pop()
            else:
                stack.append(event.model_hash)
            current = event.model_hash
        elif event.model_hash == current and not event.reason.startswith("replaced by"):
            current = None
    if current is None or len(stack) < 2 or stack[-1] != current:
        return None
    return stack[-2]


def rollback(
    uow: UnitOfWork, strategy_id: str, *, actor: str, reason: str
) -> tuple[StageChange, str]:
    """Restore the previous production model; return its event and the model it replaced.

    Raises:
        NotFound: ``strategy_id`` has no production model, or none to restore.
    """
    current = uow.models.production(strategy_id)
    if current is None:
        raise NotFound(f"strategy id {strategy_id!r} has no production model")
    target = rollback_target(uow.models.stage_history(strategy_id))
    if target is None:
        raise NotFound(
            f"strategy id {strategy_id!r}: no previous production model to roll back "
            f"to (production is {current.model_hash[:16]})"
        )
    event = uow.models.set_stage(
        target,
        strategy_id=strategy_id,
        stage=ModelStage.PRODUCTION,
        actor=actor,
        reason=f"{ROLLBACK}: from {current.model_hash}: {reason}",
    )
    return event, current.model_hash
