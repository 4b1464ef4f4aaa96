"""Each Telegram update is handled once, even if Telegram delivers it twice.

Telegram re-sends an update when it did not get a 200 in time, and a restart in polling mode
can fetch the last batch again. Before an update is handled its id is claimed in the
``telegram_update`` table; a second claim of the same id, from this process or any other,
fails and the update is ignored — no duplicate answer, reply or safeguarding alert.

The claim is taken before handling, so a process that dies mid-update loses that one update
(the person sees no reply and sends again) rather than risking it twice.

Under load :class:`Claims` takes the ids that arrive while a claim is in the database
together, in one statement: one transaction (and on SQLite one hop to the writer thread)
for many updates instead of one each.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from bot.telegram.models import ProcessedUpdate
from surveys.database import Database
from surveys.models import utcnow

# Telegram keeps an undelivered update for 24 hours; keep ids a while longer than that.
KEEP_FOR = dt.timedelta(days=3)


_CLAIM = {
    name: dialect_insert(ProcessedUpdate)
    .on_conflict_do_nothing(index_elements=["update_id"])
    .returning(ProcessedUpdate.update_id)
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}


async def claim(db: Database, update_id: int) -> bool:
    """True if this is the first time ``update_id`` is seen."""
    return update_id in await claim_all(db, [update_id])


async def claim_all(db: Database, update_ids: Iterable[int]) -> set[int]:
    """Claim every id in one transaction; returns those seen for the first time."""
    ids = sorted(set(update_ids))  # one order for every process: no deadlock between them

    def claim_in(conn: Connection) -> set[int]:
        now = utcnow()
        rows = conn.execute(
            _CLAIM[conn.dialect.name], [{"update_id": i, "received_at": now} for i in ids]
        )
        return {int(row[0]) for row in rows}

    return await db.run_sync(claim_in)


class Claims:
    """Claims update ids together: those that come while one claim is in the database wait
    for it and then go in one statement. The first claim after a quiet spell goes at once.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._waiting: dict[int, list[asyncio.Future[bool]]] = {}
        self._worker: asyncio.Task[None] | None = None

    async def claim(self, update_id: int) -> bool:
        """True if this is the first time ``update_id`` is seen (by any process)."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(update_id, []).append(future)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._claim_waiting())
        return await future

    async def _claim_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, {}
            fresh: set[int] = set()
            failure: Exception | None = None
            try:
                fresh = await claim_all(self.db, batch)
            except Exception as exc:  # noqa: BLE001 - each waiting update gets the failure
                failure = exc
            for update_id, futures in batch.items():
                for i, future in enumerate(futures):
                    if future.done():
                        continue  # its update was cancelled while waiting
                    if failure is not None:
                        future.set_exception(failure)
                    else:  # the same id twice at once: only the first of them is new
                        future.set_result(update_id in fresh and i == 0)


async def prune(db: Database, keep_for: dt.timedelta = KEEP_FOR) -> int:
    """Forget update ids older than ``keep_for``; returns how many were removed."""
    async with db.transaction() as session:
        result = await session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.received_at < utcnow() - keep_for)
        )
    return int(result.rowcount or 0)
