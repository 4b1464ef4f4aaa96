"""``/updates`` in the chat: off until chosen, one tap to change, every tap confirmed in words."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.updates.subscriptions import get_choice
from surveys.service import ChannelRef
from tests.fakes.telegram_api import FakeTelegramAPI, callback_update
from tests.telegram.harness import TOKEN, BotHarness, Person

SURVEYS = Path(__file__).resolve().parent / "surveys"


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


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    api = FakeTelegramAPI(TOKEN)
    await api.start()
    yield api
    await api.stop()


async def _join(person: Person, age: str | None = None) -> None:
    await person.send("/start s_waiting")
    await person.tap("Yes, let's start")
    if age is None:
        await person.tap("Parent or carer")
        await person.tap("Words")
        await person.tap("On behalf of my child")
    else:
        await person.tap("Young person")
        await person.tap(age)


class Screen:
    """The menu message as the person's app shows it now: sent, then edited in place."""

    def __init__(self, person: Person) -> None:
        self.person = person

    def _menu(self) -> tuple[int, str, list[list[dict[str, Any]]]]:
        shown: dict[int, tuple[str, list[list[dict[str, Any]]]]] = {}
        for call in self.person.calls():
            markup = call.params.get("reply_markup") or {}
            keyboard = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
            if call.method == "sendMessage" and isinstance(call.result, dict):
                shown[call.result["message_id"]] = (call.params.get("text", ""), keyboard)
            elif call.method == "editMessageText":
                shown[int(call.params["message_id"])] = (call.params["text"], keyboard)
        message_id = max(m for m, (_, keyboard) in shown.items() if keyboard)
        return message_id, *shown[message_id]

    @property
    def text(self) -> str:
        return self._menu()[1]

    def labels(self) -> list[str]:
        return [b["text"] for row in self._menu()[2] for b in row]

    async def tap(self, label: str) -> None:
        message_id, text, keyboard = self._menu()
        button = next(b for row in keyboard for b in row if b["text"].removeprefix("✓ ") == label)
        fake = self.person.fake
        update = callback_update(
            fake.next_update_id(),
            self.person.user_id,
            button["callback_data"],
            message_id=message_id,
            text=text,
        )
        await self.person.bot.deliver(update)


async def _choice(bot: BotHarness, person: Person) -> Any:
    assert bot.services is not None
    service = bot.services.survey_service
    async with bot.services.db.reading() as session:
        return await get_choice(session, service.pseudonymise(person_ref(person)))


def person_ref(person: Person) -> ChannelRef:
    return ChannelRef("telegram", str(person.user_id))


async def test_choosing_topics_frequency_and_off_each_in_one_tap(bot: BotHarness) -> None:
    person = bot.person(8101)
    await _join(person)
    assert not (await _choice(bot, person)).receiving  # off until chosen

    await person.send("/updates")
    screen = Screen(person)
    assert "Right now you get no updates." in screen.text
    assert screen.labels() == [
        "Everything",
        "Things I answered about",
        "Choose topics",
        "✓ No updates",
    ]

    await screen.tap("Choose topics")
    assert screen.text.startswith("Tap the topics you want to hear about")
    await screen.tap("Finding needs early, and assessments")
    await screen.tap("Good EHC plans")
    assert "✓ Finding needs early, and assessments" in screen.labels()
    await screen.tap("Done ✔")
    assert person.last_text() == (
        "You chose: Finding needs early, and assessments; Good EHC plans. "
        "You get each update when it comes."
    )
    choice = await _choice(bot, person)
    assert choice.receiving and choice.topics == {"P1", "P3"} and choice.frequency == "each"

    await screen.tap("Once a month")
    assert person.last_text().endswith("You get one round-up a month.")
    assert "✓ Once a month" in screen.labels()
    assert (await _choice(bot, person)).frequency == "monthly"

    await screen.tap("No updates")
    assert person.last_text().startswith("Done. You will get no updates.")
    assert not (await _choice(bot, person)).receiving
    assert "✓ No updates" in screen.labels()

    await person.send("/stop")
    await person.send("/updates")
    assert "Right now you get no updates." in Screen(person).text


async def test_under_13s_are_not_offered_follow_up_messages(bot: BotHarness) -> None:
    child = bot.person(8102)
    await _join(child, age="Under 13")
    await child.send("/updates")
    assert child.last_text().startswith("Updates are for people aged 13 and over.")
    assert not (await _choice(bot, child)).active
