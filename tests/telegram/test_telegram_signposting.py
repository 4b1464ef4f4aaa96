"""The help-now card on Telegram in the person's language and reading level: in the reply to a
possible disclosure and on /help, with the same numbers in every language."""

from __future__ import annotations

from sqlalchemy import select

from surveys.models import Answer, SafeguardingAlert
from tests.telegram.harness import BotHarness, Person
from tests.telegram.test_telegram_survey import onboard

# Typed in Polish, on a phone without Polish letters, as people often do.
DISCLOSURE = "ojczym mnie bije i nie czuje sie bezpiecznie w domu"

POLISH_LINES = (
    "• 999: Zadzwoń pod 999",
    "• NHS 111: Zadzwoń pod 111 i wybierz opcję 2 (możesz poprosić o tłumacza",
    "• Childline: Zadzwoń pod 0800 1111 (bezpłatnie)",
    "• Shout: Wyślij SMS o treści SHOUT na numer 85258",
    "• Samaritans: Zadzwoń pod 116 123 (bezpłatnie, rozmowa po angielsku)",
    "• MindMate: www.mindmate.org.uk",
)
ENGLISH_CONTACTS = ("Call 999", "Call 111", "Call 0800 1111", "Text SHOUT", "Call 116 123")


async def onboard_in_polish(person: Person, *, words: str = "Words") -> None:
    """Deep link, privacy, role, format, then Polski: from here the bot speaks Polish."""
    await person.send("/start s_all_types-schoolA")
    await person.tap("Yes, let's start")
    await person.tap("Parent or carer")
    await person.tap(words)
    await person.tap("Polski (Polish)")
    await person.tap("W imieniu dziecka")
    assert person.last_text().startswith("Pytanie 1 z 6")


def card_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("• ")]


async def test_a_polish_speaker_who_discloses_in_polish_gets_the_polish_card_and_an_alert(
    bot: BotHarness,
) -> None:
    person = bot.person(1501)
    await onboard_in_polish(person)
    await person.send("3")  # not in school: the next question is typed
    assert "Dlaczego?" in person.last_text()
    before = len(person.texts())
    await person.send(DISCLOSURE)

    support = person.since(before)[0]
    assert support.startswith("Dziękuję, że mi o tym mówisz.")
    assert "Możesz teraz z kimś porozmawiać:" in support
    lines = card_lines(support)
    assert len(lines) == len(POLISH_LINES), "every service, 999 first"
    for line, expected in zip(lines, POLISH_LINES, strict=True):
        assert line.startswith(expected)
    assert "jeśli Tobie lub komuś innemu grozi teraz niebezpieczeństwo" in lines[0]
    for english in ENGLISH_CONTACTS:
        assert english not in support
    assert "Czy dziecko ma plan EHC?" in person.last_text(), "then the survey carries on"

    assert bot.services is not None
    async with bot.services.db.reading() as session:
        (alert,) = (await session.scalars(select(SafeguardingAlert))).all()
        answer = await session.get(Answer, alert.answer_id)
    assert alert.status == "open" and alert.category == "abuse"
    assert answer is not None and answer.restricted and answer.text == DISCLOSURE


async def test_help_in_polish_and_in_polish_easy_read(bot: BotHarness) -> None:
    plain, easy = bot.person(1502), bot.person(1503)
    await onboard_in_polish(plain)
    await onboard_in_polish(easy, words="Easy words and pictures")

    await plain.send("/help")
    text = plain.last_text()
    assert "Jeśli Tobie lub komuś innemu potrzebna jest teraz pomoc:" in text
    for line, expected in zip(card_lines(text), POLISH_LINES, strict=True):
        assert line.startswith(expected)
    assert "— pilna pomoc w sprawach zdrowia psychicznego" in text
    assert "Numery sprawdzono:" in text

    await easy.send("/help")
    text = easy.last_text()
    assert "Jeśli potrzebujesz pomocy teraz:" in text
    lines = card_lines(text)
    assert lines[0].endswith("— jeśli grozi Ci teraz niebezpieczeństwo")
    assert lines[1].endswith("— jeśli w środku czujesz się bardzo źle, o każdej porze")
    assert "pilna pomoc w sprawach zdrowia psychicznego" not in text, "easy words, not plain"
    assert "0800 1111" in lines[2] and "85258" in lines[3] and "116 123" in lines[4]


async def test_help_in_english_is_unchanged(bot: BotHarness) -> None:
    person = bot.person(1504)
    await onboard(person)
    await person.send("/help")
    assert card_lines(person.last_text()) == [
        "• 999: Call 999 — if you or someone else is in danger now",
        "• NHS 111: Call 111 and choose option 2 — for urgent mental health help, any age, "
        "day or night",
        "• Childline: Call 0800 1111 (free) or chat at childline.org.uk — if you are under 19",
        "• Shout: Text SHOUT to 85258 (free) — any time, if you would rather text",
        "• Samaritans: Call 116 123 (free) — any time, day or night",
        "• MindMate: www.mindmate.org.uk — help and information for young people in Leeds and "
        "their families (not for emergencies)",
    ]
