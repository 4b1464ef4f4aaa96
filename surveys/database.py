"""Connecting to the database: SQLite (embedded default) or PostgreSQL, both async.

SQLite is opened in WAL mode so readers never wait for the writer, with ``BEGIN IMMEDIATE``
so a transaction that will write takes the write lock up front. That is what makes a
read-modify-write of one conversation safe when two messages from one person arrive at once,
in one process or several. On PostgreSQL the same safety comes from ``SELECT … FOR UPDATE``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from config.settings import normalise_database_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """An async engine for ``url``, with SQLite tuned for a chat's many small writes."""
    url = normalise_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
        engine = _create_async_engine(url, **options)
        _tune_sqlite(engine)
        return engine
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 20)
    options.setdefault("pool_pre_ping", True)
    return _create_async_engine(url, **options)


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        reading = connection.get_execution_options().get("read_only", False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def is_sqlite(engine: AsyncEngine | AsyncConnection) -> bool:
    return engine.dialect.name == "sqlite"


class Database:
    """The engine and a session factory, plus a writer lock for SQLite.

    SQLite allows one writer at a time. Within one process, queueing writers on an
    :class:`asyncio.Lock` is far cheaper than letting them spin on the busy timeout; across
    processes, ``BEGIN IMMEDIATE`` and the busy timeout still keep them apart.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(
            engine.execution_options(read_only=True), expire_on_commit=False
        )
        self.sqlite = is_sqlite(engine)
        self._write_lock = asyncio.Lock() if self.sqlite else None

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Database:
        return cls(create_engine(url, **options))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction that may write; commits on success."""
        if self._write_lock is None:
            async with self.sessions.begin() as session:
                yield session
            return
        async with self._write_lock, self.sessions.begin() as session:
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only (never blocks the writer on SQLite's WAL)."""
        async with self._read_sessions() as session:
            yield session

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")
            return True
        except Exception:  # noqa: BLE001 - health checks report, they never raise
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()
