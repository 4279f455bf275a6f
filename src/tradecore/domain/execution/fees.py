"""Trading fees: commission per share and/or in bps, plus US sell-side regulatory fees.

Regulatory fees follow the broker pass-through convention: the SEC Section 31 fee is a
rate on *sell* notional and FINRA's trading activity fee (TAF) is per *sold* share with
a cap per trade; both are rounded *up* to the cent, as brokers charge them. The
commission is rounded half-even to the cent. Every amount is a Decimal.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.orders.money import CENT, ZERO
from tradecore.domain.orders.spec import Side

_BPS = Decimal(10_000)
#: What a model without rates charges: every fee is a zero rounded to the cent.
NO_FEE = ZERO.quantize(CENT)


@attrs.frozen(kw_only=True, slots=True)
class FeeModel:
    """What one execution costs in fees; the default charges nothing (ideal parity)."""

    per_share: Decimal = attrs.field(default=ZERO, validator=v.non_negative_decimal)
    bps: Decimal = attrs.field(default=ZERO, validator=v.non_negative_decimal)
    #: SEC Section 31 fee on sell notional, in bps (0.278 bps = $27.80 per million).
    sec_fee_bps: Decimal = attrs.field(default=ZERO, validator=v.non_negative_decimal)
    #: FINRA TAF per share sold, capped per trade at ``finra_taf_max``.
    finra_taf_per_share: Decimal = attrs.field(
        default=ZERO, validator=v.non_negative_decimal
    )
    finra_taf_max: Decimal = attrs.field(
        default=Decimal("8.30"), validator=v.non_negative_decimal
    )

    @classmethod
    def us_regulatory(
        cls, *, per_share: Decimal = ZERO, bps: Decimal = ZERO
    ) -> FeeModel:
        """Return a commission plus the SEC fee and FINRA TAF rates of 2024/25."""
        return cls(
            per_share=per_share,
            bps=bps,
            sec_fee_bps=Decimal("0.278"),
            finra_taf_per_share=Decimal("0.000166"),
        )

    def fee(self, side: Side, qty: Decimal, price: Decimal) -> Decimal:
        """Return the total fee, in currency, for trading ``qty`` at ``price``.

        A model without rates (the default, ideal parity) charges :data:`NO_FEE`
        without the arithmetic: every term would be a zero rounded to the cent.
        The venue prices every fill, so this is per order; ``_charged`` is the
        computation itself.
        """
        if not (
            self.per_share or self.bps or self.sec_fee_bps or self.finra_taf_per_share
        ):
            return NO_FEE
        return self._charged(side, qty, price)

    def _charged(self, side: Side, qty: Decimal, price: Decimal) -> Decimal:
        """:meth:`fee`, computed term by term."""
        notional = qty * price
        commission = (qty * self.per_share + notional * self.bps / _BPS).quantize(
            CENT, rounding=ROUND_HALF_EVEN
        )
        if side is Side.BUY:
            return commission
        return commission + self.regulatory_fee(qty, notional)

    def regulatory_fee(self, qty: Decimal, notional: Decimal) -> Decimal:
        """Return the SEC fee plus FINRA TAF for a sale, each rounded up to the cent."""
        sec = (notional * self.sec_fee_bps / _BPS).quantize(CENT, ROUND_CEILING)
        taf = min(qty * self.finra_taf_per_share, self.finra_taf_max)
        return sec + taf.quantize(CENT, ROUND_CEILING)
