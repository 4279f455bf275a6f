"""Alembic environment for tradecore (run through ``tradecore.adapters.sqlstore.migrate``).

``migrate`` passes an open connection in ``config.attributes["connection"]``; the
plain ``alembic`` command line works too, with ``-x url=...`` or
``TRADECORE_DATABASE_URL``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from tradecore.adapters.sqlstore.engine import make_engine
from tradecore.adapters.sqlstore.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Run the migrations on the handed-in connection, or on a URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
        "TRADECORE_DATABASE_URL"
    )
    if not url:
        raise SystemExit("give -x url=... or set TRADECORE_DATABASE_URL")
    engine = make_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


main()
