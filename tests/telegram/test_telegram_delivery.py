"""Flood control, network trouble, blocked bots and our own failures."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.fakes.telegram_api import Failure
from tests.telegram.answers import current_answers, participant
from tests.telegram.harness import BotHarness
from tests.telegram.test_telegram_survey import onboard


def fail_next(times: int, failure: Failure, method: str = "sendMessage") -> Callable[..., Any]:
    left = [times]

    def rule(called: str, params: dict[str, Any]) -> Failure | None:
        if called == method and left[0] > 0:
            left[0] -= 1
            return failure
        return None

    return rule


def member_update(update_id: int, user_id: int, status: str) -> dict[str, Any]:
    person = {"id": user_id, "is_bot": False, "first_name": "Sam"}
    bot_user = {"id": 4242, "is_bot": True, "first_name": "Everyone's Voice"}
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": {"id": user_id, "type": "private"},
            "from": person,
            "date": int(time.time()),
            "old_chat_member": {"user": bot_user, "status": "member"},
            "new_chat_member": {"user": bot_user, "status": status}
            | ({"until_date": 0} if status == "kicked" else {}),
        },
    }


async def test_a_429_is_retried_after_the_wait_telegram_asks_for(bot: BotHarness) -> None:
    person = bot.person(901)
    bot.fake.rules.append(fail_next(1, Failure(429, retry_after=1)))
    started = time.monotonic()
    await person.send("/start")
    assert time.monotonic() - started >= 1.0
    attempts = bot.fake.calls_to("sendMessage")
    assert len(attempts) == 2 and attempts[0].params == attempts[1].params
    assert "automated chat" in person.last_text()


async def test_a_server_error_is_retried_with_backoff(bot: BotHarness) -> None:
    person = bot.person(902)
    bot.fake.rules.append(fail_next(2, Failure(500, "Internal Server Error")))
    await person.send("/start")
    assert len(bot.fake.calls_to("sendMessage")) == 3
    assert "automated chat" in person.last_text()


async def test_a_person_who_blocked_the_bot_is_marked_unreachable(bot: BotHarness) -> None:
    person = bot.person(903)
    await onboard(person)
    stored = await participant(bot, 903)
    assert stored is not None and stored.reachable
    bot.fake.rules.append(fail_next(10, Failure(403)))
    await person.tap("Mainstream school")
    stored = await participant(bot, 903)
    assert stored is not None and stored.reachable is False
    forbidden = [c for c in bot.fake.calls_to("sendMessage") if c.params["chat_id"] == 903]
    assert forbidden[-1].params["text"] == "You chose: Mainstream school"
    assert all("went wrong" not in c.params["text"] for c in forbidden), "no error spam"
    assert await current_answers(bot, 903) == {"school": "mainstream"}, "the answer is kept"


async def test_blocking_and_unblocking_are_noticed(bot: BotHarness) -> None:
    person = bot.person(904)
    await onboard(person)
    await bot.deliver(member_update(bot.fake.next_update_id(), 904, "kicked"))
    stored = await participant(bot, 904)
    assert stored is not None and stored.reachable is False
    await bot.deliver(member_update(bot.fake.next_update_id(), 904, "member"))
    stored = await participant(bot, 904)
    assert stored is not None and stored.reachable is True
    await person.send("/stop")
    await bot.deliver(member_update(bot.fake.next_update_id(), 904, "member"))
    stored = await participant(bot, 904)
    assert stored is not None and stored.reachable is False, "unblocking never undoes /stop"


async def test_our_own_failure_is_logged_and_explained_and_the_place_is_kept(
    bot: BotHarness, caplog: Any
) -> None:
    person = bot.person(905)
    await onboard(person)
    await person.send("3")
    assert bot.services is not None

    def broken_screen(text: str, **_: Any) -> None:
        raise RuntimeError("the safeguarding screen is broken")

    bot.services.survey_service.screen = broken_screen
    await person.send("We moved house.")
    assert person.last_text().startswith("Sorry, something went wrong on our side.")
    assert "the safeguarding screen is broken" in caplog.text
    assert await current_answers(bot, 905) == {"school": "none"}, "nothing half-saved"

    bot.services.survey_service.screen = None
    await person.send("/start")
    assert "Why isn't your child in school?" in person.last_text(), "their place is kept"
    await person.send("We moved house.")
    assert (await current_answers(bot, 905))["why_not"] == "We moved house."
