"""Many people at once, each person's messages in the order they sent them."""

from __future__ import annotations

import asyncio
import time

from tests.fakes.telegram_api import message_update
from tests.telegram.answers import current_answers
from tests.telegram.harness import BotHarness
from tests.telegram.test_telegram_survey import onboard


async def test_one_persons_messages_are_taken_in_order(bot: BotHarness) -> None:
    person = bot.person(1201)
    await onboard(person)
    bot.fake.delay = 0.15  # Telegram is slow today: each reply takes a while
    first = message_update(bot.fake.next_update_id(), 1201, "1")
    second = message_update(bot.fake.next_update_id(), 1201, "yes")

    async def later() -> int:
        await asyncio.sleep(0.02)
        return await bot.post(second)

    assert await asyncio.gather(bot.post(first), later()) == [200, 200]
    assert await current_answers(bot, 1201) == {"school": "mainstream", "ehcp": "yes"}
    texts = person.texts()
    assert texts[-4:-2] == ["You chose: Mainstream school", texts[-3]]
    assert texts[-3].startswith("Question 2 of 6")
    assert texts[-1].startswith("Question 3 of 6")


async def test_different_people_are_served_at_the_same_time(bot: BotHarness) -> None:
    bot.fake.delay = 0.3
    people = [bot.person(1300 + i) for i in range(6)]
    started = time.monotonic()
    await asyncio.gather(*(p.send("/start") for p in people))
    elapsed = time.monotonic() - started
    assert all("automated chat" in p.last_text() for p in people)
    assert elapsed < 1.5, f"six people took {elapsed:.2f}s: one by one would take 1.8s"
