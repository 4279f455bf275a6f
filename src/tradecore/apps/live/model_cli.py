"""``tradecore-live model``: the model registry (register, promote, rollback, list).

``register MODEL_DIR`` verifies a trained model folder (signed manifest, artifact
hash, card), copies it into the registry folder under its model hash (production
never depends on the training folder) and records it in staging for the card's
strategy id. ``promote HASH`` makes it that strategy id's production model (the
previous one is archived) after verifying the registry copy again and refusing a
model whose leakage check failed. ``rollback --strategy-id ID`` restores the
production model before the current one. ``list`` shows every model's stage.

Every stage change is an append-only event with who, when and why, also written to
the audit log; promotions and rollbacks are alerted (``model.promoted``,
``model.rolled_back``) through the configured ``[alerts]`` router. A running
``tradecore-live run`` of that strategy id picks the change up without a restart.
See docs/models-registry.md.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from tradecore.adapters.clock import SystemClock
from tradecore.apps.config.settings import Settings
from tradecore.apps.live.model_dir import (
    PATH_KEY,
    ModelRefused,
    VerifiedModel,
    copy_into,
    leak_refusal,
    registered_folder,
    registry_dir,
    verify_model_dir,
)
from tradecore.apps.wiring.alerting import build_alert_router
from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.context import cli_context, open_configured_store
from tradecore.apps.wiring.errors import cli_errors
from tradecore.domain.errors import ConcurrencyConflict, ManifestMissing
from tradecore.ports.alerts import Alert, AlertCode, Severity
from tradecore.ports.store import Store, UnitOfWork
from tradecore.ports.store_records import ModelRecord, StageChange
from tradecore.services.research import model_registry as reg
from tradecore.services.research.manifests import manifest_record

app = CliTyper(
    help="The model registry: register, promote, roll back and list models.",
    no_args_is_help=True,
)

T = TypeVar("T")
_RETRIES = 3

Actor = Annotated[
    str | None,
    typer.Option("--actor", help="Who makes the change (default: the OS user)."),
]
Why = Annotated[str, typer.Option("--reason", help="Why (kept in the history).")]


def _actor(given: str | None) -> str:
    if given and given.strip():
        return given.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _allow_dev(settings: Settings) -> bool:
    return settings.signing.allow_dev_key


def _in_unit(store: Store, move: Callable[[UnitOfWork], T]) -> T:
    """Run ``move`` in its own unit and commit; retry a lost race on the stages."""
    for attempt in range(_RETRIES):
        try:
            with store.unit_of_work() as uow:
                result = move(uow)
                uow.commit()
            return result
        except ConcurrencyConflict:
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@app.command()
def register(
    ctx: typer.Context,
    model_dir: Annotated[
        Path, typer.Argument(help="A model folder written by tradecore-replay train.")
    ],
    actor: Actor = None,
    reason: Why = "registered",
) -> None:
    """Verify a model folder, copy it into the registry and record it in staging."""
    with cli_errors():
        settings = cli_context(ctx).settings()
        verified = verify_model_dir(
            model_dir, settings.signing, allow_dev_key=_allow_dev(settings)
        )
        folder = copy_into(model_dir, registry_dir(settings), verified.model_hash)
        kept = verify_model_dir(
            folder, settings.signing, allow_dev_key=_allow_dev(settings)
        )
        store = open_configured_store(ctx)
        try:
            event = _in_unit(
                store, lambda uow: record_registration(uow, kept, _actor(actor), reason)
            )
        finally:
            store.close()
    typer.echo(
        f"registered {kept.model_hash[:16]} {kept.name} for strategy id "
        f"{kept.strategy_id}: {event.stage.value} (kept in {folder})"
    )


def record_registration(
    uow: UnitOfWork, model: VerifiedModel, actor: str, reason: str
) -> StageChange:
    """Record a verified registry folder: model, manifest, and stage (staging)."""
    manifest = model.manifest
    uow.models.register(
        ModelRecord(
            model_hash=model.model_hash,
            name=manifest.model_name,
            created_at=manifest.created_at,
            metadata={
                PATH_KEY: str(model.folder),
                "strategy_id": manifest.strategy_id,
                "version": manifest.model_version,
                "model_kind": str(model.card.get("model_kind", "")),
            },
        )
    )
    uow.models.record_manifest(manifest_record(model.signed))
    record = uow.models.get(model.model_hash)
    return reg.register(
        uow, record, strategy_id=model.strategy_id, actor=actor, reason=reason
    )


def _verified_registered(
    uow: UnitOfWork, settings: Settings, model_hash: str
) -> VerifiedModel:
    """Verify a registered model's registry folder again; refuse a leaky model."""
    model = verify_model_dir(
        registered_folder(uow, model_hash),
        settings.signing,
        allow_dev_key=_allow_dev(settings),
    )
    if model.model_hash != model_hash:
        raise ManifestMissing(
            f"registry folder of {model_hash[:16]} holds model {model.model_hash[:16]}"
        )
    refusal = leak_refusal(model)
    if refusal is not None:
        raise ModelRefused(f"refused: {refusal}")
    return model


