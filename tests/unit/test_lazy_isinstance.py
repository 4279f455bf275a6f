"""is_loaded_instance answers isinstance without importing the class's module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tradecore.adapters.data.lake_check import LAKE_MODULE, is_lake_selection
from tradecore.domain.lazy import is_loaded_instance


def test_an_instance_of_a_loaded_class_is_one(tmp_path: Path) -> None:
    from tradecore.adapters.data.lake import LakeSelection, ParquetLake

    assert is_loaded_instance(Path("x"), "pathlib", "Path")
    assert not is_loaded_instance("x", "pathlib", "Path")
    assert LakeSelection.__module__ == LAKE_MODULE
    selection = LakeSelection(lake=ParquetLake(tmp_path), keys=(), span=None)
    assert is_lake_selection(selection)
    assert not is_lake_selection(Path("x"))
    assert not is_lake_selection(ParquetLake)


def test_a_module_not_loaded_answers_no_and_stays_unloaded() -> None:
    code = (
        "import sys\n"
        "from tradecore.adapters.data.lake_check import LAKE_MODULE, is_lake_selection\n"
        "assert not is_lake_selection(object())\n"
        "assert LAKE_MODULE not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
