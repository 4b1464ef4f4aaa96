"""The outbox's storage side: claim rows with a lease, renew it, record what happened.

A sender *claims* a handful of due rows in one short transaction: their state becomes
``sending``, ``claimed_by`` names the sender and ``lease_until`` says until when. On
PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED``, so two senders never take the
same row; on SQLite ``BEGIN IMMEDIATE`` makes the claim one writer at a time. A sender that
dies leaves its rows ``sending``; once the lease runs out any sender takes them again. Every
result is written back only if the row is still this sender's, so a sender that lost its
lease cannot overwrite another's work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.updates.models import Outbox, UpdateReply, UpdateSubscription, YouSaidUpdate
from surveys.database import Database
from surveys.models import ChannelAddress, Participant

PROACTIVE = ("update", "roundup")  # held in quiet hours; need a live opt-in
RESPONSIVE = ("answer",)  # replies to someone who wrote in: never held
CHANNEL = "telegram"

_outbox = Outbox.__table__


@dataclass(slots=True)
class Job:
    """A claimed row with what the sender needs to deliver it."""

    id: int
    kind: str
    participant_id: str
    update_id: int | None
    reply_id: int | None
    attempts: int
    context: dict[str, Any]
    address: str | None = None
    language: str = ""
    easy: bool = False
    may_contact: bool = False  # opted in, not stopped, not known to be blocked

    @property
    def proactive(self) -> bool:
        return self.kind in PROACTIVE


@dataclass(slots=True)
class Result:
    """What happened to one job. ``outcome`` is a state to write, or ``retry``/``release``."""

    job: Job
    outcome: str  # delivered | blocked | failed | skipped | retry | release
    error: str | None = None
    message_id: int | None = None
    not_before: dt.datetime | None = None
    attempts: int | None = None
    file_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


async def claim(
    db: Database,
    me: str,
    now: dt.datetime,
    *,
    limit: int,
    lease_seconds: float,
    chat_interval: float,
    quiet: bool,
) -> list[Job]:
    """Take up to ``limit`` due rows for ``me``; in quiet hours only replies are due."""
    async with db.transaction() as session:
        ids = await _claim_ids(session, me, now, limit, lease_seconds, chat_interval, quiet)
        if not ids:
            return []
        return await _jobs(session, ids)


async def _claim_ids(
    session: AsyncSession,
    me: str,
    now: dt.datetime,
    limit: int,
    lease_seconds: float,
    chat_interval: float,
    quiet: bool,
) -> list[int]:
    """Rows a dead sender left behind first, then due rows, oldest first.

    Each pick walks the ``(state, not_before)`` index and stops after ``limit`` rows, so a
    claim costs about the same with ten rows waiting or a million.
    """
    other = _outbox.alias("busy")
    busy_chat = exists().where(
        other.c.participant_id == _outbox.c.participant_id,
        other.c.id != _outbox.c.id,
        or_(
            and_(other.c.state == "sending", other.c.lease_until > now),
            other.c.sent_at > now - dt.timedelta(seconds=chat_interval),
        ),
    )
    abandoned = and_(_outbox.c.state == "sending", _outbox.c.lease_until < now)
    due = and_(_outbox.c.state == "pending", _outbox.c.not_before <= now)
    lease = now + dt.timedelta(seconds=lease_seconds)
    claimed: list[int] = []
    for condition, order in ((abandoned, _outbox.c.lease_until), (due, _outbox.c.not_before)):
        if len(claimed) >= limit:
            break
        picked = select(_outbox.c.id).where(condition, ~busy_chat)
        if quiet:
            picked = picked.where(_outbox.c.kind.in_(RESPONSIVE))
        picked = (
            picked.order_by(order, _outbox.c.id)
            .limit(limit - len(claimed))
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(_outbox)
            .where(_outbox.c.id.in_(picked.scalar_subquery()))
            .values(state="sending", claimed_by=me, lease_until=lease)
            .returning(_outbox.c.id)
        )
        claimed.extend((await session.execute(statement)).scalars())
    return sorted(claimed)


async def _jobs(session: AsyncSession, ids: Sequence[int]) -> list[Job]:
    query = (
        select(
            Outbox.id,
            Outbox.kind,
            Outbox.participant_id,
            Outbox.update_id,
            Outbox.reply_id,
            Outbox.attempts,
            Outbox.context,
            ChannelAddress.address,
            Participant.language,
            Participant.format,
            Participant.age_band,
            Participant.reachable,
            Participant.stopped_at,
            UpdateSubscription.active,
        )
        .join(Participant, Participant.id == Outbox.participant_id)
        .outerjoin(
            ChannelAddress,
            and_(
                ChannelAddress.participant_id == Outbox.participant_id,
                ChannelAddress.channel == CHANNEL,
            ),
        )
        .outerjoin(UpdateSubscription, UpdateSubscription.participant_id == Outbox.participant_id)
        .where(Outbox.id.in_(list(ids)))
        .order_by(Outbox.id)
    )
    jobs = []
    for row in await session.execute(query):
        jobs.append(
            Job(
                id=row.id,
                kind=row.kind,
                participant_id=row.participant_id,
                update_id=row.update_id,
                reply_id=row.reply_id,
                attempts=row.attempts,
                context=dict(row.context or {}),
                address=row.address,
                language=row.language or "",
                easy=row.format == "easy" or row.age_band == "under_13",
                may_contact=bool(row.active and row.reachable and row.stopped_at is None),
            )
        )
    return jobs


async def renew(db: Database, me: str, now: dt.datetime, lease_seconds: float) -> int:
    """Keep this sender's claimed rows reserved while it is still working on them."""
    async with db.transaction() as session:
        result = await session.execute(
            update(_outbox)
            .where(_outbox.c.claimed_by == me, _outbox.c.state == "sending")
            .values(lease_until=now + dt.timedelta(seconds=lease_seconds))
        )
        return int(result.rowcount or 0)


