"""Each Telegram update is handled once, even if Telegram delivers it twice.

Telegram re-sends an update when it did not get a 200 in time, and a restart in polling mode
can fetch the last batch again. Before an update is handled its id is claimed in the
``telegram_update`` table; a second claim of the same id, from this process or any other,
fails and the update is ignored — no duplicate answer, reply or safeguarding alert.

The claim is taken before handling, so a process that dies mid-update loses that one update
(the person sees no reply and sends again) rather than risking it twice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.telegram.models import ProcessedUpdate
from surveys.database import Database
from surveys.models import utcnow

# Telegram keeps an undelivered update for 24 hours; keep ids a while longer than that.
KEEP_FOR = dt.timedelta(days=3)


async def claim(db: Database, update_id: int) -> bool:
    """True if this is the first time ``update_id`` is seen."""
    insert = sqlite_insert if db.sqlite else pg_insert
    statement = (
        insert(ProcessedUpdate)
        .values(update_id=update_id, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(ProcessedUpdate.update_id)
    )
    async with db.transaction() as session:
        claimed = (await session.execute(statement)).scalar_one_or_none()
    return claimed is not None


async def prune(db: Database, keep_for: dt.timedelta = KEEP_FOR) -> int:
    """Forget update ids older than ``keep_for``; returns how many were removed."""
    async with db.transaction() as session:
        result = await session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.received_at < utcnow() - keep_for)
        )
    return int(result.rowcount or 0)
