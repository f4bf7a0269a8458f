"""Database engine and session set-up for SQLite and PostgreSQL.

SQLite gets its PRAGMAs on every new connection, and requests that change state take the write
lock up front (``BEGIN IMMEDIATE``): with a deferred transaction two writers that both read first
deadlock, and one of them fails with "database is locked" instead of waiting its turn.
"""

from __future__ import annotations

import contextvars
from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from assembly.db.models import metadata
from assembly.settings import Settings

# Set for the duration of a state-changing request; read when the session is made.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "assembly_write_intent", default=False
)

SQLITE_BUSY_TIMEOUT_MS = 15_000


def _sqlite_file(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def _install_sqlite_listeners(engine: AsyncEngine, *, foreign_keys: bool = True) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, not the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Off only while migrating: batch migrations rebuild tables that others refer to.
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # NORMAL in WAL mode is durable against process crashes; FULL also survives power loss.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("assembly_autocommit", False):
            return  # one statement, its own implicit transaction: no BEGIN round trip
        immediate = options.get("assembly_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def autocommit_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine for single reads that need no transaction of their own.

    SQLite's driver connection is already in autocommit (see ``_on_connect``), so only the
    explicit BEGIN is left out; PostgreSQL uses the driver's autocommit.
    """
    if engine.dialect.name == "sqlite":
        return engine.execution_options(assembly_autocommit=True)
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def create_engine(
    settings: Settings, *, null_pool: bool = False, migrating: bool = False
) -> AsyncEngine:
    url = settings.database_url
    kwargs: dict[str, Any] = {}
    if settings.is_sqlite:
        path = _sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        kwargs["pool_pre_ping"] = True
    if null_pool or migrating:
        kwargs["poolclass"] = NullPool
    elif not (settings.is_sqlite and _sqlite_file(url) is None):
        # SQLAlchemy's 5 + 10 made 64 concurrent requests open and close connections all the
        # time; kept connections are cheap (a thread each on SQLite, a backend on PostgreSQL).
        kwargs["pool_size"] = settings.db_pool_size
        kwargs["max_overflow"] = settings.db_max_overflow
        kwargs["pool_timeout"] = settings.db_pool_timeout
    engine = create_async_engine(url, **kwargs)
    if settings.is_sqlite:
        _install_sqlite_listeners(engine, foreign_keys=not migrating)
    return engine


class SessionMaker:
    """Makes sessions bound for reading, or for writing when the request changes state."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.write_engine = engine.execution_options(assembly_write=True)

    def __call__(self) -> AsyncSession:
        return self.for_write() if write_intent.get() else self.for_read()

    def for_read(self) -> AsyncSession:
        return AsyncSession(bind=self.engine, expire_on_commit=False)

    def for_write(self) -> AsyncSession:
        return AsyncSession(bind=self.write_engine, expire_on_commit=False)


def create_sqlalchemy_config(settings: Settings, engine: AsyncEngine) -> SQLAlchemyAsyncConfig:
    return SQLAlchemyAsyncConfig(
        engine_instance=engine,
        session_maker=SessionMaker(engine),
        session_config=AsyncSessionConfig(expire_on_commit=False),
        engine_config=EngineConfig(),
        before_send_handler="autocommit_include_redirects",
        metadata=metadata,
        create_all=False,
    )
