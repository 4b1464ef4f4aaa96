"""Connecting to the database: SQLite (embedded default) or PostgreSQL, both async.

SQLite is opened in WAL mode so readers never wait for the writer, with ``BEGIN IMMEDIATE``
so a transaction that will write takes the write lock up front; in each process one writer
thread runs every writing transaction in turn. On PostgreSQL a conversation's turn holds no
lock: it is saved only over the version it read, and decided again if that moved on (see
:mod:`surveys._turns`). Either way two messages from one person arriving at once, in one
process or several, are taken one after the other and nothing is lost or doubled.

:meth:`Database.turn` is the chat's hot path; :meth:`Database.run_sync` runs other short
synchronous transactions the same cheap way; ORM sessions (:meth:`Database.transaction`,
:meth:`Database.reading`) serve the dashboard, exports and rights requests.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import create_engine as _create_sync_engine
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from config.settings import normalise_database_url
from surveys._turns import (
    MAX_ATTEMPTS,
    Conflict,
    CoreExecutor,
    PostgresTurns,
    SqliteExecutor,
    Statements,
    TurnLogic,
    decide_and_write,
)

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
        # itself is not fair under load, which shows as multi-second tail latency). Turns
        # use the pool's standing connections only: an overflow connection is closed when
        # it comes back, and opening one costs more than waiting for a turn to finish.
        pool_size = getattr(engine.pool, "size", lambda: 5)()
        self._slots = asyncio.Semaphore(max(pool_size, 1))
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(
            engine.execution_options(read_only=True), expire_on_commit=False
        )
        self.sqlite = is_sqlite(engine)
        self._write_lock = asyncio.Lock() if self.sqlite else None
        self._closing: set[asyncio.Future[None]] = set()
        self._postgres: PostgresTurns | None = None
        self._held: _HeldConnections | None = None
        if engine.dialect.driver == "asyncpg":
            self._postgres = PostgresTurns(engine.dialect)
            self._held = _HeldConnections(engine, max(pool_size - 2, 1))

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
            return await self._in_writer(self._writer.run(work))
        for attempt in (1, 2):
            try:
                async with self._slots, self.connection() as connection:
                    return await connection.run_sync(work)
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    async def read_sync(self, work: Callable[[Connection], T]) -> T:
        """:meth:`run_sync` for work that only reads.

        On a SQLite file it runs in the writer thread too (one hop), but in a deferred
        transaction on a connection of its own: it never takes the write lock, so with
        several processes (``WEB_CONCURRENCY``) a read never waits for another's write.
        """
        if self._writer is not None:
            return await self._in_writer(self._writer.run(work, reading=True))
        return await self.run_sync(work)

    async def _in_writer(self, work: Awaitable[T]) -> T:
        # The writer thread runs one transaction at a time by itself. Only when an ORM
        # transaction (the dashboard) holds the lock does this wait its turn, rather than
        # spin on SQLite's busy timeout against that other connection.
        assert self._write_lock is not None
        if self._write_lock.locked():
            async with self._write_lock:
                return await work
        return await work

    async def turn(self, participant_id: str, logic: TurnLogic[T]) -> T:
        """Read, decide and write one turn of ``participant_id``'s conversation, atomically.

        The chat's hot path (see :mod:`surveys._turns`): in SQLite's writer thread on a
        SQLite file; on asyncpg's own connection on PostgreSQL; through SQLAlchemy otherwise.
        """
        if self._writer is not None:
            return await self._in_writer(self._writer.turn(participant_id, logic))
        if self._postgres is not None:
            return await self._postgres_turn(participant_id, logic)
        return await self.run_sync(lambda connection: _core_turn(connection, participant_id, logic))

    def forget_recent(self, participant_id: str) -> None:
        """Drop any copy of this person's conversation kept in memory (their data was erased)."""
        if self._postgres is not None:
            self._postgres.recent.drop(participant_id)

    async def _postgres_turn(self, participant_id: str, logic: TurnLogic[T]) -> T:
        assert self._postgres is not None and self._held is not None
        for attempt in (1, 2):
            held = await self._held.acquire()
            try:
                result = await self._postgres.run(held.raw, participant_id, logic)
            except Exception as exc:
                if not (held.raw.is_closed() or isinstance(exc, _CONNECTION_LOST)):
                    self._release_or_discard(held)
                    raise
                # The server dropped this connection (a restart, a failover): try once more
                # on a new one, as the person would by sending their message again.
                await self._held.discard(held)
                if attempt == 2:
                    raise
                continue
            except BaseException:
                self._release_or_discard(held)
                raise
            self._held.release(held)
            return result
        raise AssertionError("unreachable")

    def _release_or_discard(self, held: _Held) -> None:
        assert self._held is not None
        if held.raw.is_closed() or held.raw.is_in_transaction():
            # Never hand on a connection in a half-done transaction.
            task = asyncio.ensure_future(self._held.discard(held))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        else:
            self._held.release(held)

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
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        if self._held is not None:
            await self._held.close()
        await self.engine.dispose()


