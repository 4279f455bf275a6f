"""The divergence report's files: ``divergence.csv`` and ``divergence.md``.

``divergence.csv`` has one row per difference (time, symbol, strategy, kind, live,
replay, cause, pnl_effect); ``divergence.md`` the counts by kind, the total P&L
effect, the biggest differences and what was compared. Both are byte-identical for
the same stores and recording (no run time in them).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from tradecore.domain.research.divergence import Divergence, DivergenceSummary

DIVERGENCE_CSV = "divergence.csv"
DIVERGENCE_MD = "divergence.md"
COLUMNS = (
    "time",
    "symbol",
    "strategy",
    "kind",
    "live",
    "replay",
    "cause",
    "pnl_effect",
)
_CENT = Decimal("0.01")


def money(amount: Decimal) -> str:
    """An amount to the cent, signed."""
    return f"{amount.quantize(_CENT):+f}"


def write_csv(out: Path, found: Sequence[Divergence]) -> Path:
    """Write ``divergence.csv`` (P&L effects exact, not rounded)."""
    path = out / DIVERGENCE_CSV
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for d in found:
            writer.writerow(
                [
                    d.at.isoformat(),
                    d.symbol,
                    d.strategy_id,
                    d.kind.value,
                    d.live,
                    d.replay,
                    d.cause,
                    format(d.pnl_effect.normalize(), "f"),
                ]
            )
    return path


def write_markdown(
    out: Path, summary: DivergenceSummary, inputs: Mapping[str, str]
) -> Path:
    """Write ``divergence.md``: the summary, the biggest differences, the inputs."""
    lines = ["# Live vs replay divergence", ""]
    lines += [f"- {name}: {value}" for name, value in inputs.items()]
    lines += ["", f"Differences: **{summary.count}**; total P&L effect (live − "]
    lines[-1] += (
        f"replay, marked to the session close): **{money(summary.total_pnl_effect)}**"
    )
    if summary.count:
        lines += ["", "| kind | count | P&L effect |", "|---|---:|---:|"]
        lines += [
            f"| {kind} | {n} | {money(summary.pnl_by_kind[kind])} |"
            for kind, n in summary.by_kind.items()
        ]
        lines += [
            "",
            "## Biggest",
            "",
            "| time | symbol | kind | live | replay | cause ",
        ]
        lines[-1] += "| P&L effect |"
        lines.append("|---|---|---|---|---|---|---:|")
        lines += [
            f"| {d.at.isoformat()} | {d.symbol} | {d.kind.value} | {d.live} | "
            f"{d.replay} | {d.cause} | {money(d.pnl_effect)} |"
            for d in summary.biggest
        ]
    path = out / DIVERGENCE_MD
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def one_line(session: str, summary: DivergenceSummary, out: Path) -> str:
    """What stdout says: how many differences, of which kinds, and their P&L."""
    kinds = ", ".join(f"{k} {n}" for k, n in summary.by_kind.items())
    counted = f"{summary.count} differences" + (f" ({kinds})" if kinds else "")
    return (
        f"divergence {session}: {counted}; P&L effect "
        f"{money(summary.total_pnl_effect)}; report {out / DIVERGENCE_MD}"
    )
