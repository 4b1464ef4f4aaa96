"""From a parent's answer to a staff answer back, through the real bot, analysis and sender.

The whole service runs as in production (aiohttp, python-telegram-bot, the survey service with
the real tagger and safeguarding screen, the database) against the fake Bot API; the only
things the test does by hand are what staff would do on the dashboard.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.updates import compose, replies
from bot.updates.disclosure import DisclosureRule
from bot.updates.sender import Sender, SenderConfig
from bot.updates.transport import BotAPITransport
from surveys.models import Answer, AnswerAnalysis, AnswerTag, SafeguardingAlert
from tests.fakes.telegram_api import FakeTelegramAPI, message_update
from tests.telegram.harness import TOKEN, BotHarness, Person

SURVEYS = Path(__file__).resolve().parent / "surveys"
WAIT = (
    "We have waited 18 months for an EHC needs assessment for our son and nobody tells us "
    "anything about when it will happen."
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    api = FakeTelegramAPI(TOKEN)
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def bot(
    fake: FakeTelegramAPI, database_url: str, tmp_path: Path
) -> AsyncIterator[BotHarness]:
    harness = BotHarness(
        fake, database_url, "webhook", tmp_path, surveys_dir=SURVEYS, updates_sender_in_web=False
    )
    await harness.start()
    yield harness
    await harness.stop()


def _sender(bot: BotHarness) -> Sender:
    assert bot.services is not None
    transport = BotAPITransport(TOKEN, bot.fake.base_url, timeout=10)
    config = SenderConfig(quiet=None, idle_sleep=0.05)  # this test runs at any hour
    return Sender(bot.services.db, transport, bot.services.wording, config)


async def _answer_the_survey(person: Person, story: str = WAIT) -> None:
    await person.send("/start s_waiting-gp_surgery")
    await person.tap("Yes, let's start")
    await person.tap("Parent or carer")
    await person.tap("Words")
    await person.tap("On behalf of my child")
    await person.send("18")
    await person.send(story)
    assert "Thank you" in person.last_text()


def _latest_with(person: Person, words: str) -> dict[str, Any]:
    """The newest message containing ``words``, as Telegram would have shown it."""
    for call in reversed(person.calls()):
        if call.method == "sendMessage" and words in call.params.get("text", ""):
            assert isinstance(call.result, dict)
            return {"message_id": call.result["message_id"], **call.params}
    raise AssertionError(f"no message with {words!r}; got {person.texts()[-3:]}")


async def _reply_to(person: Person, message: dict[str, Any], text: str) -> None:
    reply_to = {
        "message_id": message["message_id"],
        "date": 1,
        "chat": {"id": person.user_id, "type": "private"},
        "from": {"id": 4242, "is_bot": True, "first_name": "Everyone's Voice"},
        "text": message["text"],
    }
    update = message_update(
        person.fake.next_update_id(), person.user_id, text, reply_to_message=reply_to
    )
    await person.bot.deliver(update)


async def test_you_said_we_did_from_answer_to_staff_reply(bot: BotHarness) -> None:
    assert bot.services is not None
    db = bot.services.db
    parent = bot.person(7001)
    await _answer_the_survey(parent)
    async with db.reading() as session:
        tags = set(
            await session.scalars(
                select(AnswerTag.tag).join(Answer, Answer.id == AnswerTag.answer_id)
            )
        )
    assert "P1" in tags  # the real tagger heard "waiting for an assessment"

    # Opt in: hear back about what I answered about.
    await parent.send("/updates")
    assert "Right now you get no updates." in parent.last_text()
    await parent.tap("Things I answered about")
    assert parent.last_text().startswith("You chose: Things I answered about.")

    # Staff send an update tagged P1 to people who raised it.
    draft = compose.parse_draft(
        bot.services.wording,
        title="Shorter waits for assessments",
        text="You told us the wait for an EHC needs assessment was too long. We have taken on "
        "two more educational psychologists, and families now hear from us every month.",
        themes=["P1"],
        audience={"tagged": True},
    )
    reach = await compose.preview_reach(db, draft, DisclosureRule())
    assert reach.count == 1 and reach.phrase == "fewer than 10 people"
    update_id = await compose.save(db, draft, by="vic-officer")
    sender = _sender(bot)
    await sender.run_once()
    update = _latest_with(parent, "You said, we did: Shorter waits for assessments")
    assert update["disable_notification"] is True
    labels = [b["text"] for row in update["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["This helps", "Not really", "I have a question"]

    # "I have a question", then they write it.
    await parent.tap("I have a question")
    ask = _latest_with(parent, "Please type your question")
    assert ask["reply_markup"]["force_reply"] is True
    await _reply_to(parent, ask, "Does this mean our assessment will happen sooner?")
    assert parent.last_text().startswith("Thank you. We have passed this to the team.")

    # Staff see the words, never who wrote them, and answer.
    inbox = await replies.inbox(db)
    assert [item.text for item in inbox] == ["Does this mean our assessment will happen sooner?"]
    assert "7001" not in repr(inbox) and str(parent.user_id) not in repr(inbox)
    await replies.answer(db, inbox[0].reply_id, "Yes: assessments booked from March.", by="vic")
    await asyncio.wait_for(sender.run(until_done=True), timeout=30)  # one a second per chat
    await sender.transport.close()
    answer = _latest_with(parent, "Someone from the team has answered")
    assert "Yes: assessments booked from March." in answer["text"]
    assert "Shorter waits for assessments" in answer["text"]

    # The reply is voice like any answer: stored, themed and scored.
    async with db.reading() as session:
        stored = (
            await session.execute(select(Answer).where(Answer.survey_id == f"update:{update_id}"))
        ).scalar_one()
        reply_tags = set(
            await session.scalars(select(AnswerTag.tag).where(AnswerTag.answer_id == stored.id))
        )
        sentiment = await session.get(AnswerAnalysis, stored.id)
    assert stored.text == "Does this mean our assessment will happen sooner?"
    assert "P1" in reply_tags
    assert sentiment is not None


async def test_a_reply_that_sounds_unsafe_gets_help_at_once_and_stays_out_of_the_inbox(
    bot: BotHarness,
) -> None:
    assert bot.services is not None
    db = bot.services.db
    parent = bot.person(7002)
    await _answer_the_survey(parent)
    await parent.send("/updates")
    await parent.tap("Everything")
    draft = compose.parse_draft(
        bot.services.wording, title="Short breaks", text="More places from May.", themes=["P5"]
    )
    await compose.save(db, draft, by="vic")
    sender = _sender(bot)
    await sender.run_once()
    await sender.transport.close()
    update = _latest_with(parent, "You said, we did: Short breaks")

    before = len(parent.texts())
    await _reply_to(parent, update, "my dad hits me when he is angry and I am scared to go home")
    said = parent.texts()[-2:]
    assert "999" in said[0]  # the signposting card came first
    assert "\n".join(parent.since(before)).count("0800 1111") == 1, "the card, once"
    assert said[1].startswith("Thank you. We have passed this to the team.")
    async with db.reading() as session:
        alert = (await session.execute(select(SafeguardingAlert))).scalar_one()
        answer = await session.get(Answer, alert.answer_id)
    assert answer is not None and answer.restricted
    inbox = await replies.inbox(db)
    assert len(inbox) == 1 and inbox[0].restricted and inbox[0].text is None
    with pytest.raises(replies.InboxError, match="safeguarding lead"):
        await replies.answer(db, inbox[0].reply_id, "Hello", by="vic")


async def test_typing_after_an_update_still_reaches_the_survey_when_it_is_not_a_reply(
    bot: BotHarness,
) -> None:
    parent = bot.person(7003)
    await parent.send("/start s_waiting")
    await parent.tap("Yes, let's start")
    await parent.tap("Parent or carer")
    await parent.tap("Words")
    await parent.tap("On behalf of my child")
    await parent.send("7")
    assert "What has the wait been like" in parent.last_text()


async def test_updates_before_taking_part_explains_what_to_do(bot: BotHarness) -> None:
    stranger = bot.person(7004)
    await stranger.send("/updates")
    assert stranger.last_text().startswith("To get updates, first send /start.")


async def test_the_web_server_runs_the_sender_itself(
    fake: FakeTelegramAPI, database_url: str, tmp_path: Path
) -> None:
    bot = BotHarness(
        fake, database_url, "webhook", tmp_path, surveys_dir=SURVEYS, quiet_hours="00:00-00:00"
    )
    await bot.start()
    try:
        assert bot.services is not None
        assert bot.services.channels.get("updates") == "sending"
        parent = bot.person(7005)
        await _answer_the_survey(parent)
        await parent.send("/updates")
        await parent.tap("Everything")
        draft = compose.parse_draft(
            bot.services.wording, title="Play scheme", text="It opens in May.", themes=["P5"]
        )
        await compose.save(bot.services.db, draft, by="vic")
        for _ in range(100):  # the sender looks for due updates every few seconds
            if any("You said, we did: Play scheme" in t for t in parent.texts()):
                break
            await asyncio.sleep(0.2)
        assert any("You said, we did: Play scheme" in t for t in parent.texts())
    finally:
        await bot.stop()