_CONNECTION_LOST = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.InternalClientError,  # a message from a backend that was terminated
    asyncpg.exceptions.OperatorInterventionError,  # "terminating connection due to …"
)


@dataclass(frozen=True, slots=True)
class _Held:
    connection: AsyncConnection
    raw: Any  # the asyncpg connection inside it


class _HeldConnections:
    """asyncpg connections held for turns: taken out of SQLAlchemy's pool once, not per turn.

    Checking a connection out of SQLAlchemy's async pool and back in costs three greenlet
    switches, about 200 µs of CPU (measured), which is more than a turn's own statement.
    Turns share a few connections instead, handed out first come, first served. The rest of
    the pool stays for everything else (the dashboard, analysis, rights requests).
    """

    def __init__(self, engine: AsyncEngine, size: int) -> None:
        self._engine = engine
        # Fair: a turn that arrives while others wait queues behind them. (asyncio.Queue is
        # not: a newcomer could take a connection just handed to a waiter, which then
        # waits again at the back — seconds of tail latency under load, measured.)
        self._slots = asyncio.Semaphore(size)
        self._idle: list[_Held] = []
        self._all: set[_Held] = set()

    async def acquire(self) -> _Held:
        await self._slots.acquire()
        if self._idle:
            return self._idle.pop()
        try:
            connection = await self._engine.connect()
            raw = (await connection.get_raw_connection()).driver_connection
        except BaseException:
            self._slots.release()
            raise
        held = _Held(connection, raw)
        self._all.add(held)
        return held

    def release(self, held: _Held) -> None:
        self._idle.append(held)
        self._slots.release()

    async def discard(self, held: _Held) -> None:
        self._all.discard(held)
        self._slots.release()  # the next turn opens a new connection in its place
        await held.connection.invalidate()
        await held.connection.close()

    async def close(self) -> None:
        for held in list(self._all):
            await held.connection.close()
        self._all.clear()


def _core_turn(connection: Connection, participant_id: str, logic: TurnLogic[T]) -> T:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        savepoint = connection.begin_nested()
        try:
            result = decide_and_write(CoreExecutor(connection), participant_id, logic)
        except Conflict:
            savepoint.rollback()
            if attempt == MAX_ATTEMPTS:
                raise
            continue
        savepoint.commit()
        return result
    raise AssertionError("unreachable")


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
        self._statements = Statements(self._engine.dialect)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._local = threading.local()
        self._closed = False

    def _connection(self, reading: bool = False) -> Connection:
        name = "reader" if reading else "connection"
        connection = getattr(self._local, name, None)
        if connection is None or connection.closed:
            connection = self._engine.connect()
            if reading:  # its transactions begin with a plain (deferred) BEGIN
                connection = connection.execution_options(read_only=True)
            setattr(self._local, name, connection)
        return connection

    def _transaction(self, work: Callable[[Connection], T], reading: bool = False) -> T:
        connection = self._connection(reading)
        with connection.begin():
            return work(connection)

    async def run(self, work: Callable[[Connection], T], reading: bool = False) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._transaction, work, reading)

    def _turn(self, participant_id: str, logic: TurnLogic[T]) -> T:
        dbapi_connection = self._connection().connection.dbapi_connection
        return SqliteExecutor(dbapi_connection, self._statements).run(participant_id, logic)

    async def turn(self, participant_id: str, logic: TurnLogic[T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._turn, participant_id, logic)

    def _close(self) -> None:
        for name in ("connection", "reader"):
            connection = getattr(self._local, name, None)
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
