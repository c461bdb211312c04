"""Engines and migrations.

The default database is a SQLite file, `./panelbot.db`, so the bot runs on a fresh machine with nothing
else installed. PostgreSQL is used by giving `PANELBOT_DATABASE_URL=postgresql+psycopg://...`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from flows.errors import PanelError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./panelbot.db"
# `panelbot run --practice`: a database of its own, marked as practice, where the simulated clock may move.
DEFAULT_PRACTICE_DATABASE_URL = "sqlite+aiosqlite:///./panelbot-practice.db"
MIGRATIONS = Path(__file__).parent / "migrations"
PG_IDLE_IN_TRANSACTION = "60s"  # see make_engine: a vanished client's locks are freed after this
PG_CONNECT_TIMEOUT = 10  # seconds


class DatabaseNotReady(PanelError):
    """The database exists but its tables are missing or older than this version of the bot."""


def async_url(url: str) -> str:
    """Accept the URLs people paste (sqlite:///x.db, postgresql://...) and pick the async drivers."""
    parsed = make_url(url)
    driver = parsed.drivername
    if driver in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif driver in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif driver not in ("sqlite+aiosqlite",):
        raise PanelError(
            f'The database URL uses "{driver}", which Panelbot does not support; use SQLite or PostgreSQL.'
        )
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: object) -> AsyncEngine:
    parsed = make_url(async_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = Path(parsed.database).expanduser().parent
        if not folder.is_dir():
            raise PanelError(
                f"The folder for the database file, {folder}, does not exist. Check PANELBOT_DATABASE_URL."
            )
    # hide_parameters: a database error's text (which can reach a traceback in a log) must never carry the
    # values of a statement, and those include summaries and reasons people typed.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "postgresql":
        # A database server can go away (a restart, a fail-over, a network cut) and come back. Checking each
        # pooled connection before use means the first request after it is back gets a fresh connection
        # instead of a dead one: the bot reconnects by itself, with no restart. connect_timeout bounds how
        # long a connection attempt to an unreachable server can hang.
        kwargs.setdefault("pool_pre_ping", True)
        connect_args = dict(kwargs.get("connect_args") or {})  # type: ignore[call-overload]
        if "connect_timeout" not in parsed.query:  # a ?connect_timeout=N in the URL is kept
            connect_args.setdefault("connect_timeout", PG_CONNECT_TIMEOUT)
        kwargs["connect_args"] = connect_args
    engine = create_async_engine(async_url(url), **kwargs)
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine.sync_engine, "connect")
        def _pg_session(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            # A client that vanishes in the middle of a transaction (a network cut, a killed replica) would
            # otherwise keep its row and audit-chain locks until TCP gives up, and every command on those
            # referrals would wait behind it. The server ends such a transaction after this long; the bot
            # itself never leaves one idle (nothing is sent to a platform inside a transaction).
            cur = dbapi_conn.cursor()
            cur.execute(f"SET idle_in_transaction_session_timeout = '{PG_IDLE_IN_TRANSACTION}'")
            cur.close()
            dbapi_conn.commit()

    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            # Take transactions into our own hands (below) instead of the driver's deferred BEGIN.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
            # SQLite has no SELECT ... FOR UPDATE. BEGIN IMMEDIATE takes the write lock at the start of every
            # transaction, so two commands on one ballot run one after the other, as they do on PostgreSQL
            # with row locks: two simultaneous closing votes cannot both close it.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_fresh_sqlite(url: str) -> bool:
    """True for a SQLite file that does not exist yet (or an in-memory database)."""
    parsed = make_url(async_url(url))
    if parsed.get_backend_name() != "sqlite":
        return False
    database = parsed.database or ""
    return database in ("", ":memory:") or not Path(database).exists() or Path(database).stat().st_size == 0


def _alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current_revision)


def _upgrade(connection: Connection) -> None:
    command.upgrade(_alembic_config(connection), "head")


async def upgrade(engine: AsyncEngine) -> tuple[str | None, str]:
    """Apply every migration not yet applied. Returns (revision before, revision after)."""
    before = await current_revision(engine)
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)
    return before, head_revision()


async def ensure_ready(engine: AsyncEngine, *, migrate_fresh: bool) -> None:
    """Refuse to run on a database that is not at the latest migration, saying what to run. A brand-new
    SQLite file is migrated here when `migrate_fresh` is set, so the first run needs no extra step."""
    current = await current_revision(engine)
    if current == head_revision():
        return
    if current is None and migrate_fresh:
        await upgrade(engine)
        return
    if current is None:
        raise DatabaseNotReady("The database has no Panelbot tables yet. Run `panelbot db upgrade` first.")
    raise DatabaseNotReady(
        f"The database is at migration {current}, older than this version of Panelbot "
        f"({head_revision()}). Run `panelbot db upgrade` first."
    )


def database_outage(error: BaseException) -> bool:
    """Whether `error` is the database being unreachable (a lost connection, a server that does not answer,
    no connection to be had), as opposed to a fault in what was asked of it. Work that failed so was not
    committed, and the platform may send the request again."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(error, (OperationalError, InterfaceError, PoolTimeout)):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)
