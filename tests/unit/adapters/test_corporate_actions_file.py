"""``corporate_actions.csv``: read exactly, refused with file, line and field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tradecore.adapters.data.bar_files import load_bar_files, write_bar_files
from tradecore.adapters.data.corporate_actions_file import read_corporate_actions
from tradecore.domain.errors import BarFileError
from tradecore.domain.market.corporate_actions import ActionKind
from tradecore.domain.market.datagen import generate_bars


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "corporate_actions.csv"
    path.write_text(text)
    return path


def test_every_kind_reads_exactly(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "symbol,kind,ex_date,ratio,cash,new_symbol,payable_date\n"
        "AAPL,forward_split,2026-03-02,4,,,\n"
        "AAPL,cash_dividend,2026-03-10,,0.25,,2026-03-20\n"
        "XYZ,reverse_split,2026-04-01,1/3,,,\n"
        "\n"
        "FB,name_change,2026-05-02,,,META,\n",
    )
    split, dividend, reverse, rename = read_corporate_actions(path)
    assert (split.kind, split.ratio, split.ex_date) == (
        ActionKind.FORWARD_SPLIT,
        Decimal(4),
        date(2026, 3, 2),
    )
    assert (dividend.cash, dividend.payable_date) == (
        Decimal("0.25"),
        date(2026, 3, 20),
    )
    assert reverse.ratio == Decimal(1) / Decimal(3)
    assert (rename.symbol, rename.new_symbol) == ("FB", "META")


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("AAPL,split,2026-03-02,4,,", "kind"),
        ("AAPL,forward_split,2026-13-02,4,,", "ex_date"),
        ("AAPL,forward_split,2026-03-02,four,,", "ratio"),
        ("AAPL,forward_split,2026-03-02,0.5,,", "ratio"),
        ("AAPL,cash_dividend,2026-03-02,,,", "cash"),
        ("AAPL,name_change,2026-03-02,,,", "new_symbol"),
        ("aapl!,forward_split,2026-03-02,4,,", "symbol"),
    ],
)
def test_a_bad_row_names_line_and_field(tmp_path: Path, row: str, field: str) -> None:
    path = write(tmp_path, f"symbol,kind,ex_date,ratio,cash,new_symbol\n{row}\n")
    with pytest.raises(BarFileError) as caught:
        read_corporate_actions(path)
    assert (caught.value.line, caught.value.field) == (2, field)


def test_a_missing_or_unknown_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BarFileError, match="'ex_date': missing column"):
        read_corporate_actions(write(tmp_path, "symbol,kind\n"))
    with pytest.raises(BarFileError, match="'amount': unknown column"):
        read_corporate_actions(write(tmp_path, "symbol,kind,ex_date,amount\n"))


def test_the_bar_loader_skips_the_file(tmp_path: Path) -> None:
    start = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
    write_bar_files(tmp_path, generate_bars(["AAA"], 10, start=start, seed=1))
    write(tmp_path, "symbol,kind,ex_date,ratio,cash,new_symbol\n")
    assert [f.symbol for f in load_bar_files(tmp_path)] == ["AAA"]
