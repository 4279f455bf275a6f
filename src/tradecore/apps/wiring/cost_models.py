"""Pick the cost-model version a run pins, and where calibrated versions go.

Why: a replay must be reproducible, so it prices every decision with one named
parameter version: the one asked for (``--cost-model-version HASH``), else the
latest in the cost-model store, else the built-in prior (Almgren et al. 2005
defaults, :class:`CostModelParams`). The pinned version is copied into the run's own
store, so the run's folder alone says what it used.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from tradecore.adapters.sqlstore import open_store
from tradecore.domain.errors import ConfigurationError, NotFound
from tradecore.domain.execution.cost_params import CostModelParams
from tradecore.ports.store import Store
from tradecore.ports.store_records import CostModelVersion

#: The replay's last close per symbol (prices unfilled parts in ``tca OUT``).
MARKS_FILE = "marks.json"

PRIOR_NOTE = "built-in prior"


@attrs.frozen(kw_only=True)
class PinnedCostModel:
    """The parameters a run prices with, and when they were fitted (None: a prior)."""

    params: CostModelParams
    fitted_at: datetime | None
    source: str

    @property
    def version_hash(self) -> str:
        """The pinned version's hash."""
        return self.params.version_hash


def resolve_pinned(store: Store, version: str = "") -> PinnedCostModel:
    """Return ``version`` from ``store``, else its latest, else the prior.

    Raises:
        ConfigurationError: ``version`` is not in the store.
    """
    found: CostModelVersion | None
    with store.unit_of_work() as uow:
        if version:
            try:
                found = uow.cost_models.get(version)
            except NotFound:
                raise ConfigurationError(
                    f"cost-model version {version!r} is not in the cost-model store"
                ) from None
        else:
            found = uow.cost_models.latest()
    if found is None:
        return PinnedCostModel(params=CostModelParams(), fitted_at=None, source="prior")
    params = CostModelParams.from_dict(found.params)
    if params.version_hash != found.version_hash:
        raise ConfigurationError(
            f"cost-model version {found.version_hash!r}: its parameters hash to "
            f"{params.version_hash!r} (tampered or written by another tradecore)"
        )
    fitted = None if not found.fills_used else found.created_at
    return PinnedCostModel(params=params, fitted_at=fitted, source=found.version_hash)


def record_pinned(store: Store, pinned: PinnedCostModel, at: datetime) -> None:
    """Copy the pinned version into ``store`` (a no-op when it is already there)."""
    with store.unit_of_work() as uow:
        uow.cost_models.record(
            CostModelVersion(
                version_hash=pinned.version_hash,
                created_at=pinned.fitted_at or at,
                params=pinned.params.to_dict(),
                note=PRIOR_NOTE if pinned.source == "prior" else "pinned",
                fills_used=pinned.params.fills_used,
            )
        )
        uow.commit()


def open_cost_model_store(url: str) -> Store:
    """Open a separate cost-model store (a database URL), migrating it if needed."""
    return open_store(url, upgrade=True)
