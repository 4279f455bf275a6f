"""Calendar adapters: exchange schedules from ``exchange_calendars``, and always open."""

from tradecore.adapters.calendar.always_open import AlwaysOpenCalendar
from tradecore.adapters.calendar.exchange import ExchangeCalendar

__all__ = ["AlwaysOpenCalendar", "ExchangeCalendar"]
