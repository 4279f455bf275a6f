"""``model.stale`` for the model a live run trades (rule: tradecore.domain.research.staleness).

:class:`StalenessWatch` follows the model in force: each timestamp it is told the
bars and, when the strategy exposes them (``last_scores``: symbol -> probability
of an up move), the model's scores; it resolves those calls once the label's
horizon (``forward_return:H`` in the card: ``H`` bars) has passed and judges the
model against ``[model] max_age_days`` and the card's out-of-sample hit rate. Each
sign is alerted once per model (a reload re-arms it).
"""

from __future__ import annotations

from collections.abc import Mapping

from tradecore.apps.config.operations import ModelSettings
from tradecore.apps.live.model_live import LoadedModel
from tradecore.domain.market.bars import Bar
from tradecore.domain.research.staleness import (
    ResolvedCalls,
    Staleness,
    StalenessRule,
    judge_staleness,
)
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.clock import Clock


def staleness_rule(settings: ModelSettings) -> StalenessRule:
    """The rule ``[model]`` configures."""
    return StalenessRule(
        max_age_days=settings.max_age_days,
        window=settings.hit_rate_window,
        tolerance=settings.hit_rate_tolerance,
    )


def label_horizon(card: Mapping[str, object]) -> int:
    """Bars until a call resolves: ``H`` of the card's ``forward_return:H`` (else 1)."""
    label = str(card.get("label", ""))
    kind, _, bars = label.partition(":")
    if kind == "forward_return" and bars.isdigit() and int(bars) > 0:
        return int(bars)
    return 1


def oos_hit_rate(card: Mapping[str, object]) -> float | None:
    """The card's ``metrics.out_of_sample.hit_rate``, or ``None``."""
    metrics = card.get("metrics")
    oos = metrics.get("out_of_sample") if isinstance(metrics, Mapping) else None
    rate = oos.get("hit_rate") if isinstance(oos, Mapping) else None
    return float(rate) if isinstance(rate, int | float) else None


class StalenessWatch:
    """Judges the model in force; see the module docstring."""

    def __init__(
        self, rule: StalenessRule, alerter: Alerter, clock: Clock, model: LoadedModel
    ) -> None:
        self._rule = rule
        self._alerter = alerter
        self._clock = clock
        self.bind(model)

    def bind(self, model: LoadedModel) -> None:
        """Follow ``model`` from now on (a fresh record, alerts re-armed)."""
        self.model = model
        card = model.verified.card
        self.calls = ResolvedCalls(label_horizon(card), self._rule.window)
        self._oos = oos_hit_rate(card)
        self._alerted: set[str] = set()

    def observe(
        self, bars: Mapping[str, Bar], scores: Mapping[str, float] | None
    ) -> None:
        """One timestamp: resolve due calls on its closes, file the new calls."""
        for symbol, bar in bars.items():
            self.calls.on_close(symbol, bar.close)
        for symbol, probability in (scores or {}).items():
            self.calls.call(symbol, probability)

    def check(self) -> Staleness:
        """Judge the model now; alert each sign found the first time it is found."""
        verdict = judge_staleness(
            self._rule,
            now=self._clock.now(),
            training_end=self.model.verified.manifest.training_end,
            oos_hit_rate=self._oos,
            resolved=self.calls.outcomes,
        )
        for reason in verdict.reasons:
            sign = reason.split(" ", 1)[0]  # "trained" (age) or "hit" (rate)
            if sign not in self._alerted:
                self._alerted.add(sign)
                self._send(reason, verdict)
        return verdict

    def _send(self, reason: str, verdict: Staleness) -> None:
        self._alerter.send(
            Alert(
                severity=Severity.WARNING,
                code=AlertCode.MODEL_STALE.value,
                message=f"model {self.model.model_hash[:16]} is stale: {reason}",
                raised_at=self._clock.now(),
                context={
                    "strategy_id": self.model.verified.strategy_id,
                    "model_hash": self.model.model_hash,
                    "age_days": verdict.age_days,
                    "rolling_hit_rate": verdict.rolling_hit_rate,
                    "resolved": verdict.resolved,
                },
            )
        )