@app.command()
def promote(
    ctx: typer.Context,
    model_hash: Annotated[
        str, typer.Argument(help="The model hash, or a unique prefix of it.")
    ],
    actor: Actor = None,
    reason: Why = "promoted",
) -> None:
    """Make a registered model its strategy id's production model (archives the last)."""
    with cli_errors():
        settings = cli_context(ctx).settings()
        who = _actor(actor)
        store = open_configured_store(ctx)
        try:
            with store.unit_of_work() as uow:
                found = reg.find_model(uow, model_hash)
                _verified_registered(uow, settings, found.model_hash)
            event = _in_unit(
                store,
                lambda uow: reg.promote(
                    uow,
                    found.model_hash,
                    strategy_id=found.strategy_id,
                    actor=who,
                    reason=reason,
                ),
            )
            _alert(
                settings,
                store,
                AlertCode.MODEL_PROMOTED,
                f"model {event.model_hash[:16]} is the production model of "
                f"{event.strategy_id} (by {who}: {reason})",
                event,
            )
        finally:
            store.close()
    typer.echo(
        f"promoted {event.model_hash[:16]} to production for strategy id "
        f"{event.strategy_id}"
    )


@app.command()
def rollback(
    ctx: typer.Context,
    strategy_id: Annotated[
        str, typer.Option("--strategy-id", help="Whose production model to roll back.")
    ],
    actor: Actor = None,
    reason: Why = "rolled back",
) -> None:
    """Restore the production model before the current one (the current is archived)."""
    with cli_errors():
        settings = cli_context(ctx).settings()
        who = _actor(actor)
        store = open_configured_store(ctx)
        try:
            with store.unit_of_work() as uow:
                target = reg.rollback_target(uow.models.stage_history(strategy_id))
                if target is not None:  # the one restored must still verify
                    _verified_registered(uow, settings, target)
            event, replaced = _in_unit(
                store,
                lambda uow: reg.rollback(uow, strategy_id, actor=who, reason=reason),
            )
            _alert(
                settings,
                store,
                AlertCode.MODEL_ROLLED_BACK,
                f"strategy id {strategy_id} rolled back from {replaced[:16]} to "
                f"{event.model_hash[:16]} (by {who}: {reason})",
                event,
            )
        finally:
            store.close()
    typer.echo(
        f"rolled back {strategy_id}: production is {event.model_hash[:16]} again "
        f"({replaced[:16]} archived)"
    )


@app.command("list")
def list_models(
    ctx: typer.Context,
    strategy_id: Annotated[
        str | None, typer.Option("--strategy-id", help="Only this strategy id.")
    ] = None,
) -> None:
    """Print every registered model's current stage: hash, name, stage, who, when."""
    with cli_errors():
        store = open_configured_store(ctx)
        try:
            with store.unit_of_work() as uow:
                events = uow.models.models(strategy_id)
                names = {
                    e.model_hash: uow.models.get(e.model_hash).name for e in events
                }
        finally:
            store.close()
    if not events:
        typer.echo(
            "no registered models" + (f" for {strategy_id}" if strategy_id else "")
        )
        return
    typer.echo(
        f"{'model':16}  {'name':20}  {'strategy id':20}  {'stage':10}  who, when"
    )
    for e in events:
        typer.echo(
            f"{e.model_hash[:16]}  {names[e.model_hash][:20]:20}  {e.strategy_id[:20]:20}  "
            f"{e.stage.value:10}  {e.actor}, {e.changed_at.isoformat()}"
        )


def _alert(
    settings: Settings, store: Store, code: AlertCode, message: str, event: StageChange
) -> None:
    clock = SystemClock()
    router = build_alert_router(settings.alerts, clock, store=store)
    try:
        router.send(
            Alert(
                severity=Severity.WARNING,
                code=code.value,
                message=message,
                raised_at=clock.now(),
                context={
                    "strategy_id": event.strategy_id,
                    "model_hash": event.model_hash,
                    "actor": event.actor,
                    "seq": event.seq,
                },
            )
        )
    finally:
        router.close()
