"""Connecting to the database: SQLite (embedded default) or PostgreSQL, both async.

SQLite is opened in WAL mode so readers never wait for the writer, with ``BEGIN IMMEDIATE``
so a transaction that will write takes the write lock up front. That is what makes a
read-modify-write of one conversation safe when two messages from one person arrive at once,
in one process or several. On PostgreSQL the same safety comes from ``SELECT … FOR UPDATE``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine as _create_sync_engine
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
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
    # Every chat turn is one short transaction, so the pool is the hot path: no ping before
    # each checkout and no extra ROLLBACK after each commit (two round trips a message).
    # A connection the server dropped is retried once instead (see Database.run_sync).
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 10)
    options.setdefault("pool_recycle", 1800)
    options.setdefault("pool_reset_on_return", None)
    return _create_async_engine(url, **options)


T = TypeVar("T")


def _tune_sqlite(engine: AsyncEngine | Engine) -> None:
    target = engine.sync_engine if isinstance(engine, AsyncEngine) else engine

    @event.listens_for(target, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(target, "begin")
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
        self._writer = _SqliteWriter(engine) if _is_sqlite_file(engine) else None
        # Waiters for a pooled connection are served first come, first served (the pool
        # itself is not fair under load, which shows as multi-second tail latency).
        pool_size = getattr(engine.pool, "size", lambda: 5)()
        overflow = max(getattr(engine.pool, "_max_overflow", 0), 0)
        self._slots = asyncio.Semaphore(max(pool_size + overflow, 1))
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

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one writing transaction and return what it returns.

        ``work`` is plain synchronous code. On a SQLite file it runs in a single writer
        thread over a held connection (one thread hop for the whole transaction, instead of
        several per statement); elsewhere through the async driver, via ``run_sync``.
        """
        if self._writer is not None:
            # The writer thread runs one transaction at a time by itself. Only when an ORM
            # transaction (the dashboard, analysis) holds the lock does this wait its turn,
            # rather than spin on SQLite's busy timeout against that other connection.
            assert self._write_lock is not None
            if self._write_lock.locked():
                async with self._write_lock:
                    return await self._writer.run(work)
            return await self._writer.run(work)
        for attempt in (1, 2):
            try:
                async with self._slots, self.connection() as connection:
                    return await connection.run_sync(work)
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection in one writing transaction: the chat's hot path, no ORM."""
        if self._write_lock is None:
            async with self.engine.begin() as connection:
                yield connection
            return
        async with self._write_lock, self.engine.begin() as connection:
            yield connection

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
        if self._writer is not None:
            await self._writer.close()
        await self.engine.dispose()


def _is_sqlite_file(engine: AsyncEngine) -> bool:
    database = engine.url.database or ""
    return is_sqlite(engine) and database not in ("", ":memory:") and "mode=memory" not in database


class _SqliteWriter:
    """One thread that owns one SQLite connection and runs writing transactions in turn."""

    def __init__(self, engine: AsyncEngine) -> None:
        url = engine.url.set(drivername="sqlite+pysqlite")
        self._engine = _create_sync_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}
        )
        _tune_sqlite(self._engine)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._local = threading.local()
        self._closed = False

    def _connection(self) -> Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed:
            connection = self._engine.connect()
            self._local.connection = connection
        return connection

    def _transaction(self, work: Callable[[Connection], T]) -> T:
        connection = self._connection()
        with connection.begin():
            return work(connection)

    async def run(self, work: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._transaction, work)

    def _close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
        self._engine.dispose()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)
