from decimal import Decimal

import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.execution.fees import FeeModel
from tradecore.domain.orders.spec import Side


def test_default_fee_model_charges_nothing():
    assert FeeModel().fee(Side.SELL, Decimal(100), Decimal("50")) == 0


def test_commission_per_share_and_bps_apply_to_both_sides():
    model = FeeModel(per_share=Decimal("0.005"), bps=Decimal(1))
    # 100 * 0.005 + 10,000 * 1bp = 0.50 + 1.00
    assert model.fee(Side.BUY, Decimal(100), Decimal(100)) == Decimal("1.50")
    assert model.fee(Side.SELL, Decimal(100), Decimal(100)) == Decimal("1.50")


def test_regulatory_fees_apply_to_sells_only_rounded_up_to_the_cent():
    model = FeeModel.us_regulatory()
    assert model.fee(Side.BUY, Decimal(100), Decimal(100)) == 0
    # SEC: 10,000 * 0.278bp = 0.278 -> 0.28; TAF: 100 * 0.000166 = 0.0166 -> 0.02
    assert model.fee(Side.SELL, Decimal(100), Decimal(100)) == Decimal("0.30")


def test_finra_taf_is_capped_per_trade():
    model = FeeModel(finra_taf_per_share=Decimal("0.000166"))
    assert model.fee(Side.SELL, Decimal(1_000_000), Decimal(1)) == Decimal("8.30")


def test_negative_rates_are_refused():
    with pytest.raises(InvalidInput, match="per_share"):
        FeeModel(per_share=Decimal(-1))
