"""Who gets what, and when: opt-in only, /stop wins, quiet hours, monthly round-ups.

The sender runs against the fake Bot API with a clock the test controls, so "22:30 in
London" and "08:00 next morning" happen when the test says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.updates import compose, replies
from bot.updates.clock import ManualClock
from bot.updates.fanout import fan_out_due
from bot.updates.models import Outbox
from bot.updates.numbers import update_numbers
from bot.updates.sender import Sender, SenderConfig
from bot.updates.subscriptions import choose
from bot.updates.transport import BotAPITransport
from config.settings import QuietHours
from surveys.database import Database
from surveys.definition import SurveyCatalog
from surveys.models import Participant
from surveys.service import ChannelRef, Pseudonymiser, SurveyService
from surveys.wording import Wording
from tests.updates.support import Person, ScriptedFake, add_people

LONDON = ZoneInfo("Europe/London")
# Well in the future, so rows stamped with the real time are already due on this clock.
EVENING = dt.datetime(2030, 1, 14, 22, 30, tzinfo=LONDON)


@pytest.fixture
async def fake() -> AsyncIterator[ScriptedFake]:
    server = ScriptedFake()
    await server.start()
    yield server
    await server.stop()


def _sender(db: Database, fake: ScriptedFake, wording: Wording, clock: ManualClock) -> Sender:
    config = SenderConfig(
        rate=50.0,
        quiet=QuietHours.parse("21:00-08:00"),
        tz=LONDON,
        idle_sleep=0.05,
    )
    return Sender(
        db, BotAPITransport(fake.token, fake.base_url, timeout=10), wording, config, clock=clock
    )


async def _update(
    db: Database, wording: Wording, when: dt.datetime, themes: list[str], title: str = "News"
) -> int:
    draft = compose.parse_draft(
        wording,
        title=title,
        text=f"{title}: what changed because of what you told us.",
        themes=themes,
        send_at=when,
    )
    return await compose.save(db, draft, by="vic")


async def test_quiet_hours_hold_updates_until_morning_but_never_hold_an_answer(
    db: Database, fake: ScriptedFake, wording: Wording, test_surveys: SurveyCatalog
) -> None:
    people = [Person(n) for n in range(3)]
    await add_people(db, people)
    clock = ManualClock(EVENING)
    update_id = await _update(db, wording, clock.now(), ["P1"])
    # Earlier, person 0 replied to an update; staff answer now, in the evening.
    store = replies.ReplyStore(SurveyService(db, test_surveys, wording, Pseudonymiser(b"k")))
    stored = await store.store(people[0].id, update_id, "When will this start?")
    await replies.answer(db, stored.reply_id, "In March.", by="vic")

    sender = _sender(db, fake, wording, clock)
    await sender.run_once()
    assert [int(c.params["chat_id"]) for c in fake.sends()] == [people[0].chat]
    assert "In March." in fake.sends()[0].params["text"]

    clock.set(dt.datetime(2030, 1, 15, 7, 59, tzinfo=LONDON))
    await sender.run_once()
    assert len(fake.sends()) == 1  # still quiet at 07:59

    clock.set(dt.datetime(2030, 1, 15, 8, 0, tzinfo=LONDON))
    await sender.run_once()
    await sender.transport.close()
    updates = fake.sends()[1:]
    assert sorted(int(c.params["chat_id"]) for c in updates) == sorted(p.chat for p in people)
    assert all(c.params["disable_notification"] is True for c in fake.sends())


async def test_nothing_proactive_reaches_anyone_who_did_not_ask_or_sent_stop(
    db: Database, fake: ScriptedFake, wording: Wording, test_surveys: SurveyCatalog
) -> None:
    service = SurveyService(db, test_surveys, wording, Pseudonymiser(b"test-key"))

    def pseudonym(n: int) -> str:
        return service.pseudonymise(ChannelRef("telegram", str(Person(n).chat)))

    asked = Person(0, pseudonym=pseudonym(0))
    never_asked = Person(1, subscribed=False, pseudonym=pseudonym(1))
    stopped = Person(2, pseudonym=pseudonym(2))
    turned_off = Person(3, active=False, pseudonym=pseudonym(3))
    other_topic = Person(4, topics=("P3",), pseudonym=pseudonym(4))
    raised_it = Person(5, topics=("answered",), tags=("P1",), pseudonym=pseudonym(5))
    raised_other = Person(6, topics=("answered",), tags=("P2",), pseudonym=pseudonym(6))
    stops_midway = Person(7, pseudonym=pseudonym(7))
    everyone = [asked, never_asked, stopped, turned_off, other_topic, raised_it, raised_other]
    await add_people(db, [*everyone, stops_midway])
    assert await service.stop_messages(ChannelRef("telegram", str(stopped.chat)))

    clock = ManualClock(dt.datetime(2030, 1, 15, 12, 0, tzinfo=LONDON))
    update_id = await _update(db, wording, clock.now(), ["P1"])
    await fan_out_due(db, clock.now())
    # After the rows are written but before they go, one more person sends /stop.
    assert await service.stop_messages(ChannelRef("telegram", str(stops_midway.chat)))

    sender = _sender(db, fake, wording, clock)
    await sender.run_once()
    await sender.transport.close()

    assert sorted(fake.received()) == sorted([asked.chat, raised_it.chat])
    async with db.reading() as session:
        rows = {
            r.participant_id: r.state
            for r in await session.scalars(select(Outbox).where(Outbox.update_id == update_id))
        }
    assert rows == {asked.id: "delivered", raised_it.id: "delivered", stops_midway.id: "skipped"}


async def test_choosing_updates_again_after_stop_is_a_fresh_opt_in(
    db: Database, fake: ScriptedFake, wording: Wording
) -> None:
    person = Person(0, stopped=True)
    await add_people(db, [person])
    clock = ManualClock(dt.datetime(2030, 1, 15, 12, 0, tzinfo=LONDON))
    await _update(db, wording, clock.now(), ["P1"], title="First")
    sender = _sender(db, fake, wording, clock)
    await sender.run_once()
    assert fake.received() == {}

    async with db.transaction() as session:
        await choose(session, person.id, topics=frozenset({"P1"}))
    clock.advance(hours=1)
    await _update(db, wording, clock.now(), ["P1"], title="Second")
    await sender.run_once()
    await sender.transport.close()
    assert [c.params["text"].splitlines()[0] for c in fake.sends()] == ["You said, we did: Second"]


async def test_monthly_round_up_gathers_the_months_updates_into_one_message(
    db: Database, fake: ScriptedFake, wording: Wording
) -> None:
    monthly, each = Person(0, frequency="monthly"), Person(1)
    polish = Person(2, frequency="monthly", language="pl")
    await add_people(db, [monthly, each, polish])
    clock = ManualClock(dt.datetime(2030, 1, 10, 12, 0, tzinfo=LONDON))
    sender = _sender(db, fake, wording, clock)
    first = await _update(db, wording, clock.now(), ["P1"], title="Assessments")
    await sender.run_once()
    clock.set(dt.datetime(2030, 1, 20, 12, 0, tzinfo=LONDON))
    await _update(db, wording, clock.now(), ["P5"], title="Transport")
    await sender.run_once()
    assert fake.received() == {each.chat: 2}

    clock.set(dt.datetime(2030, 2, 1, 9, 59, tzinfo=LONDON))
    await sender.run_once()
    assert monthly.chat not in fake.received()

    clock.set(dt.datetime(2030, 2, 1, 10, 0, tzinfo=LONDON))
    await sender.run_once()
    await sender.transport.close()
    roundups = [c for c in fake.sends() if int(c.params["chat_id"]) == monthly.chat]
    assert len(roundups) == 1
    text = roundups[0].params["text"]
    assert "January 2030" in text and "1. Assessments" in text and "2. Transport" in text
    buttons = [
        b["text"] for row in roundups[0].params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert buttons == ["Read 1", "Read 2"]
    numbers = await update_numbers(db, first, rule=None)  # raw: two people only
    assert numbers is not None
    assert numbers.figures["delivered"].value == 3 and numbers.figures["waiting"].value == 0
    (in_polish,) = [c for c in fake.sends() if int(c.params["chat_id"]) == polish.chat]
    assert "styczeń 2030" in in_polish.params["text"], "the month in the person's language"


async def test_a_cancelled_update_sends_nothing_more(
    db: Database, fake: ScriptedFake, wording: Wording
) -> None:
    await add_people(db, [Person(n) for n in range(4)])
    clock = ManualClock(EVENING)  # quiet hours: rows wait
    update_id = await _update(db, wording, clock.now(), ["P1"])
    sender = _sender(db, fake, wording, clock)
    await sender.run_once()
    assert await compose.cancel(db, update_id) == 4
    clock.advance(hours=12)
    await sender.run_once()
    await sender.transport.close()
    assert fake.sends() == []


async def test_blocked_people_are_not_tried_again(
    db: Database, fake: ScriptedFake, wording: Wording
) -> None:
    people = [Person(0), Person(1)]
    await add_people(db, people)
    async with db.transaction() as session:
        await session.execute(
            update(Participant).where(Participant.id == people[1].id).values(reachable=False)
        )
    clock = ManualClock(dt.datetime(2030, 1, 15, 12, 0, tzinfo=LONDON))
    await _update(db, wording, clock.now(), ["P1"])
    sender = _sender(db, fake, wording, clock)
    await sender.run_once()
    await sender.transport.close()
    assert set(fake.received()) == {people[0].chat}
