"""Calendar adapters: exchange schedules from ``exchange_calendars``, and always open."""

from typing import TYPE_CHECKING

from tradecore.domain.lazy import lazy_attributes

if TYPE_CHECKING:
    from tradecore.adapters.calendar.always_open import AlwaysOpenCalendar
    from tradecore.adapters.calendar.exchange import ExchangeCalendar

#: Where each name comes from: imported on first use (see tradecore.domain.lazy).
_ORIGINS: dict[str, tuple[str, ...]] = {
    "tradecore.adapters.calendar.always_open": ("AlwaysOpenCalendar",),
    "tradecore.adapters.calendar.exchange": ("ExchangeCalendar",),
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)

__all__ = ["AlwaysOpenCalendar", "ExchangeCalendar"]
