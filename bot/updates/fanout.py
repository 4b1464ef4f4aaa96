"""From a due update to one outbox row per person; from waiting rows to monthly round-ups.

Fan-out is one ``INSERT … SELECT`` in the same transaction that marks the update sent, so it
happens once or not at all: a crash halfway leaves the update scheduled and no rows. People
who asked for a monthly round-up get a row in state ``roundup``; on the round-up day those
rows are gathered into one ``roundup`` message per person.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import case, insert, literal, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.updates.audience import Audience, recipients
from bot.updates.models import Outbox, YouSaidUpdate
from surveys.database import Database

log = logging.getLogger(__name__)


async def fan_out_due(db: Database, now: dt.datetime) -> list[tuple[int, int]]:
    """Write outbox rows for every scheduled update whose time has come.

    Returns (update id, people) for each update fanned out.
    """
    done = []
    while True:
        async with db.transaction() as session:
            row = await _next_due(session, now)
            if row is None:
                return done
            people = await _fan_out(session, row, now)
            done.append((row.id, people))
        log.info("update %s: %s outbox rows written", row.id, people)


async def _next_due(session: AsyncSession, now: dt.datetime) -> YouSaidUpdate | None:
    query = (
        select(YouSaidUpdate)
        .where(YouSaidUpdate.status == "scheduled", YouSaidUpdate.send_at <= now)
        .order_by(YouSaidUpdate.send_at, YouSaidUpdate.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _fan_out(session: AsyncSession, row: YouSaidUpdate, now: dt.datetime) -> int:
    audience = Audience(**(row.audience or {}))
    people = recipients(list(row.themes or []), audience).subquery()
    state = case((people.c.frequency == "monthly", "roundup"), else_="pending")
    source = select(
        literal("update"),
        literal(row.id),
        people.c.id,
        state,
        literal(now, Outbox.not_before.type),
        literal(0),
        literal_column("'{}'"),
        literal(now, Outbox.created_at.type),
    )
    columns = [
        "kind",
        "update_id",
        "participant_id",
        "state",
        "not_before",
        "attempts",
        "context",
        "created_at",
    ]
    result = await session.execute(insert(Outbox).from_select(columns, source))
    await session.execute(
        update(YouSaidUpdate).where(YouSaidUpdate.id == row.id).values(status="sent", sent_at=now)
    )
    return int(result.rowcount or 0)


# --------------------------------------------------------------------------- round-ups


def last_roundup(now: dt.datetime, day: int, hour: int, tz: ZoneInfo) -> dt.datetime:
    """The most recent round-up moment at or before ``now`` (local ``day`` at ``hour``)."""
    local = now.astimezone(tz)
    moment = dt.datetime(local.year, local.month, day, hour, tzinfo=tz)
    if moment > local:
        year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
        moment = dt.datetime(year, month, day, hour, tzinfo=tz)
    return moment.astimezone(dt.UTC)


async def gather_roundups(
    db: Database, now: dt.datetime, *, day: int, hour: int, tz: ZoneInfo
) -> int:
    """Bundle every person's waiting rows from before the last round-up moment into one."""
    moment = last_roundup(now, day, hour, tz)
    # "2026-11": worded in each person's language when their round-up is drawn
    covering = (moment.astimezone(tz) - dt.timedelta(days=1)).strftime("%Y-%m")
    async with db.transaction() as session:
        waiting = (
            await session.execute(
                select(Outbox.id, Outbox.participant_id, Outbox.update_id)
                .where(Outbox.state == "roundup", Outbox.created_at < moment)
                .order_by(Outbox.id)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not waiting:
            return 0
        by_person: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for row_id, participant_id, update_id in waiting:
            by_person[participant_id].append((row_id, update_id))
        for participant_id, rows in by_person.items():
            bundle = Outbox(
                kind="roundup",
                participant_id=participant_id,
                state="pending",
                not_before=now,
                attempts=0,
                context={"updates": [u for _, u in rows], "month": covering},
                created_at=now,
            )
            session.add(bundle)
            await session.flush()
            await session.execute(
                update(Outbox)
                .where(Outbox.id.in_([r for r, _ in rows]))
                .values(state="bundled", roundup_id=bundle.id)
            )
    log.info("monthly round-up: %s people", len(by_person))
    return len(by_person)
