"""A child who says they are not safe, in a Telegram answer: support at once, an alert, a notice
to the safeguarding chat, and their words in no summary or download."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from analysis.exports import Format, export
from analysis.summary import Filters, build_summary
from surveys.models import Answer, AnswerTag, SafeguardingAlert
from tests.telegram.harness import BotHarness
from tests.telegram.test_telegram_survey import onboard

SAFEGUARDING_CHAT = -100777
DISCLOSURE = "my step dad hits me and i dont feel safe at home"


@pytest.fixture
async def bot(make_bot) -> BotHarness:  # noqa: ANN001 - the conftest factory
    return await make_bot(
        "webhook", safeguarding_chat_id=SAFEGUARDING_CHAT, public_url="https://voice.example.org"
    )


async def test_a_disclosure_gets_support_an_alert_and_reaches_no_export(bot: BotHarness) -> None:
    person = bot.person(901)
    await onboard(person)
    await person.send("3")  # not in school: the next question is free text
    before = len(person.texts())
    await person.send(DISCLOSURE)
    assert bot.services is not None
    await bot.services.survey_service.drain()

    replies = person.texts()[before:]
    support = replies[0]
    assert "999" in support and "0800 1111" in support, "the help card comes first"
    assert support.index("Thank you for telling me") < support.index("You can talk to someone")
    assert "council" in support and "secret" not in support.lower()
    assert "Does your child have an EHC plan?" in replies[-1], "then the survey carries on"

    async with bot.services.db.reading() as session:
        (alert,) = (await session.scalars(select(SafeguardingAlert))).all()
        answer = await session.get(Answer, alert.answer_id)
        tags = (await session.scalars(select(AnswerTag))).all()
    assert alert.status == "open" and alert.category and alert.level in ("immediate", "concern")
    assert answer is not None and answer.restricted and answer.text == DISCLOSURE
    assert tags == [], "a possible disclosure is never themed as data"

    (notice,) = [
        c for c in bot.fake.calls_to("sendMessage") if int(c.params["chat_id"]) == SAFEGUARDING_CHAT
    ]
    assert f"alert #{alert.id}" in notice.params["text"]
    assert "https://voice.example.org/dashboard/alerts" in notice.params["text"]
    assert "hits me" not in notice.params["text"], "the words stay in the restricted page"

    summary = await build_summary(
        bot.services.db, bot.services.surveys, Filters(), require_quote_approval=False
    )
    for fmt in Format:
        body = export(summary, fmt).body
        for fragment in (DISCLOSURE, "step dad", "hits me"):
            assert fragment.encode() not in body, f"{fmt.value} holds the disclosure"


async def test_after_a_disclosure_the_help_card_is_shown_exactly_once(bot: BotHarness) -> None:
    person = bot.person(902)
    await onboard(person)
    await person.send("3")
    before = len(person.texts())
    await person.send(DISCLOSURE)

    seen = "\n".join(person.since(before))
    assert seen.count("You can talk to someone now:") == 1
    for number in ("Call 999", "0800 1111", "85258", "116 123", "mindmate.org.uk"):
        assert seen.count(number) == 1, f"{number} shown {seen.count(number)} times"
