"""The sender against a local fake Bot API that answers 429, 403, 500 and slowly.

Real HTTP, a real database (SQLite and PostgreSQL), the real sender: every reachable person
gets the update exactly once, blocked people are marked, and no one-second window ever holds
more requests than the limit.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.updates import compose
from bot.updates.models import Outbox
from bot.updates.sender import Sender, SenderConfig
from bot.updates.transport import BotAPITransport
from surveys.database import Database
from surveys.models import Participant
from surveys.wording import Wording
from tests.fakes.telegram_api import Failure
from tests.updates.support import (
    Person,
    ScriptedFake,
    add_people,
    busiest_second,
)


@pytest.fixture
async def fake() -> AsyncIterator[ScriptedFake]:
    server = ScriptedFake()
    await server.start()
    yield server
    await server.stop()


async def _update(db: Database, wording: Wording, themes: list[str] | None = None) -> int:
    draft = compose.parse_draft(
        wording,
        title="Shorter waits for assessments",
        text="You told us the wait for an EHC needs assessment was too long. "
        "We have taken on two more educational psychologists.",
        themes=themes or ["P1"],
    )
    return await compose.save(db, draft, by="vic-officer")


def _sender(
    db: Database,
    fake: ScriptedFake,
    wording: Wording,
    sent: list[tuple[str, float]] | None = None,
    **config: object,
) -> Sender:
    options: dict[str, object] = {
        "rate": 40.0,
        "concurrency": 8,
        "backoff_base": 0.2,
        "idle_sleep": 0.05,
        "tick_seconds": 0.2,
    }
    options.update(config)
    transport = BotAPITransport(fake.token, fake.base_url, timeout=10)

    def note(chat: str) -> None:
        if sent is not None:
            sent.append((chat, time.monotonic()))

    return Sender(db, transport, wording, SenderConfig(**options), on_send=note)  # type: ignore[arg-type]


async def test_everyone_reachable_gets_it_once_under_the_limit_despite_failures(
    db: Database, fake: ScriptedFake, wording: Wording
) -> None:
    people = [Person(n) for n in range(120)]
    await add_people(db, people)
    blocked = {p.chat for p in people if p.number % 10 == 3}
    for person in people:
        if person.number % 10 == 3:
            fake.always[person.chat] = Failure(403)
        elif person.number % 20 == 5:
            fake.plans[person.chat] = [Failure(429, retry_after=1)]
        elif person.number % 10 == 7:
            fake.plans[person.chat] = [Failure(500), Failure(502)]
        elif person.number % 10 in (5, 9):
            fake.slow[person.chat] = 0.8
    update_id = await _update(db, wording)

    sent: list[tuple[str, float]] = []
    sender = _sender(db, fake, wording, sent, rate=25.0)
    await asyncio.wait_for(sender.run(until_done=True), timeout=60)
    await sender.transport.close()

    received = fake.received()
    reachable = {p.chat for p in people} - blocked
    assert set(received) == reachable
    assert all(count == 1 for count in received.values()), received.most_common(3)
    assert all(c.params.get("disable_notification") is True for c in fake.sends())
    # As requests left: never more than the configured 25 in any one second, and never two
    # to one chat within a second. As they arrived: never over Telegram's 30 a second.
    assert busiest_second([at for _, at in sent]) <= 25
    by_chat: dict[str, list[float]] = {}
    for chat, at in sent:
        by_chat.setdefault(chat, []).append(at)
    assert all(b - a >= 1.0 for times in by_chat.values() for a, b in itertools.pairwise(times))
    assert busiest_second([c.at for c in fake.sends()]) <= 30
    # Blocked people were tried once, marked, and are never tried again.
    assert all(sum(1 for c in fake.sends() if int(c.params["chat_id"]) == b) == 1 for b in blocked)
    async with db.reading() as session:
        states = dict(
            (
                await session.execute(
                    select(Outbox.state, func.count())
                    .where(Outbox.update_id == update_id)
                    .group_by(Outbox.state)
                )
            ).all()
        )
        unreachable = await session.scalar(
            select(func.count()).select_from(Participant).where(Participant.reachable.is_(False))
        )
    assert states == {"delivered": len(reachable), "blocked": len(blocked)}
    assert unreachable == len(blocked)
    assert sender.stats.rate_limited == 6


async def test_a_429_pauses_every_send_for_retry_after(
    db: Database, fake: ScriptedFake, wording: Wording
) -> None:
    people = [Person(n) for n in range(30)]
    await add_people(db, people)
    fake.plans[people[5].chat] = [Failure(429, retry_after=2)]
    await _update(db, wording)

    sender = _sender(db, fake, wording, rate=100.0, concurrency=1)
    await asyncio.wait_for(sender.run(until_done=True), timeout=30)
    await sender.transport.close()

    times = [c.at for c in fake.sends()]
    refused_at = fake.failed[0].at
    after = [t for t in times if t > refused_at]
    assert after and min(after) - refused_at >= 2.0  # nobody was sent to during the pause
    assert set(fake.received()) == {p.chat for p in people}


async def test_transient_errors_give_up_after_the_configured_attempts(
    db: Database, fake: ScriptedFake, wording: Wording
) -> None:
    people = [Person(n) for n in range(3)]
    await add_people(db, people)
    fake.always[people[1].chat] = Failure(500)
    fake.always[people[2].chat] = Failure(400, description="Bad Request: message is too long")
    await _update(db, wording)

    sender = _sender(db, fake, wording, max_attempts=3, backoff_base=0.05)
    await asyncio.wait_for(sender.run(until_done=True), timeout=30)
    await sender.transport.close()

    tries = [int(c.params["chat_id"]) for c in fake.sends()]
    assert tries.count(people[1].chat) == 3  # retried with backoff, then given up
    assert tries.count(people[2].chat) == 1  # a 400 is not retried
    async with db.reading() as session:
        rows = {
            r.participant_id: r for r in await session.scalars(select(Outbox).order_by(Outbox.id))
        }
    assert rows[people[0].id].state == "delivered"
    assert rows[people[1].id].state == "failed" and "500" in (rows[people[1].id].last_error or "")
    assert rows[people[2].id].state == "failed" and "too long" in (
        rows[people[2].id].last_error or ""
    )


async def test_a_picture_is_uploaded_once_then_sent_by_file_id(
    db: Database, fake: ScriptedFake, wording: Wording
) -> None:
    await add_people(db, [Person(n) for n in range(6)])
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    draft = compose.parse_draft(
        wording, title="New play scheme", text="It opens in May.", picture=png, themes=["P5"]
    )
    await compose.save(db, draft, by="vic")

    sender = _sender(db, fake, wording, concurrency=1)
    await asyncio.wait_for(sender.run(until_done=True), timeout=30)
    await sender.transport.close()

    photos = [c for c in fake.calls if c.method == "sendPhoto"]
    assert len(photos) == 6
    uploads = [c for c in photos if not isinstance(c.params.get("photo"), str)]
    assert len(uploads) == 1
    assert all("It opens in May." in c.params["caption"] for c in photos)
