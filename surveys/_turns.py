"""How one turn runs on each database: read, decide, write — atomically, retried on conflict.

This is the chat's hot path: every message anyone sends is one turn. The statements are the
SQLAlchemy Core ones in :mod:`surveys._store`, each compiled once per dialect (with its
parameters' type processors) and run on the driver's own connection, taken from SQLAlchemy's
pool: ``sqlite3`` in SQLite's writer thread, ``asyncpg`` on PostgreSQL. SQLAlchemy's
per-execute machinery cost about as much as the statement itself (on PostgreSQL 120 µs of CPU
against asyncpg's 62 µs, measured on this project's 2-core machine), and a turn runs several.

- **SQLite**: the whole turn runs in the writer thread under ``BEGIN IMMEDIATE``, so it is
  already alone; the version check on the person's row can only fail if another process broke
  that lock's promise.
- **PostgreSQL**: the conversation is read without a lock, the engine decides, and the writes
  go in one round trip where they can (saving the person's row, superseding an earlier answer
  and adding the new one is a single statement with writable CTEs); otherwise in one
  transaction. If the person's row moved on in between (two messages at once), nothing of
  this turn is kept and it is decided again over the new conversation.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import bindparam, exists, func, insert, select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Executable

from surveys import _store
from surveys._store import Conflict, Op, Snapshot, resolve
from surveys.engine import NO_PAST_RUNS, PastRuns
from surveys.models import Answer, Participant

log = logging.getLogger(__name__)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

# Two messages from one person a moment apart conflict once; this many in a row is a fault.
MAX_ATTEMPTS = 20


class TurnLogic(Protocol[T_co]):
    """What a turn does between reading and writing (the service's side of a turn)."""

    def needs_past_runs(self, snapshot: Snapshot) -> bool:
        """Whether deciding needs the person's earlier runs (a survey may start)."""

    def decide(self, snapshot: Snapshot, past: PastRuns) -> tuple[T_co, list[Op]]:
        """The turn's result and the writes that record it (the person's row first)."""


# --------------------------------------------------------------------------- compiling


@dataclass(frozen=True, slots=True)
class Compiled:
    """One statement compiled for one dialect: SQL text and how to turn params into args."""

    sql: str
    names: tuple[str, ...]
    fixed: tuple[Any, ...]  # a literal's value, or _REQUIRED for a parameter
    binds: tuple[Callable[[Any], Any] | None, ...]
    results: tuple[Callable[[Any], Any] | None, ...]

    def args(self, params: dict[str, Any]) -> tuple[Any, ...]:
        values = []
        for name, fixed, process in zip(self.names, self.fixed, self.binds, strict=True):
            value = resolve(params[name]) if fixed is _REQUIRED else fixed
            values.append(value if process is None else process(value))
        return tuple(values)

    def row(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if process is None else process(value)
            for value, process in zip(row, self.results, strict=True)
        )


_REQUIRED = object()


def compile_statement(statement: Executable, dialect: Dialect) -> Compiled:
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    names = tuple(compiled.positiontup or ())
    binds = [compiled.binds[name] for name in names]
    columns = getattr(statement, "exported_columns", ())
    return Compiled(
        sql=str(compiled),
        names=names,
        fixed=tuple(_REQUIRED if bind.required else bind.value for bind in binds),
        binds=tuple(bind.type.dialect_impl(dialect).bind_processor(dialect) for bind in binds),
        results=tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ),
    )


