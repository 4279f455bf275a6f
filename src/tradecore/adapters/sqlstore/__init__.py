"""The SQL store adapter: SQLAlchemy Core on SQLite and PostgreSQL, Alembic schema."""

from tradecore.adapters.sqlstore.engine import Durability, make_engine
from tradecore.adapters.sqlstore.store import SqlStore, SqlUnitOfWork, open_store

__all__ = ["Durability", "SqlStore", "SqlUnitOfWork", "make_engine", "open_store"]
