"""Alpaca's asset list (``GET /v2/assets``) as :class:`AssetRecord` values."""

from __future__ import annotations

from typing import Any

from alpaca.trading.enums import AssetClass
from alpaca.trading.requests import GetAssetsRequest

from tradecore.adapters.alpaca._sdk import make_trading_client
from tradecore.adapters.alpaca.config import AlpacaConfig
from tradecore.adapters.alpaca.credentials import AlpacaCredentials
from tradecore.adapters.alpaca.errors import Operation, translate
from tradecore.domain.market.universe import AssetRecord


class AlpacaAssets:
    """Reads every US-equity asset (active and inactive) with its flags."""

    def __init__(
        self,
        config: AlpacaConfig,
        credentials: AlpacaCredentials,
    ) -> None:
        """Build the trading client (nothing is sent yet)."""
        self._client = make_trading_client(config, credentials)

    def assets(self) -> list[AssetRecord]:
        """Return every US-equity asset listed, by symbol.

        Raises:
            TradecoreError: the request failed (translated; the cause is kept).
        """
        request = GetAssetsRequest(asset_class=AssetClass.US_EQUITY)
        try:
            items: Any = self._client.get_all_assets(request)
        except Exception as e:
            raise translate(e, Operation.READ) from e
        records = [asset_record(item) for item in items]
        return sorted(records, key=lambda a: a.symbol)


def asset_record(item: Any) -> AssetRecord:
    """One alpaca-py ``Asset`` as an :class:`AssetRecord`."""
    return AssetRecord(
        symbol=str(item.symbol),
        exchange=str(getattr(item.exchange, "value", item.exchange)),
        status=str(getattr(item.status, "value", item.status)),
        tradable=bool(item.tradable),
        fractionable=bool(item.fractionable),
        shortable=bool(item.shortable),
        easy_to_borrow=bool(item.easy_to_borrow),
        marginable=bool(item.marginable),
    )
