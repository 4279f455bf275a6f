"""The report's opening paragraphs: what ran, what it made, why, and what the
validation says about it, in words a newcomer reads before any chart.

Every sentence is derived from the run's own figures by fixed rules (below), so the
text is as deterministic as the numbers and never claims more than they show:

* **why**: against buy-and-hold of the same symbols (did timing add anything?),
  against costs (did fees eat the gross P&L?), and against luck (the PSR);
* **validation**: the probabilistic Sharpe ratio (Bailey & López de Prado 2012) is
  the probability that the true Sharpe ratio is above zero given the daily returns'
  length, skew and kurtosis. At 0.95 or more the result is called unlikely to be
  luck; below, indistinguishable from it. One configuration was run, so the
  deflated Sharpe ratio equals the PSR; a sweep deflates it for its trials.
* **generated data** (the demo, the generator): no strategy has an edge on a random
  walk, so the text says that any profit is luck, whatever the figures show.
"""

from __future__ import annotations

from collections.abc import Mapping

from tradecore.adapters.report import formatting as fmt
from tradecore.adapters.report.escaping import escape

#: PSR at or above which a Sharpe ratio is called unlikely to be luck.
SIGNIFICANT = 0.95
#: ``about["data_kind"]`` of bars that came from the generator.
GENERATED = "generated"


def story_html(stats: Mapping[str, object], about: Mapping[str, str]) -> str:
    """The "What this run says" section (empty without ``about``)."""
    if not about:
        return ""
    paragraphs = [
        _what_ran(stats, about),
        _what_it_made(stats),
        _why(stats, about),
        _validation(stats),
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs if p)
    return f'<section id="story"><h2>What this run says</h2>{body}</section>'


def _what_ran(stats: Mapping[str, object], about: Mapping[str, str]) -> str:
    strategy = escape(about.get("strategy", "the strategy"))
    doc = about.get("strategy_doc", "")
    symbols = fmt.count(stats.get("symbols"))
    bars = fmt.count(stats.get("bars"))
    data = escape(about.get("data", "the bars given"))
    text = f"<b>What ran.</b> {strategy}"
    if doc:
        text += f": {escape(doc.rstrip('.'))}."
    else:
        text += "."
    return f"{text} It traded {symbols} symbols over {bars} bars ({data})."


def _what_it_made(stats: Mapping[str, object]) -> str:
    total = fmt.as_number(stats.get("total_return"))
    if total is None:
        return ""
    text = f"<b>What it made.</b> A net return of {fmt.percent(total, signed=True)}"
    bench = fmt.as_number(stats.get("benchmark_return"))
    if bench is not None:
        text += (
            f", against {fmt.percent(bench, signed=True)} for holding the same "
            "symbols in equal weights"
        )
    fills, fees = stats.get("fills"), fmt.as_number(stats.get("fees"))
    text += f"; {fmt.count(fills)} fills"
    if fees is not None:
        text += f" paid ${fmt.money(fees)} in fees"
    drawdown = fmt.as_number(stats.get("max_drawdown"))
    if drawdown is not None:
        text += f"; the deepest drawdown was {fmt.percent(-abs(drawdown))}"
    return text + "."


def _why(stats: Mapping[str, object], about: Mapping[str, str]) -> str:
    reasons = []
    total = fmt.as_number(stats.get("total_return"))
    bench = fmt.as_number(stats.get("benchmark_return"))
    if total is not None and bench is not None:
        if total >= bench:
            reasons.append("it did better than simply holding the same symbols")
        else:
            reasons.append(
                "it did worse than simply holding the same symbols: its entries and "
                "exits cost more than they caught"
            )
    gross, fees = _gross_pnl(stats), fmt.as_number(stats.get("fees"))
    if gross is not None and fees is not None and fees > 0:
        if gross <= 0:
            reasons.append("its trades lost money before any fee")
        elif fees >= gross:
            reasons.append(
                f"fees of ${fmt.money(fees)} took all of the ${fmt.money(gross)} "
                "its trades made before costs"
            )
        else:
            reasons.append(
                f"fees took {fmt.percent(fees / gross)} of what its trades made "
                "before costs"
            )
    text = "; ".join(reasons)
    if about.get("data_kind") == GENERATED:
        text += (
            ". These bars are generated (a random walk driven by a common market "
            "factor): no rule has a real edge on them, so a profit here would be "
            "luck, and a steady loss is what trading them costs"
        )
    text = text.lstrip(". ")
    if not text:
        return ""
    return "<b>Why.</b> " + text[:1].upper() + text[1:] + "."


def _gross_pnl(stats: Mapping[str, object]) -> float | None:
    """P&L before fees: the final equity's gain plus the fees paid."""
    total = fmt.as_number(stats.get("total_return"))
    equity = fmt.as_number(stats.get("final_equity"))
    paid = fmt.as_number(stats.get("fees"))
    if total is None or equity is None or paid is None or total <= -1:
        return None
    start = equity / (1 + total)
    return equity - start + paid


def _validation(stats: Mapping[str, object]) -> str:
    psr = fmt.as_number(stats.get("psr_daily", stats.get("psr")))
    if psr is None:
        return ""
    sharpe = fmt.as_number(stats.get("sharpe_daily", stats.get("sharpe")))
    if psr >= SIGNIFICANT:
        verdict = "unlikely to be luck"
    elif psr <= 1 - SIGNIFICANT:
        verdict = (
            "the mirror image: its true Sharpe is very likely below zero, a losing "
            "rule on this data rather than bad luck"
        )
    else:
        verdict = "indistinguishable from luck (it would need 0.95)"
    text = (
        f"<b>What the validation says.</b> Its Sharpe ratio of "
        f"{fmt.ratio(sharpe)} (from daily returns) has a probabilistic Sharpe ratio "
        f"of {fmt.ratio(psr)}: the probability that the true Sharpe is above zero, "
        f"given how many days there were and how skewed and fat-tailed they were. "
        f"That is {verdict}."
    )
    trials = stats.get("dsr_trials")
    if trials in (None, 1):
        text += (
            " One configuration was run, so nothing deflates it yet: choosing among "
            "many (tradecore-replay sweep) lowers the bar it must clear, and "
            "tradecore-replay promote re-runs it under other seeds and harsher "
            "costs before it may trade."
        )
    return text
