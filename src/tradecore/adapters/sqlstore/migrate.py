"""Alembic, driven from code: find the migrations, upgrade, downgrade, ask the revision.

The migrations live in the repository's top-level ``migrations/`` folder; the wheel
ships them as ``tradecore/_migrations``. :func:`migrations_dir` finds either, so an
installed tradecore can upgrade its own database with no ``alembic.ini``.

Alembic is imported inside the functions that use it, not at module level: importing
it (with Mako and every dialect's DDL module) costs 0.15-0.35 s, and every command that
merely imports the store (``--help``, a configuration check) would otherwise pay it.
A store that is already at head is recognised without Alembic (:data:`HEAD_REVISION`,
read with one plain query), and a fresh replay store is created from the table
definitions and stamped at head in one transaction (:func:`create_at_head`) instead of
running every migration: Alembic's import and the migrations cost a replay of 100 bars
about 0.1-0.15 s CPU. ``tests/integration/test_fresh_schema.py`` proves the two
schemas identical (SQLite's DDL, PostgreSQL's reflected tables, indexes and
constraints), and that :data:`HEAD_REVISION` is Alembic's head.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_mock_engine,
    inspect,
)

from tradecore.adapters.sqlstore.errors import translating
from tradecore.adapters.sqlstore.sqlite_ddl import SQLITE_DDL
from tradecore.adapters.sqlstore.tables import metadata
from tradecore.domain.errors import ConfigurationError, SchemaOutOfDate

if TYPE_CHECKING:
    from alembic.config import Config

UPGRADE_COMMAND = "tradecore-live db upgrade"
#: The single head of ``migrations/versions`` (a test compares it with Alembic's).
HEAD_REVISION = "0004_model_stages"

#: Alembic's own bookkeeping table, as ``alembic stamp`` creates it.
_VERSION_TABLE = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def migrations_dir() -> Path:
    """Return the folder holding Alembic's ``env.py`` (wheel first, then checkout).

    Raises:
        ConfigurationError: neither location has the migrations.
    """
    installed = Path(str(resources.files("tradecore") / "_migrations"))
    checkout = Path(__file__).resolve().parents[4] / "migrations"
    for candidate in (installed, checkout):
        if (candidate / "env.py").is_file():
            return candidate
    raise ConfigurationError(
        f"alembic migrations not found (looked in {installed} and {checkout})"
    )


def alembic_config(connection: Connection | None = None) -> Config:
    """Build Alembic's config in code; ``connection`` is handed to ``env.py``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """Return the revision this code needs (the single migration head)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise ConfigurationError("the migrations have no head revision")
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the database's revision (``None`` for an empty database).

    Raises:
        SchemaOutOfDate: the database records more than one revision (branched).
    """
    with translating(), engine.connect() as connection:
        if not inspect(connection).has_table(_VERSION_TABLE.name):
            return None
        rows = connection.execute(_VERSION_TABLE.select()).scalars().all()
    if len(rows) > 1:
        raise SchemaOutOfDate(f"database records several revisions: {sorted(rows)}")
    return rows[0] if rows else None


def create_at_head(engine: Engine) -> None:
    """Create every table of an empty database and stamp it at head, in one transaction.

    The same schema as :func:`upgrade` from empty, without Alembic: for a store made
    new (a replay's), where running each migration is pure start-up cost.

    Raises:
        ConfigurationError: the database already has tables.
    """
    with translating(), engine.begin() as connection:
        existing = inspect(connection).get_table_names()
        if existing:
            raise ConfigurationError(
                f"cannot create a fresh store: the database already has tables "
                f"({', '.join(sorted(existing)[:3])}, ...)"
            )
        if connection.dialect.name == "sqlite":
            # The statements create_all sends, rendered once (render_ddl): SQLite
            # stores their text, so the schema is the same to the byte.
            for statement in SQLITE_DDL:
                connection.exec_driver_sql(statement)
        else:
            # Known empty: asking for each table again (``checkfirst``) is wasted.
            metadata.create_all(connection, checkfirst=False)
            _VERSION_TABLE.create(connection, checkfirst=False)
        connection.execute(_VERSION_TABLE.insert(), {"version_num": HEAD_REVISION})


def render_ddl(url: str = "sqlite://") -> tuple[str, ...]:
    """The statements that create every table and index of a store, and the version
    table, in the order ``metadata.create_all`` sends them to ``url``'s dialect.

    :data:`~tradecore.adapters.sqlstore.sqlite_ddl.SQLITE_DDL` holds SQLite's, as
    this renders them (a test holds the two equal): rendering them through
    SQLAlchemy's DDL compiler cost each new replay store about 24 M instructions
    (about 1% of a short replay).
    """
    statements: list[str] = []

    def render(clause: Any, *_: Any, **__: Any) -> None:
        statements.append(str(clause.compile(dialect=mock.dialect)))

    mock = create_mock_engine(url, render)
    metadata.create_all(mock, checkfirst=False)
    _VERSION_TABLE.create(mock, checkfirst=False)
    return tuple(statements)


@contextmanager
def _migrating(engine: Engine) -> Iterator[Config]:
    with translating(), engine.begin() as connection:
        yield alembic_config(connection)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: head) in one transaction."""
    from alembic import command

    with _migrating(engine) as config:
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade the database to ``revision`` (``base`` removes every table)."""
    from alembic import command

    with _migrating(engine) as config:
        command.downgrade(config, revision)


def require_head(engine: Engine) -> None:
    """Refuse to run on a database that is not at the head revision.

    Raises:
        SchemaOutOfDate: the database is empty, behind, or ahead of this code.
    """
    current, head = current_revision(engine), HEAD_REVISION
    if current != head:
        raise SchemaOutOfDate(
            f"database schema is at {current or 'no revision (empty)'}, this code "
            f"needs {head}: run `{UPGRADE_COMMAND}`"
        )