async def record(db: Database, me: str, results: Iterable[Result], now: dt.datetime) -> None:
    """Write a batch of results in one transaction (a group commit)."""
    by_outcome: dict[str, list[Result]] = {}
    for result in results:
        by_outcome.setdefault(result.outcome, []).append(result)
    async with db.transaction() as session:
        for outcome, batch in by_outcome.items():
            await _record(session, me, outcome, batch, now)
        await _remember_pictures(session, [r for r in results if r.file_id])


_MINE = and_(
    _outbox.c.id == bindparam("b_row_id"),
    _outbox.c.claimed_by == bindparam("b_me"),
    _outbox.c.state == "sending",
)


async def _record(
    session: AsyncSession, me: str, outcome: str, batch: list[Result], now: dt.datetime
) -> None:
    if outcome == "delivered":
        values: dict[str, Any] = {
            "state": "delivered",
            "sent_at": now,
            "message_id": bindparam("b_message_id"),
            "last_error": None,
            "lease_until": None,
        }
        params = [{"b_row_id": r.job.id, "b_me": me, "b_message_id": r.message_id} for r in batch]
    elif outcome in ("blocked", "failed", "skipped"):
        values = {"state": outcome, "last_error": bindparam("b_error"), "lease_until": None}
        params = [
            {"b_row_id": r.job.id, "b_me": me, "b_error": (r.error or "")[:200]} for r in batch
        ]
    elif outcome in ("retry", "release"):
        values = {
            "state": "pending",
            "not_before": bindparam("b_not_before"),
            "attempts": bindparam("b_attempts"),
            "last_error": bindparam("b_error"),
            "lease_until": None,
            "claimed_by": None,
        }
        params = [
            {
                "b_row_id": r.job.id,
                "b_me": me,
                "b_not_before": r.not_before or now,
                "b_attempts": r.job.attempts if r.attempts is None else r.attempts,
                "b_error": (r.error or "")[:200] or None,
            }
            for r in batch
        ]
    else:
        raise ValueError(f"unknown outcome {outcome!r}")
    connection = await session.connection()
    await connection.execute(update(_outbox).where(_MINE).values(**values), params)
    if outcome == "blocked":
        people = sorted({r.job.participant_id for r in batch})
        await session.execute(
            update(Participant).where(Participant.id.in_(people)).values(reachable=False)
        )


async def _remember_pictures(session: AsyncSession, results: list[Result]) -> None:
    for result in results:
        if result.job.update_id is None:
            continue
        await session.execute(
            update(YouSaidUpdate)
            .where(
                YouSaidUpdate.id == result.job.update_id, YouSaidUpdate.picture_file_id.is_(None)
            )
            .values(picture_file_id=result.file_id)
        )


async def release_mine(db: Database, me: str) -> int:
    """Hand back every row this sender still holds (a clean shutdown)."""
    async with db.transaction() as session:
        result = await session.execute(
            update(_outbox)
            .where(_outbox.c.claimed_by == me, _outbox.c.state == "sending")
            .values(state="pending", claimed_by=None, lease_until=None)
        )
        return int(result.rowcount or 0)


async def outstanding(db: Database) -> int:
    """Messages still to go now or later, and updates scheduled but not yet written out.

    Rows waiting for a monthly round-up are not counted: they are the round-up's business.
    """
    async with db.reading() as session:
        rows = await session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.state.in_(("pending", "sending")))
        )
        scheduled = await session.scalar(
            select(func.count())
            .select_from(YouSaidUpdate)
            .where(YouSaidUpdate.status == "scheduled")
        )
    return int(rows or 0) + int(scheduled or 0)


async def staff_answers(session: AsyncSession, reply_ids: Sequence[int]) -> dict[int, UpdateReply]:
    if not reply_ids:
        return {}
    rows = await session.scalars(select(UpdateReply).where(UpdateReply.id.in_(list(reply_ids))))
    return {row.id: row for row in rows}
