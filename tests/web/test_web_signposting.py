"""The web chat's help card in the person's language and reading level: on the help page, when
they type "help", and straight after a possible disclosure (the real safeguarding screen)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.services import build_services
from tests.web.chat_client import ChatPerson, Page, squash
from tests.web.conftest import web_settings

# Typed in Polish, with Polish letters (the Telegram test types it without them).
DISCLOSURE = "ojczym mnie bije i nie czuję się bezpiecznie w domu"


def help_items(page: Page) -> list[str]:
    """The (last) help card's entries as the page shows them, one string per service."""
    card = page.html.rsplit('<ul class="help-card">', 1)[1].split("</ul>", 1)[0]
    return [squash(re.sub(r"<[^>]+>", " ", item)) for item in card.split("<li>")[1:]]


async def test_the_help_card_uses_easy_words_when_the_person_chose_them(
    client: TestClient,
) -> None:
    person = ChatPerson(client)
    await person.start_all_types()
    await person.press("Easy words")
    page = await person.type("help")
    items = help_items(page)
    assert items[0] == "999 Call 999 if you are in danger now"
    assert items[1] == "NHS 111 Call 111 and choose option 2 if you feel very bad inside, any time"
    assert "for urgent mental health help" not in page.text
    assert "Where do you go to school?" in page.question(), "the question is still there"

    page = await person.open("/help")
    assert help_items(page)[2] == (
        "Childline Call 0800 1111 (free) or chat at childline.org.uk free, for children and "
        "young people"
    )

    await person.open("/")
    await person.press("Words")
    page = await person.open("/help")
    assert help_items(page)[0] == "999 Call 999 if you or someone else is in danger now"


async def test_the_help_page_in_polish_and_in_polish_easy_words(client: TestClient) -> None:
    person = ChatPerson(client)
    await person.start_all_types()
    await person.press("Polski")
    page = await person.open("/help")
    assert '<html lang="pl"' in page.html and 'lang="en"' not in page.html
    items = help_items(page)
    assert items[0].startswith("999 Zadzwoń pod 999")
    assert items[0].endswith("jeśli Tobie lub komuś innemu grozi teraz niebezpieczeństwo")
    assert items[3].startswith("Shout Wyślij SMS o treści SHOUT na numer 85258")
    assert "Numery sprawdzono: 22 listopada 2026." in page.plain

    await person.open("/")
    await person.press("Proste słowa")
    page = await person.open("/help")
    assert help_items(page)[1].endswith("jeśli w środku czujesz się bardzo źle, o każdej porze")


async def test_a_polish_speaker_who_discloses_sees_the_card_in_polish_at_once(
    client: TestClient,
) -> None:
    person = ChatPerson(client)
    await person.start_all_types()
    await person.press("Polski")
    await person.press("Nie chodzi do szkoły")
    page = await person.type(DISCLOSURE)

    bot_messages = [m for m in page.messages if "from-bot" in m.classes]
    assert "alert" in bot_messages[0].classes.split()
    assert "Dziękuję, że mi o tym mówisz." in bot_messages[0].words
    assert "kind-help" in bot_messages[1].classes
    items = help_items(page)
    for item, number in zip(items, ("999", "111", "0800 1111", "85258", "116 123"), strict=False):
        assert number in item
    assert "Zadzwoń pod 0800 1111 (bezpłatnie)" in items[2]
    assert "Call 0800 1111" not in page.text
    assert page.plain.count("0800 1111") == 1, "the card once, not in the words as well"
    assert "Czy dziecko ma plan EHC?" in page.question(), "nothing else is lost"


async def test_after_a_disclosure_the_help_card_is_on_the_page_exactly_once(
    client: TestClient,
) -> None:
    person = ChatPerson(client)
    await person.start_all_types()
    await person.press("Not in school")
    page = await person.type("my step dad hits me and i dont feel safe at home")

    bot_messages = [m for m in page.messages if "from-bot" in m.classes]
    assert "Thank you for telling me." in bot_messages[0].words
    assert "You can carry on with the questions" in bot_messages[0].words
    assert "kind-help" in bot_messages[1].classes
    assert [m for m in page.messages if "kind-help" in m.classes] == [bot_messages[1]]
    for number in ("Call 999", "0800 1111", "85258", "116 123", "mindmate.org.uk"):
        assert page.plain.count(number) == 1, f"{number} shown {page.plain.count(number)} times"
    assert "Does your child have an EHC plan?" in page.question()

    again = await person.open("/")  # reloaded: the same page, the card still once
    assert again.plain.count("0800 1111") == 1


async def test_a_line_without_a_translation_is_shown_in_english_and_marked_so(
    database_url: str, tmp_path: Path, aiohttp_client: Callable[..., Any]
) -> None:
    card = tmp_path / "signposting.yaml"
    card.write_text(
        "last_verified: 2026-11-22\n"
        "services:\n"
        "  - id: emergency\n"
        '    name: "999"\n'
        "    contact: {en: Call 999, pl: Zadzwoń pod 999}\n"
        "    when: if you or someone else is in danger now\n",
        encoding="utf-8",
    )
    services = build_services(web_settings(database_url, tmp_path, signposting_file=card))
    try:
        client = await aiohttp_client(create_app(services))
        person = ChatPerson(client)
        await person.start_all_types()
        await person.press("Polski")
        page = await person.open("/help")
        assert help_items(page) == ["999 Zadzwoń pod 999 if you or someone else is in danger now"]
        assert '<span class="when" lang="en">if you or someone else' in page.html
    finally:
        await services.close()
