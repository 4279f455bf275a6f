"""Is a replay's data a lake's selection? Asked without importing the lake.

A replay of bar files never touches the lake, whose modules (manifest, universe,
recorder, verification) a ``tradecore-replay run --data`` would otherwise import
only to answer ``isinstance(data, LakeSelection)`` with "no" (issue 18: start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard

from tradecore.domain.lazy import is_loaded_instance

if TYPE_CHECKING:
    from tradecore.adapters.data.lake import LakeSelection

LAKE_MODULE = "tradecore.adapters.data.lake"


def is_lake_selection(data: object) -> TypeGuard[LakeSelection]:
    """Whether ``data`` is a :class:`~tradecore.adapters.data.lake.LakeSelection`."""
    return is_loaded_instance(data, LAKE_MODULE, "LakeSelection")
