"""The webhook route: forged requests refused, repeated updates ignored, commands set."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.telegram import _updates
from bot.telegram.models import ProcessedUpdate
from surveys.models import Answer, Participant, SafeguardingAlert
from surveys.service import RiskFinding
from tests.fakes.telegram_api import message_update
from tests.telegram.answers import current_answers
from tests.telegram.harness import SECRET, BotHarness, Person
from tests.telegram.test_telegram_survey import onboard

CARD = "You can talk to someone now:\n• Childline: Call 0800 1111 (free)"


async def count(bot: BotHarness, model: Any) -> int:
    assert bot.services is not None
    async with bot.services.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_webhook_and_commands_are_set_at_start(bot: BotHarness) -> None:
    (webhook,) = bot.fake.calls_to("setWebhook")
    assert webhook.params["url"] == "https://bot.example.org/telegram"
    assert webhook.params["secret_token"] == SECRET
    assert set(webhook.params["allowed_updates"]) >= {"message", "callback_query"}
    commands, polish = bot.fake.calls_to("setMyCommands")
    names = [c["command"] for c in commands.params["commands"]]
    for name in ("start", "help", "surveys", "privacy", "mydata", "delete", "stop", "back"):
        assert name in names
    # People whose Telegram is in Polish see the menu in Polish.
    assert polish.params["language_code"] == "pl"
    assert [c["command"] for c in polish.params["commands"]] == names
    assert (
        polish.params["commands"][0]["description"] != commands.params["commands"][0]["description"]
    )


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x", SECRET[:-1], "é"])
async def test_a_forged_request_is_refused_before_the_body_is_read(
    bot: BotHarness, secret: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    update = message_update(bot.fake.next_update_id(), 601, "/start")
    with caplog.at_level(logging.WARNING, logger="security"):
        assert await bot.post(update, secret=secret) == 403
        assert bot.server is not None and bot.http is not None
        garbage = await bot.http.post(
            bot.server.make_url("/telegram"),
            data=b"{not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {},
        )
        assert garbage.status == 403, "refused before parsing: not 400 for a bad body"
    refusals = [r for r in caplog.records if r.name == "security"]
    assert len(refusals) == 2
    assert "refused" in refusals[0].getMessage() and "127.0.0.1" in refusals[0].getMessage()
    assert SECRET not in caplog.text
    assert bot.fake.calls_to("sendMessage") == []
    assert await count(bot, Participant) == 0
    assert await count(bot, ProcessedUpdate) == 0


async def test_a_request_with_the_secret_but_no_update_is_a_bad_request(bot: BotHarness) -> None:
    assert bot.server is not None and bot.http is not None
    url = bot.server.make_url("/telegram")
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert (await bot.http.post(url, data=b"{not json", headers=headers)).status == 400
    assert (await bot.http.post(url, json={"hello": 1}, headers=headers)).status == 400
    assert (await bot.http.post(url, json=[1, 2], headers=headers)).status == 400


async def test_a_replayed_update_is_ignored(bot: BotHarness) -> None:
    alerts: list[str] = []

    def screen(text: str, *, language: str = "en", easy: bool = False) -> RiskFinding | None:
        if "not safe" in text:
            alerts.append(text)
            return RiskFinding("harm", "immediate", text, "If you are in danger, call 999.", CARD)
        return None

    assert bot.services is not None
    bot.services.survey_service.screen = screen
    person = bot.person(602)
    await onboard(person)
    await person.send("3")  # not in school: a free-text follow-up
    update = message_update(bot.fake.next_update_id(), 602, "I am not safe at home")
    sent_before = len(bot.fake.calls_to("sendMessage"))
    assert await bot.post(update) == 200
    sent_once = len(bot.fake.calls_to("sendMessage")) - sent_before
    assert sent_once >= 2
    assert await bot.post(update) == 200  # Telegram delivers it again
    assert await bot.post(update) == 200
    assert len(bot.fake.calls_to("sendMessage")) - sent_before == sent_once, "no second reply"
    assert await count(bot, SafeguardingAlert) == 1
    assert len(alerts) == 1
    answers = await current_answers(bot, 602)
    assert answers["why_not"] == "I am not safe at home"
    assert await count(bot, Answer) == 2


async def test_a_replay_arriving_at_the_same_moment_is_ignored(bot: BotHarness) -> None:
    """Telegram's retry can cross the first delivery: still one answer, one reply."""
    person = bot.person(606)
    await person.send("/start s_all_types")
    update = message_update(bot.fake.next_update_id(), 606, "yes")
    others = [message_update(bot.fake.next_update_id(), 700 + i, "/start") for i in range(4)]
    sent_before = len(bot.fake.calls_to("sendMessage"))
    statuses = await asyncio.gather(*(bot.post(u) for u in [update, *others, update]))
    assert statuses == [200] * 6
    assert len(bot.fake.calls_to("sendMessage")) - sent_before == 5, "one reply per update"
    assert person.last_text() == "Which of these best describes you?"


async def test_update_ids_claimed_together_are_each_new_once(bot: BotHarness) -> None:
    assert bot.services is not None
    claims = _updates.Claims(bot.services.db)
    ids = [20, 21, 22, 20, 23, 21]
    firsts = await asyncio.gather(*(claims.claim(i) for i in ids))
    assert [i for i, first in zip(ids, firsts, strict=True) if first] == [20, 21, 22, 23]
    assert not any(await asyncio.gather(*(claims.claim(i) for i in (22, 20))))
    assert await _updates.claim(bot.services.db, 24), "one at a time still works"


async def test_replays_are_ignored_across_processes(make_bot: Callable[..., Any]) -> None:
    """Two instances on one database (two dynos): an update handled by one is not by the other."""
    first: BotHarness = await make_bot("webhook")
    second: BotHarness = await make_bot("webhook")
    person = first.person(603)
    await person.send("/start s_all_types")
    update = message_update(first.fake.next_update_id(), 603, "yes")
    assert await first.post(update) == 200
    replies = len(first.fake.calls_to("sendMessage"))
    assert await second.post(update) == 200
    assert len(first.fake.calls_to("sendMessage")) == replies
    assert first.person(603).last_text() == "Which of these best describes you?"


async def test_a_repeated_update_is_ignored_when_polling(make_bot: Callable[..., Any]) -> None:
    bot: BotHarness = await make_bot("polling")
    person: Person = bot.person(604)
    update = await person.send("/start")
    replies = len(person.texts())
    await bot.deliver(update)
    assert len(person.texts()) == replies


async def test_old_update_ids_are_forgotten(bot: BotHarness) -> None:
    assert bot.services is not None
    db = bot.services.db
    assert await _updates.claim(db, 10)
    assert not await _updates.claim(db, 10)
    async with db.transaction() as session:
        session.add(
            ProcessedUpdate(
                update_id=11, received_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=4)
            )
        )
    assert await _updates.prune(db) == 1
    assert not await _updates.claim(db, 10), "recent ids are kept"
    assert await _updates.claim(db, 11), "an id from days ago is gone"
