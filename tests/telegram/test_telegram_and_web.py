"""One survey definition, two channels: the real Telegram adapter and the web chat.

Both run in one service over one database. The same person's steps, taken through each channel,
must ask the same questions in the same order and store the same answers.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from surveys.models import Answer, SurveyRun
from tests.telegram.harness import BotHarness
from tests.web.chat_client import ChatPerson

QUESTIONS = [
    "Where does your child learn?",
    "Does your child have an EHC plan?",
    "How do you feel about the support?",
    "Which of these have helped?",
    "How many months did you wait?",
    "Tell us one thing that would make things better.",
]


async def _answers(bot: BotHarness) -> dict[str, dict[str, Any]]:
    assert bot.services is not None
    async with bot.services.db.reading() as session:
        rows = await session.execute(
            select(SurveyRun.channel, Answer.question_id, Answer.status, Answer.value, Answer.text)
            .join(SurveyRun, SurveyRun.id == Answer.run_id)
            .where(Answer.superseded_at.is_(None))
            .order_by(Answer.id)
        )
        by_channel: dict[str, dict[str, Any]] = {}
        for channel, question, status, value, text in rows:
            by_channel.setdefault(channel, {})[question] = (status, text if text else value)
        return by_channel


async def test_the_same_survey_through_telegram_and_the_web_chat(make_bot: Any) -> None:
    bot: BotHarness = await make_bot("webhook")
    assert bot.server is not None

    # --- Telegram, through python-telegram-bot and the fake Bot API
    person = bot.person(7001)
    await person.send("/start s_all_types")
    for label in ("Yes, let's start", "Parent or carer", "Words", "English", "My own experience"):
        await person.tap(label)
    telegram_asked = [person.last_text()]
    for how, what in [
        ("tap", "Special school"),
        ("tap", "Yes"),
        ("tap", "⬅ Back"),
        ("tap", "No"),
        ("tap", "Skip"),
        ("tap", "The SENCO"),
        ("tap", "Short breaks"),
        ("tap", "Done ✔"),
        ("send", "7"),
        ("send", "Someone who listens."),
    ]:
        await (person.tap(what) if how == "tap" else person.send(what))
        telegram_asked.append(person.last_text())

    # --- the web chat, with JavaScript off, on the same server
    async with TestClient(bot.server) as client:
        web = ChatPerson(client)
        page = await web.start_all_types()
        web_asked = [page.question()]
        for how, what in [
            ("press", "Special school"),
            ("press", "Yes"),
            ("press", "Back"),
            ("press", "No"),
            ("press", "Skip"),
            ("tick", ("The SENCO", "Short breaks")),
            ("type", "7"),
            ("type", "Someone who listens."),
        ]:
            if how == "press":
                page = await web.press(what)
            elif how == "tick":
                page = await web.press("Done", ticks=what)
            else:
                page = await web.type(what)
            web_asked.append(page.question())

    def order(asked: list[str]) -> list[str]:
        seen = [next((q for q in QUESTIONS if q in text), "") for text in asked]
        return [q for i, q in enumerate(seen) if q and (i == 0 or q != seen[i - 1])]

    school, ehcp, feel = QUESTIONS[:3]
    expected = [school, ehcp, feel, ehcp, feel, *QUESTIONS[3:]]  # Back from 'feel' to 'ehcp'

    assert order(telegram_asked) == expected
    assert order(web_asked) == expected

    stored = await _answers(bot)
    assert set(stored) == {"telegram", "web"}
    assert (
        stored["telegram"]
        == stored["web"]
        == {
            "school": ("answered", "special"),
            "ehcp": ("answered", "no"),
            "feel": ("skipped", None),
            "help": ("answered", ["senco", "short_breaks"]),
            "waited": ("answered", 7),
            "story": ("answered", "Someone who listens."),
        }
    )
