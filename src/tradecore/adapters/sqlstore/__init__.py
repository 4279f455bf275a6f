"""The SQL store adapter: SQLAlchemy Core on SQLite and PostgreSQL, Alembic schema."""

from typing import TYPE_CHECKING

from tradecore.domain.lazy import lazy_attributes

if TYPE_CHECKING:
    from tradecore.adapters.sqlstore.engine import Durability, make_engine
    from tradecore.adapters.sqlstore.store import SqlStore, SqlUnitOfWork, open_store

#: Where each name comes from: imported on first use (see tradecore.domain.lazy).
_ORIGINS: dict[str, tuple[str, ...]] = {
    "tradecore.adapters.sqlstore.engine": (
        "Durability",
        "make_engine",
    ),
    "tradecore.adapters.sqlstore.store": (
        "SqlStore",
        "SqlUnitOfWork",
        "open_store",
    ),
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)

__all__ = ["Durability", "SqlStore", "SqlUnitOfWork", "make_engine", "open_store"]
