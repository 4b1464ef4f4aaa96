"""Helpers for the updates tests: people in the store, and a fake Telegram that misbehaves."""

from __future__ import annotations

import asyncio
import bisect
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy import insert

from bot.updates.models import SubscriptionTopic, UpdateSubscription
from surveys.database import Database
from surveys.models import Answer, AnswerTag, ChannelAddress, Participant
from tests.fakes.telegram_api import Call, Failure, FakeTelegramAPI

SENDING = {"sendMessage", "sendPhoto"}
START = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)


@dataclass
class Person:
    """Someone in the store, as a test sets them up."""

    number: int
    topics: Sequence[str] = ("all",)
    frequency: str = "each"
    active: bool = True
    role: str = "parent_carer"
    age_band: str | None = None
    language: str = "en"
    format: str = "words"
    tags: Sequence[str] = ()
    stopped: bool = False
    subscribed: bool = True
    pseudonym: str | None = None  # the id the survey service would give them
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.pseudonym or f"person-{self.number:06d}"

    @property
    def chat(self) -> int:
        return 500_000 + self.number


async def add_people(db: Database, people: Iterable[Person], when: dt.datetime = START) -> None:
    """Insert people in bulk, with a Telegram address, a choice and tagged answers."""
    people = list(people)
    participants, addresses, subscriptions, topics, answers, tags = [], [], [], [], [], []
    for person in people:
        participants.append(
            {
                "id": person.id,
                "created_at": when,
                "last_seen_at": when,
                "role": person.role,
                "age_band": person.age_band,
                "format": person.format,
                "language": person.language,
                "consented_at": when,
                "conversation": {},
                "reachable": not person.stopped,
                "stopped_at": when if person.stopped else None,
            }
        )
        addresses.append(
            {
                "participant_id": person.id,
                "channel": "telegram",
                "address": str(person.chat),
                "created_at": when,
            }
        )
        if person.subscribed:
            subscriptions.append(
                {
                    "participant_id": person.id,
                    "active": person.active,
                    "frequency": person.frequency,
                    "chosen_at": when - dt.timedelta(days=1),
                    "changed_at": when - dt.timedelta(days=1),
                }
            )
            topics.extend({"participant_id": person.id, "topic": t} for t in person.topics)
    async with db.transaction() as session:
        for model, rows in (
            (Participant, participants),
            (ChannelAddress, addresses),
            (UpdateSubscription, subscriptions),
            (SubscriptionTopic, topics),
        ):
            for start in range(0, len(rows), 2000):
                if rows[start : start + 2000]:
                    await session.execute(insert(model), rows[start : start + 2000])
        for person in people:
            if person.tags:
                answer_id = (
                    await session.execute(
                        insert(Answer)
                        .values(
                            participant_id=person.id,
                            survey_id="waiting",
                            survey_version=1,
                            question_id="story",
                            status="answered",
                            text="something about " + ", ".join(person.tags),
                            created_at=when - dt.timedelta(days=40),
                            restricted=False,
                        )
                        .returning(Answer.id)
                    )
                ).scalar_one()
                answers.append(answer_id)
                tags.extend(
                    {
                        "answer_id": answer_id,
                        "tag": tag,
                        "kind": "priority",
                        "score": 1.0,
                        "reasons": ["test"],
                        "tagger_version": "test",
                    }
                    for tag in person.tags
                )
        if tags:
            await session.execute(insert(AnswerTag), tags)


class ScriptedFake(FakeTelegramAPI):
    """The fake Bot API with a script per chat: fail these attempts, answer that one slowly.

    ``plans[chat]`` lists what to do on each attempt (a :class:`Failure`, or None to
    succeed); ``always[chat]`` applies once the plan runs out; ``slow[chat]`` delays a
    successful answer by that many seconds (the message counts as received on arrival).
    """

    def __init__(self) -> None:
        super().__init__()
        self.plans: dict[int, list[Failure | None]] = {}
        self.always: dict[int, Failure] = {}
        self.slow: dict[int, float] = {}
        self.failed: list[Call] = []
        self._attempts: Counter[int] = Counter()
        self.rules.append(self._script)

    def _script(self, method: str, params: dict[str, Any]) -> Failure | None:
        if method not in SENDING:
            return None
        chat = int(params.get("chat_id", 0))
        attempt = self._attempts[chat]
        self._attempts[chat] += 1
        plan = self.plans.get(chat, [])
        failure = plan[attempt] if attempt < len(plan) else self.always.get(chat)
        if failure is not None:
            self.failed.append(self.calls[-1])
        return failure

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        response = await super()._dispatch(request)
        if response.status == 200 and self.slow:
            try:
                body = await request.json()
            except ValueError:
                body = dict(await request.post())
            delay = self.slow.get(int(body.get("chat_id", 0) or 0), 0.0)
            if delay:
                await asyncio.sleep(delay)
        return response

    def sends(self) -> list[Call]:
        return [c for c in self.calls if c.method in SENDING]

    def received(self) -> Counter[int]:
        """Messages Telegram accepted, per chat (failed attempts not counted)."""
        failed = {id(c) for c in self.failed}
        return Counter(int(c.params["chat_id"]) for c in self.sends() if id(c) not in failed)


def busiest_second(times: Sequence[float], window: float = 1.0) -> int:
    """The most requests in any window of ``window`` seconds (half-open)."""
    ordered = sorted(times)
    best = 0
    for i, start in enumerate(ordered):
        best = max(best, bisect.bisect_left(ordered, start + window) - i)
    return best
