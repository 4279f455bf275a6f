"""``[books]`` and ``[risk.pdt]``: read exactly, refused in one line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tradecore.apps.config.settings import load_settings
from tradecore.domain.books.relief import ReliefMethod
from tradecore.domain.errors import ConfigurationError


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "books.toml"
    path.write_text(text)
    return load_settings(path, {}, {})


def test_the_defaults_are_fifo_and_the_finra_numbers(tmp_path: Path) -> None:
    settings = _load(tmp_path, "")
    assert settings.books.lot_relief is ReliefMethod.FIFO
    assert settings.books.identified == {}
    pdt = settings.risk.pdt
    assert (pdt.enabled, pdt.block, pdt.min_equity) == (True, True, Decimal(25_000))
    assert pdt.after_retirement is False


def test_relief_identified_lots_and_pdt_are_read(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        '[books]\nlot_relief = "specific"\n'
        '[books.identified]\nsale-1 = ["lot-3", "lot-1"]\n'
        "[risk.pdt]\nblock = false\nmin_equity = 30000\nafter_retirement = true\n",
    )
    assert settings.books.lot_relief is ReliefMethod.SPECIFIC
    assert settings.books.identified == {"sale-1": ["lot-3", "lot-1"]}
    assert settings.risk.pdt.block is False
    assert settings.risk.pdt.min_equity == Decimal(30_000)
    assert settings.risk.pdt.after_retirement is True


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[books]\nlot_relief = "average"\n', "books.lot_relief = 'average'"),
        ('[risk.pdt]\nblock = "yes"\n', "block"),
        ("[risk.pdt]\nmin_equity = -1\n", "min_equity"),
    ],
)
def test_bad_values_are_refused_naming_the_key(
    tmp_path: Path, text: str, says: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _load(tmp_path, text)
    assert says in str(caught.value)
    assert "\n" not in str(caught.value).strip()
