"""People's choices about hearing back: off until chosen, one tap to change, ``/stop`` wins.

A choice is stored as a :class:`~bot.updates.models.UpdateSubscription` row (on or off, and
how often) and its topics. Nothing is sent to anyone without a row that says ``active``, and
nothing proactive reaches anyone who sent ``/stop`` after they last chose; a new choice made
after ``/stop`` is a fresh, explicit opt-in and turns messages back on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.updates.models import SubscriptionTopic, UpdateSubscription
from bot.updates.topics import ANSWERED, EVERYTHING, FREQUENCIES, TOPICS
from surveys.models import Participant, utcnow


class ChoiceError(ValueError):
    """A topic or frequency that does not exist."""


@dataclass(frozen=True, slots=True)
class Choice:
    """What a person chose. ``stopped`` means they sent /stop after their last choice."""

    active: bool = False
    topics: frozenset[str] = frozenset()
    frequency: str = "each"
    stopped: bool = False

    @property
    def receiving(self) -> bool:
        return self.active and bool(self.topics) and not self.stopped


async def get_choice(session: AsyncSession, participant_id: str) -> Choice:
    row = await session.get(UpdateSubscription, participant_id)
    person = await session.get(Participant, participant_id)
    stopped = bool(person is not None and person.stopped_at is not None)
    if row is None:
        return Choice(stopped=stopped)
    topics = await session.scalars(
        select(SubscriptionTopic.topic).where(SubscriptionTopic.participant_id == participant_id)
    )
    return Choice(row.active, frozenset(topics), row.frequency, stopped)


async def choose(
    session: AsyncSession,
    participant_id: str,
    *,
    topics: frozenset[str] | None = None,
    frequency: str | None = None,
    active: bool | None = None,
    now: dt.datetime | None = None,
) -> Choice:
    """Record a choice; unspecified parts stay as they were. Returns the new choice.

    Choosing topics (or turning updates on) is an explicit opt-in, so it also lifts an
    earlier ``/stop``; turning updates off never needs one.
    """
    now = now or utcnow()
    before = await get_choice(session, participant_id)
    new_topics = before.topics if topics is None else _checked_topics(topics)
    new_frequency = before.frequency if frequency is None else _checked_frequency(frequency)
    new_active = before.active if active is None else active
    if topics is not None and active is None:
        new_active = bool(new_topics)
    await _upsert(session, participant_id, new_active, new_frequency, now)
    if topics is not None:
        await session.execute(
            delete(SubscriptionTopic).where(SubscriptionTopic.participant_id == participant_id)
        )
        session.add_all(
            SubscriptionTopic(participant_id=participant_id, topic=t) for t in new_topics
        )
    stopped = before.stopped
    if new_active and new_topics:
        await session.execute(
            update(Participant)
            .where(Participant.id == participant_id)
            .values(stopped_at=None, reachable=True)
        )
        stopped = False
    await session.flush()
    return Choice(new_active, new_topics, new_frequency, stopped)


async def turn_off(session: AsyncSession, participant_id: str) -> Choice:
    return await choose(session, participant_id, active=False)


def toggled(topics: frozenset[str], topic: str) -> frozenset[str]:
    """The topics after one tap on ``topic`` in the "choose topics" list.

    Picking single topics replaces "everything", which would otherwise swallow them.
    """
    current = topics - {EVERYTHING}
    return current - {topic} if topic in current else current | {topic}


def _checked_topics(topics: frozenset[str]) -> frozenset[str]:
    unknown = set(topics) - set(TOPICS) - {EVERYTHING}
    if unknown:
        raise ChoiceError(f"unknown topics: {', '.join(sorted(unknown))}")
    if EVERYTHING in topics:
        return frozenset({EVERYTHING})
    return frozenset(topics)


def _checked_frequency(frequency: str) -> str:
    if frequency not in FREQUENCIES:
        raise ChoiceError(f"frequency must be one of {', '.join(FREQUENCIES)}")
    return frequency


async def _upsert(
    session: AsyncSession, participant_id: str, active: bool, frequency: str, now: dt.datetime
) -> None:
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(UpdateSubscription).values(
        participant_id=participant_id,
        active=active,
        frequency=frequency,
        chosen_at=now,
        changed_at=now,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["participant_id"],
            set_={"active": active, "frequency": frequency, "changed_at": now},
        )
    )


__all__ = [
    "ANSWERED",
    "EVERYTHING",
    "Choice",
    "ChoiceError",
    "choose",
    "get_choice",
    "toggled",
    "turn_off",
]