class Statements:
    """Every turn statement compiled for one dialect, on first use."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._compiled: dict[str, Compiled] = {}

    def __getitem__(self, name: str) -> Compiled:
        found = self._compiled.get(name)
        if found is None:
            statement = _store.statement(name, self.dialect.name)
            found = self._compiled[name] = compile_statement(statement, self.dialect)
        return found


def _snapshot(row: Sequence[Any] | None) -> Snapshot:
    """The snapshot from a processed ``read_conversation`` row (None: someone new)."""
    if row is None:
        return Snapshot(None)
    conversation, version = row
    return Snapshot(conversation or {}, int(version or 0))


# --------------------------------------------------------------------------- synchronous


class _SyncExecutor(Protocol):
    def fetch(self, name: str, params: dict[str, Any]) -> list[tuple[Any, ...]]: ...

    def write(self, op: Op) -> tuple[int, Any]:
        """Run ``op``; the rows it changed and the id it returned (if any)."""


def decide_and_write(executor: _SyncExecutor, participant_id: str, logic: TurnLogic[T]) -> T:
    """One turn inside a transaction the caller holds (SQLite's writer, or a Core connection)."""
    rows = executor.fetch("read_conversation", {"pid": participant_id})
    snapshot = _snapshot(rows[0] if rows else None)
    past = NO_PAST_RUNS
    if not snapshot.is_new and logic.needs_past_runs(snapshot):
        rows = executor.fetch("past_runs", {"pid": participant_id, "active": _active(snapshot)})
        past = _store.past_runs_from_rows(rows)  # type: ignore[arg-type]
    result, ops = logic.decide(snapshot, past)
    for op in ops:
        changed, returned = executor.write(op)
        if op.checked and changed != 1:
            raise Conflict(participant_id)
        if op.result is not None:
            op.result.value = returned
    return result


def _active(snapshot: Snapshot) -> str:
    run = (snapshot.conversation or {}).get("run") or {}
    return str(run.get("id") or "")


class SqliteExecutor:
    """Runs turn statements on a ``sqlite3`` connection (in SQLite's writer thread)."""

    def __init__(self, dbapi_connection: Any, statements: Statements) -> None:
        self._connection = dbapi_connection
        self._statements = statements

    def fetch(self, name: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        compiled = self._statements[name]
        rows = self._connection.execute(compiled.sql, compiled.args(params)).fetchall()
        return [compiled.row(row) for row in rows]

    def write(self, op: Op) -> tuple[int, Any]:
        compiled = self._statements[op.statement]
        cursor = self._connection.execute(compiled.sql, compiled.args(op.params))
        returned = cursor.fetchone() if compiled.results else None
        return cursor.rowcount, returned[0] if returned else None

    def run(self, participant_id: str, logic: TurnLogic[T]) -> T:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return self._attempt(participant_id, logic)
            except Conflict:
                if attempt == MAX_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _attempt(self, participant_id: str, logic: TurnLogic[T]) -> T:
        """The whole turn in one ``BEGIN IMMEDIATE`` … ``COMMIT``."""
        self._connection.execute("BEGIN IMMEDIATE")
        try:
            result = decide_and_write(self, participant_id, logic)
        except BaseException:
            self._connection.execute("ROLLBACK")
            raise
        self._connection.execute("COMMIT")
        return result


class CoreExecutor:
    """Runs turn statements through SQLAlchemy itself (any other database, e.g. in memory)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def fetch(self, name: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        statement = _store.statement(name, self._connection.dialect.name)
        return [tuple(row) for row in self._connection.execute(statement, params)]

    def write(self, op: Op) -> tuple[int, Any]:
        statement = _store.statement(op.statement, self._connection.dialect.name)
        params = {name: resolve(value) for name, value in op.params.items()}
        result = self._connection.execute(statement, params)
        returned = result.scalar() if result.returns_rows else None
        return result.rowcount, returned


# --------------------------------------------------------------------------- PostgreSQL


def _answer_in_one_statement(with_supersede: bool) -> Executable:
    """Save the person's row, (supersede an earlier answer,) add the answer: one statement.

    Built from fresh statement objects: deriving from one already compiled gave a CTE
    without its ``RETURNING`` columns (SQLAlchemy memoises them on first compile).

    Each part only acts if the person's row was saved over the version read, so the whole
    either happens or, on a conflict, does nothing at all.
    """
    saved = _store.save_conversation_statement().returning(Participant.id).cte("saved")
    was_saved = exists(saved.select())
    columns = Answer.__table__.c
    values = select(*(bindparam(name, type_=columns[name].type) for name in _store.ANSWER_COLUMNS))
    added = (
        insert(Answer)
        .from_select(_store.ANSWER_COLUMNS, values.where(was_saved))
        .returning(columns.id)
        .cte("added")
    )
    final = select(
        select(func.count()).select_from(saved).scalar_subquery().label("saved"),
        select(added.c.id).scalar_subquery().label("answer_id"),
    )
    if with_supersede:
        final = final.add_cte(_store.supersede_statement().where(was_saved).cte("superseded"))
    return final


_ANSWER_PATTERNS = {
    ("save_conversation", "add_answer"): False,
    ("save_conversation", "supersede", "add_answer"): True,
}


class RecentConversations:
    """Conversations this process saved lately, so its next turn need not read them back.

    Only a shortcut, never the record: the database holds every conversation, and a turn
    decided over a remembered one is saved only if the database's version still matches
    (otherwise it is read and decided again). Kept as the JSON text that was saved, so each
    turn gets its own copy; entries go after ``ttl`` seconds or when the oldest must make
    room, and at once when the person's data is erased.
    """

    def __init__(self, size: int = 10_000, ttl: float = 300.0) -> None:
        self._size, self._ttl = size, ttl
        self._entries: OrderedDict[str, tuple[float, str, int]] = OrderedDict()

    def get(self, participant_id: str) -> Snapshot | None:
        entry = self._entries.get(participant_id)
        if entry is None:
            return None
        saved_at, text, version = entry
        if time.monotonic() - saved_at > self._ttl:
            del self._entries[participant_id]
            return None
        return Snapshot(json.loads(text), version)

    def put(self, participant_id: str, text: str, version: int) -> None:
        self._entries[participant_id] = (time.monotonic(), text, version)
        self._entries.move_to_end(participant_id)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def drop(self, participant_id: str) -> None:
        self._entries.pop(participant_id, None)

    def __len__(self) -> int:
        return len(self._entries)


class PostgresTurns:
    """Runs turns on asyncpg connections: one round trip to read, one to write, usually.

    A person answering question after question is usually served by the same process, which
    remembers the conversation it just saved (:class:`RecentConversations`): then the answer
    costs a single round trip.
    """

    def __init__(self, dialect: Dialect) -> None:
        self.statements = Statements(dialect)
        self.recent = RecentConversations()
        self._answer = {
            flag: compile_statement(_answer_in_one_statement(flag), dialect)
            for flag in (False, True)
        }

    async def run(self, connection: Any, participant_id: str, logic: TurnLogic[T]) -> T:
        """Decide and write one turn; retried over the new conversation on a conflict."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await self._attempt(connection, participant_id, logic)
            except Conflict:
                if attempt == MAX_ATTEMPTS:
                    raise
                log.debug("turn for %s conflicted; deciding again", participant_id[:8])
            except BaseException:
                self.recent.drop(participant_id)
                raise
        raise AssertionError("unreachable")

    async def _attempt(self, connection: Any, participant_id: str, logic: TurnLogic[T]) -> T:
        snapshot = self.recent.get(participant_id)
        if snapshot is None:
            read = self.statements["read_conversation"]
            row = await connection.fetchrow(read.sql, participant_id)
            snapshot = _snapshot(None if row is None else read.row(row))
        # The remembered conversation is used once: a conflict reads the database's.
        self.recent.drop(participant_id)
        past = NO_PAST_RUNS
        if not snapshot.is_new and logic.needs_past_runs(snapshot):
            runs = self.statements["past_runs"]
            args = runs.args({"pid": participant_id, "active": _active(snapshot)})
            rows = [runs.row(row) for row in await connection.fetch(runs.sql, *args)]
            past = _store.past_runs_from_rows(rows)  # type: ignore[arg-type]
        result, ops = logic.decide(snapshot, past)
        pattern = tuple(op.statement for op in ops)
        if pattern in _ANSWER_PATTERNS:
            saved = await self._write_answer(
                connection, ops, _ANSWER_PATTERNS[pattern], participant_id
            )
        elif len(ops) == 1:
            saved = await self._write(connection, ops[0], participant_id)  # one statement
        else:
            async with connection.transaction():
                saved = await self._write(connection, ops[0], participant_id)
                for op in ops[1:]:
                    await self._write(connection, op, participant_id)
        if "conversation" in saved:  # not when the person's row was deleted
            self.recent.put(participant_id, saved["conversation"], snapshot.version + 1)
        return result

    async def _write(self, connection: Any, op: Op, participant_id: str) -> dict[str, Any]:
        """Run one op; the arguments it was given, by name (as sent to the database)."""
        compiled = self.statements[op.statement]
        args = compiled.args(op.params)
        if compiled.results:
            returned = await connection.fetchval(compiled.sql, *args)
            changed = 0 if returned is None else 1
            if op.result is not None:
                op.result.value = returned
        else:
            status = await connection.execute(compiled.sql, *args)
            changed = int(status.rsplit(" ", 1)[-1])
        if op.checked and changed != 1:
            raise Conflict(participant_id)
        return dict(zip(compiled.names, args, strict=True))

    async def _write_answer(
        self, connection: Any, ops: list[Op], with_supersede: bool, participant_id: str
    ) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for op in ops:
            params.update(op.params)
        compiled = self._answer[with_supersede]
        args = compiled.args(params)
        saved, answer_id = await connection.fetchrow(compiled.sql, *args)
        if saved != 1:
            raise Conflict(participant_id)
        result = ops[-1].result
        if result is not None:
            result.value = answer_id
        return dict(zip(compiled.names, args, strict=True))
