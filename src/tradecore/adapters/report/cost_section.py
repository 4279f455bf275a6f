"""The report's cost and decision sections: what trading cost, and why each choice.

Why: a net-of-cost replay is only trustworthy if one can see that the cost model's
forecasts track what the fills really cost (the scatter: each order's predicted vs
realized cost, the diagonal is a perfect forecast), what each execution policy cost
(bars split into spread, impact and fees), and why decisions went the way they did
(policy and reasons, Kelly sizing, skips by reason). Inline SVG, no scripts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence

from tradecore.adapters.report.escaping import escape
from tradecore.domain.execution.tca import ExecutionAnalysis
from tradecore.domain.execution.tca_rollup import rollup_executions

Rows = Sequence[Mapping[str, object]]
EXPLAINED_ROWS = 40
_W, _H, _M = 520, 300, 48
_COLORS = {
    "passive_limit": "#15803d",
    "marketable_limit": "#2563eb",
    "twap": "#9333ea",
    "pov": "#ea580c",
    "market": "#6b7785",
}


def cost_sections(
    analyses: Sequence[ExecutionAnalysis], decisions: Rows, outcomes: Rows
) -> str:
    """Return the "Execution costs" and "Decisions explained" sections."""
    charts = ""
    if analyses:
        charts = (
            "<section><h2>Execution costs<small>bps of arrival notional; "
            "diagonal = perfect forecast</small></h2>"
            f'<div class="grid2">{scatter_svg(analyses)}{policy_bars_svg(analyses)}</div>'
            f"{_policy_table(analyses)}</section>"
        )
    return charts + _explained(decisions, outcomes)


def _points(analyses: Sequence[ExecutionAnalysis]) -> list[tuple[float, float, str]]:
    return [
        (a.execution.predicted_cost_bps, a.realized_cost_bps, a.execution.policy)
        for a in analyses
        if a.execution.predicted_cost_bps is not None
        and a.realized_cost_bps is not None
    ]


def scatter_svg(analyses: Sequence[ExecutionAnalysis]) -> str:
    """Predicted (x) vs realized (y) cost per order, one dot per order, by policy."""
    points = _points(analyses)
    if not points:
        return '<p class="empty">No order had a cost forecast.</p>'
    values = [v for p in points for v in p[:2]]
    low, high = min(0.0, *values), max(values)
    span = (high - low) or 1.0

    def sx(v: float) -> float:
        return _M + (v - low) / span * (_W - 2 * _M)

    def sy(v: float) -> float:
        return _H - _M - (v - low) / span * (_H - 2 * _M)

    dots = "".join(
        f'<circle cx="{sx(p):.1f}" cy="{sy(r):.1f}" r="3" fill="{_color(policy)}" '
        f'fill-opacity="0.6"><title>{escape(policy)}: predicted {p:.2f}, realized '
        f"{r:.2f} bps</title></circle>"
        for p, r, policy in points
    )
    diagonal = (
        f'<line x1="{sx(low):.1f}" y1="{sy(low):.1f}" x2="{sx(high):.1f}" '
        f'y2="{sy(high):.1f}" stroke="#9aa5b1" stroke-dasharray="4 3"/>'
    )
    return (
        f'<svg class="chart" id="cost-scatter" viewBox="0 0 {_W} {_H}" role="img" '
        'aria-label="Realized vs predicted cost">'
        f'<rect class="chart-frame" x="{_M}" y="{_M}" width="{_W - 2 * _M}" '
        f'height="{_H - 2 * _M}"/>{diagonal}{dots}'
        f"{_label(_W / 2, _H - 12, 'predicted cost (bps)')}"
        f"{_label(14, _H / 2, 'realized (bps)', vertical=True)}"
        f"{_label(_M, _H - _M + 16, f'{low:.1f}')}{_label(_W - _M, _H - _M + 16, f'{high:.1f}')}"
        f"{_label(_M - 16, _H - _M, f'{low:.1f}')}{_label(_M - 16, _M + 4, f'{high:.1f}')}"
        f"{_legend(sorted({p for _, _, p in points}))}</svg>"
    )


def policy_bars_svg(analyses: Sequence[ExecutionAnalysis]) -> str:
    """Average cost by policy (bps of decision notional): spread, impact, fees."""
    rollups = rollup_executions(analyses, "policy")
    parts = [(r.key, max(r.spread_bps, 0.0), r.impact_bps, r.fees_bps) for r in rollups]
    top = max((s + max(i, 0.0) + f for _, s, i, f in parts), default=1.0) or 1.0
    band = (_W - 2 * _M) / max(len(parts), 1)
    bars = []
    for n, (policy, spread, impact, fees) in enumerate(parts):
        x, base = _M + n * band + band * 0.2, float(_H - _M)
        for value, color, name in (
            (spread, "#93c5fd", "spread"),
            (max(impact, 0.0), "#2563eb", "impact"),
            (fees, "#f59e0b", "fees"),
        ):
            h = value / top * (_H - 2 * _M)
            base -= h
            bars.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{band * 0.6:.1f}" '
                f'height="{h:.1f}" fill="{color}"><title>{escape(policy)} {name}: '
                f"{value:.2f} bps</title></rect>"
            )
        bars.append(_label(x + band * 0.3, _H - _M + 16, policy))
        total = spread + impact + fees
        bars.append(_label(x + band * 0.3, base - 6, f"{total:.2f}"))
    return (
        f'<svg class="chart" id="cost-by-policy" viewBox="0 0 {_W} {_H}" role="img" '
        f'aria-label="Cost by policy">{"".join(bars)}'
        f"{_label(_W / 2, 16, 'cost by policy (bps): spread, impact > 0, fees; label: net total')}"
        "</svg>"
    )


def _policy_table(analyses: Sequence[ExecutionAnalysis]) -> str:
    head = (
        "<tr><th>policy</th><th>orders</th><th>fill ratio</th><th>IS bps</th>"
        "<th>predicted</th><th>realized</th><th>mean error</th></tr>"
    )
    rows = "".join(
        f"<tr><td>{escape(r.key)}</td><td class='num'>{r.orders}</td>"
        f"<td class='num'>{r.fill_ratio:.1%}</td><td class='num'>{r.shortfall_bps:.2f}</td>"
        f"<td class='num'>{_opt(r.predicted_cost_bps)}</td>"
        f"<td class='num'>{_opt(r.realized_cost_bps)}</td>"
        f"<td class='num'>{_opt(r.mean_error_bps)}</td></tr>"
        for r in rollup_executions(analyses, "policy")
    )
    return f"<table>{head}{rows}</table>"


def _explained(decisions: Rows, outcomes: Rows) -> str:
    # A run's decisions and outcomes are streamed (a store file's rows): the first
    # EXPLAINED_ROWS rows, the count and the skips are kept, not every row.
    explained = _explained_in_order(decisions, outcomes)
    if explained is None:
        explained = _explained_by_id(decisions, outcomes)
    shown, count, skips = explained
    skip_rows = (
        "".join(
            f"<tr><td>{escape(reason)}</td><td class='num'>{n:,}</td></tr>"
            for reason, n in sorted(skips.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        or "<tr><td colspan='2'>none</td></tr>"
    )
    if not count:
        return f"<section><h2>Skips by reason</h2><table>{skip_rows}</table></section>"
    return (
        "<section><h2>Decisions explained"
        f"<small>first {min(count, EXPLAINED_ROWS)} of {count:,} "
        "net-of-cost decisions</small></h2>"
        f"<h3>Skips by reason</h3><table>{skip_rows}</table>"
        "<table><tr><th>decided</th><th>symbol</th><th>outcome</th><th>policy</th>"
        "<th>cost / edge bps</th><th>Kelly</th><th>why</th></tr>"
        f"{''.join(shown)}</table></section>"
    )


#: The first explained rows, how many decisions were explained, skips by reason.
_Explained = tuple[list[str], int, Counter[str]]


def _explained_in_order(decisions: Rows, outcomes: Rows) -> _Explained | None:
    """One pass over both, each decision's outcome next in line (the store gives
    outcomes in their decisions' order, decision ids unique); ``None`` if an outcome
    was left over, i.e. they came in another order."""
    shown: list[str] = []
    count = 0
    skips: Counter[str] = Counter()
    pending = iter(outcomes)
    head = next(pending, None)
    for decision in decisions:
        key = str(decision.get("decision_id"))
        mine: dict[str, Mapping[str, object]] = {}
        if head is not None and str(head.get("decision_id")) == key:
            mine[key] = head
            _count_skip(skips, head)
            head = next(pending, None)
        row = _explain(decision, mine)
        if row:
            count += 1
            if len(shown) < EXPLAINED_ROWS:
                shown.append(row)
    return None if head is not None else (shown, count, skips)


def _explained_by_id(decisions: Rows, outcomes: Rows) -> _Explained:
    """:func:`_explained_in_order` for outcomes in any order (held by id)."""
    by_id = {str(o.get("decision_id")): o for o in outcomes}
    skips: Counter[str] = Counter()
    for outcome in outcomes:
        _count_skip(skips, outcome)
    explained = [row for row in (_explain(d, by_id) for d in decisions) if row]
    return explained[:EXPLAINED_ROWS], len(explained), skips


def _count_skip(skips: Counter[str], outcome: Mapping[str, object]) -> None:
    if outcome.get("kind") == "skipped":
        skips[str(outcome.get("reason"))] += 1


def _explain(
    decision: Mapping[str, object], outcomes: Mapping[str, Mapping[str, object]]
) -> str:
    raw = decision.get("details")
    details = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(details, Mapping):
        return ""
    policy, sizing = details.get("policy"), details.get("sizing")
    if not isinstance(policy, Mapping) and not isinstance(sizing, Mapping):
        return ""
    outcome = outcomes.get(str(decision.get("decision_id")), {})
    verdict = str(outcome.get("kind", "")) + (
        f" ({outcome['reason']})" if outcome.get("reason") else ""
    )
    name, cost, reasons = (
        "\u2014",
        "\u2014",
        list(details.get("cost_model_stale") or []),
    )
    if isinstance(policy, Mapping):
        name = str(policy.get("policy"))
        total = policy.get("cost", {}).get("total_bps")
        edge = policy.get("expected_edge_bps")
        cost = f"{_opt(total)} / {_opt(edge)}"
        reasons += list(policy.get("reasons") or [])
    kelly = "\u2014"
    if isinstance(sizing, Mapping):
        kelly = (
            f"p={_opt(sizing.get('conservative_probability'))} "
            f"f={_opt(sizing.get('final_fraction'))} "
            f"{sizing.get('shares')} sh {sizing.get('reason') or ''}"
        )
    return (
        f"<tr><td>{escape(str(decision.get('decided_at', '')))}</td>"
        f"<td>{escape(str(decision.get('symbol', '')))}</td><td>{escape(verdict)}</td>"
        f"<td>{escape(name)}</td><td class='num'>{escape(cost)}</td>"
        f"<td>{escape(kelly)}</td><td>{escape('; '.join(map(str, reasons)))}</td></tr>"
    )


def _opt(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else "\u2014"


def _color(policy: str) -> str:
    return _COLORS.get(policy, "#6b7785")


def _label(x: float, y: float, text: str, *, vertical: bool = False) -> str:
    turn = f' transform="rotate(-90 {x:.0f} {y:.0f})"' if vertical else ""
    return (
        f'<text class="chart-xlabel" text-anchor="middle" x="{x:.0f}" y="{y:.0f}"{turn}>'
        f"{escape(text)}</text>"
    )


def _legend(policies: Sequence[str]) -> str:
    return "".join(
        f'<circle cx="{_M + 10}" cy="{_M + 12 + 16 * n}" r="4" fill="{_color(p)}"/>'
        f'<text x="{_M + 20}" y="{_M + 16 + 16 * n}">{escape(p)}</text>'
        for n, p in enumerate(policies)
    )
