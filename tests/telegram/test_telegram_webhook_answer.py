"""A button tap is answered in the webhook's response: after the reply, and never at a cost."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.telegram import _webhook_answer
from tests.fakes.telegram_api import Call, Failure, callback_update
from tests.telegram.answers import current_answers
from tests.telegram.harness import SECRET, SECRET_HEADER, BotHarness, Person
from tests.telegram.test_telegram_unexpected import at_first_question


def tap_answers(bot: BotHarness) -> list[Call]:
    return bot.fake.calls_to("answerCallbackQuery")


async def test_a_tap_is_answered_in_the_webhook_response_after_its_reply(bot: BotHarness) -> None:
    person = await at_first_question(bot, 801)
    requests_before = [c for c in bot.fake.calls if not c.via_webhook]
    before = len(person.calls())
    await person.tap("Special school")
    said = [c for c in person.calls()[before:] if c.method == "sendMessage"]
    assert [c.params["text"].split("\n")[0] for c in said] == [
        "You chose: Special school",
        "Question 2 of 6",
    ], "the chat reads in order"
    answer = tap_answers(bot)[-1]
    assert answer.via_webhook and answer.params["text"] == "Saved"
    assert bot.fake.calls.index(answer) > bot.fake.calls.index(said[-1]), (
        "Telegram makes the response's call after the bot's own requests"
    )
    made = [c for c in bot.fake.calls if not c.via_webhook][len(requests_before) :]
    assert [c.method for c in made] == ["sendMessage", "sendMessage"], "one request fewer"
    assert all(c.via_webhook for c in tap_answers(bot)), "every tap so far, onboarding too"


async def test_a_failed_answer_in_the_response_loses_nothing(bot: BotHarness) -> None:
    person = await at_first_question(bot, 802)
    too_old = Failure(400, "Bad Request: query is too old and response timeout expired")
    bot.fake.rules.append(lambda method, _: too_old if method == "answerCallbackQuery" else None)
    await person.tap("Special school")
    await person.tap("Yes")
    assert tap_answers(bot)[-1].failed, "the answer failed, and Telegram told nobody"
    assert person.last_text().startswith("Question 3 of 6"), "every reply still came"
    assert await current_answers(bot, 802) == {"school": "special", "ehcp": "yes"}


async def test_an_update_that_takes_long_still_answers_its_tap(bot: BotHarness) -> None:
    """Telegram hears "200" after ``answer_within``; the tap's answer goes with it."""
    person = await at_first_question(bot, 803)
    assert bot.channel is not None
    bot.channel.answer_within = 0.05
    bot.fake.delay = 0.3  # each message takes a while to send
    update = tap_update(bot, person, "Special school")
    assert await bot.post(update) == 200
    assert tap_answers(bot)[-1].via_webhook, "the spinner stops with the early 200"
    await bot.channel.handled(update["update_id"])
    assert person.last_text().startswith("Question 2 of 6"), "the replies follow"


async def test_when_polling_a_tap_is_answered_with_a_request(
    make_bot: Callable[..., Any],
) -> None:
    bot: BotHarness = await make_bot("polling")
    person = await at_first_question(bot, 804)
    await person.tap("Special school")
    answer = tap_answers(bot)[-1]
    assert not answer.via_webhook and answer.params["text"] == "Saved"


async def test_an_update_with_nothing_to_carry_is_answered_with_plain_ok(bot: BotHarness) -> None:
    assert bot.server is not None and bot.http is not None
    update = {
        "update_id": bot.fake.next_update_id(),
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 805, "type": "private"},
            "from": {"id": 805, "is_bot": False, "first_name": "Sam"},
            "text": "hello",
        },
    }
    headers = {SECRET_HEADER: SECRET}
    url = bot.server.make_url("/telegram")
    async with bot.http.post(url, data=json.dumps(update), headers=headers) as response:
        assert response.status == 200 and await response.text() == "ok"


def test_one_call_rides_per_response_and_none_once_it_has_gone() -> None:
    assert not _webhook_answer.carry("answerCallbackQuery", {}), "not while handling a webhook"
    answer, token = _webhook_answer.start()
    try:
        assert _webhook_answer.carry("answerCallbackQuery", {"callback_query_id": "1"})
        assert not _webhook_answer.carry("answerCallbackQuery", {"callback_query_id": "2"})
        assert answer.close() == {"method": "answerCallbackQuery", "callback_query_id": "1"}
        assert not _webhook_answer.carry("sendMessage", {}), "the response has been written"
    finally:
        _webhook_answer.stop(token)


def tap_update(bot: BotHarness, person: Person, label: str) -> dict[str, Any]:
    shown = person.with_keyboard()
    assert shown is not None
    button = next(b for row in shown.keyboard for b in row if label in b["text"])
    return callback_update(
        bot.fake.next_update_id(),
        person.user_id,
        button["callback_data"],
        message_id=shown.message_id,
        text=shown.text,
    )
