"""Real people on the bundled surveys (config/surveys): a child under 13 in easy words, a
Polish-speaking parent, someone who works with children. Each test asserts what the person
reads, as they would read it on a phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from config.settings import CONFIG_DIR
from tests.telegram.harness import BotHarness, Person
from tests.telegram.test_telegram_rights import POLISH_MONTHS

BUNDLED = CONFIG_DIR / "surveys"
EHC_IN_POLISH_MENU = "Your experience of an EHC needs assessment (po angielsku)"


async def bundled(make_bot: Callable[..., Any]) -> BotHarness:
    bot: BotHarness = await make_bot("webhook", surveys_dir=BUNDLED)
    return bot


async def child_in_easy_words(person: Person) -> None:
    """A child under 13 who chooses "Easy words", up to the first question of their survey."""
    await person.send("/start")
    await person.tap("Yes, let's start")
    await person.tap("Young person (11 to 25)")
    await person.tap("Under 13")
    await person.tap("Easy words")
    await person.tap("Your say")
    await person.tap("Someone is helping me")
    assert person.last_text().startswith("Question 1 of 11\nWhere do you learn now?")


async def polish_parent(person: Person, *, words: str = "Words") -> None:
    """A parent from a flyer's link who chooses Polski, up to the first question."""
    await person.send("/start s_parent_carer_priorities-flyer")
    await person.tap("Yes, let's start")
    await person.tap("Parent or carer")
    await person.tap(words)
    await person.tap("Polski (Polish)")
    await person.tap("W imieniu dziecka")
    assert person.last_text().startswith("Pytanie 1 z 12\n")


async def test_a_polish_parent_can_switch_to_polish_on_the_very_first_message(
    make_bot: Callable[..., Any],
) -> None:
    bot = await bundled(make_bot)
    person = bot.person(2101)
    await person.send("/start s_parent_carer_priorities-flyer")
    assert "Polski (Polish)" in person.labels()
    await person.tap("Polski (Polish)")
    privacy = person.last_text()
    assert privacy.startswith("Dzień dobry.") and "automatyczny czat" in privacy
    assert person.labels()[-1] == "English", "and back, for someone who tapped by mistake"
    await person.tap(person.labels()[0])  # "Yes, let's start", in Polish
    await person.tap("Rodzic lub opiekun")
    await person.tap("Tekst")
    assert person.last_text().startswith("Czy odpowiadają Państwo"), (
        "not asked for a language again"
    )
    await person.tap("W imieniu dziecka")
    assert person.last_text().startswith("Pytanie 1 z 12\n")


async def skip_to_the_end(person: Person, thanks: str) -> None:
    """Skip every question left, as someone in a hurry might; stops at the thank-you."""
    for _ in range(20):
        if person.last_text().startswith(thanks):
            return
        await person.send("/skip")
    raise AssertionError(f"never reached the thanks: {person.last_text()!r}")


def shown_surveys(person: Person) -> list[str]:
    return person.labels()


async def test_a_child_who_has_finished_is_not_offered_a_parents_survey(
    make_bot: Callable[..., Any],
) -> None:
    bot = await bundled(make_bot)
    child = bot.person(3101)
    await child_in_easy_words(child)
    await skip_to_the_end(child, "Thank you! 🙂 We saved your answers.")
    thanks = child.last_text()
    assert "We will share what changes." in thanks
    assert "/updates" not in thanks, "updates are for 13 and over: no promise of them"

    await child.send("/start")
    assert child.last_text() == (
        "There are no more questions for you just now. Thank you — we'll have some new ones soon."
    ), "not 'How old is your child?' from a survey for parents"
    assert child.screen()[-1].keyboard == [], "and no buttons to a survey for someone else"

    await child.send("hello")
    assert child.last_text() == "Send /surveys to see what you can answer, or /help for help.", (
        "not a promise of 'some questions' that /surveys then can't keep"
    )
    await child.send("/surveys")
    assert child.last_text() == "There are no questions for you just now. Thank you for coming by."


async def test_a_polish_parent_is_offered_only_what_is_left_and_told_it_is_in_english(
    make_bot: Callable[..., Any],
) -> None:
    bot = await bundled(make_bot)
    parent = bot.person(3102)
    await polish_parent(parent)

    await parent.send("/surveys")
    assert shown_surveys(parent) == [
        EHC_IN_POLISH_MENU,
        "Doświadczenia Państwa rodziny ze wsparciem SEND w Leeds",
    ], "the young people's survey is not for a parent; the English-only one says so"

    await parent.tap("Doświadczenia")
    await skip_to_the_end(parent, "Dziękujemy. Państwa odpowiedzi zostały zapisane.")
    await parent.send("/surveys")
    assert shown_surveys(parent) == [EHC_IN_POLISH_MENU], "a finished survey isn't offered"
    await parent.send("/start")
    assert parent.last_text().startswith("Na które pytania chcesz odpowiedzieć?")
    assert shown_surveys(parent) == [EHC_IN_POLISH_MENU]


async def test_someone_who_works_with_children_still_sees_every_survey(
    make_bot: Callable[..., Any],
) -> None:
    bot = await bundled(make_bot)
    worker = bot.person(3103)
    await worker.send("/start")
    await worker.tap("Yes, let's start")
    await worker.tap("I work with children and young people")
    await worker.tap("Words")
    assert worker.last_text().startswith(
        "There isn't a survey just for people who work with children and young people yet."
    ), "told why they are offered surveys about 'your child'"
    assert shown_surveys(worker) == [
        "Your experience of an EHC needs assessment",
        "Your family's experience of SEND support in Leeds",
        "Your say: school, help and the things you enjoy",
    ], "no survey is written for them yet, so they may answer any (in English: no note)"


async def test_the_parents_survey_does_not_promise_a_second_go_it_cannot_give(
    make_bot: Callable[..., Any],
) -> None:
    """Each person's answers count once, so a finished survey can't be taken again for
    another child: the intro must not invite it."""
    bot = await bundled(make_bot)
    parent = bot.person(3104)
    await polish_parent(parent)
    intro = parent.texts()[-2]
    assert intro.endswith(
        "Jeśli opiekują się Państwo więcej niż jednym dzieckiem, prosimy myśleć o jednym z nich."
    )
    await skip_to_the_end(parent, "Dziękujemy. Państwa odpowiedzi zostały zapisane.")

    await parent.send("/start s_parent_carer_priorities")
    assert parent.texts()[-2].startswith("Ta ankieta jest już wypełniona — dziękujemy.")


async def skip_until(person: Person, question: str) -> None:
    """Skip questions until the one whose words contain ``question`` is asked."""
    for _ in range(20):
        if question in person.last_text():
            return
        await person.send("/skip")
    raise AssertionError(f"never asked {question!r}: {person.last_text()!r}")


async def test_too_long_is_counted_as_a_polish_reader_writes_numbers(
    make_bot: Callable[..., Any],
) -> None:
    bot = await bundled(make_bot)
    parent = bot.person(3105)
    await polish_parent(parent)
    await skip_until(parent, "Co najbardziej pomogło")
    await parent.send("a" * 1200)
    said = parent.texts()[-2]
    assert "(liczba znaków: 1\xa0200, limit: 1\xa0000)" in said, "not '1,200', read as 1.2"


async def test_a_whole_postcode_is_asked_again_for_just_the_first_part(
    make_bot: Callable[..., Any],
) -> None:
    bot = await bundled(make_bot)
    parent = bot.person(3106)
    await polish_parent(parent)
    await skip_until(parent, "kodu pocztowego")
    await parent.send("LS9 7AB")
    assert parent.texts()[-2] == (
        "To wygląda na cały kod pocztowy. Potrzebujemy tylko pierwszej części, przed spacją, "
        "na przykład LS9 lub LS27."
    ), "not 'could you shorten it, or split it?'"
    assert "kodu pocztowego" in parent.last_text(), "the same question, asked again"
    await parent.send("LS9")
    assert "Czasami w raportach" in parent.last_text(), "then on to the last question"


async def test_help_says_when_the_numbers_were_checked_as_a_date_people_read(
    make_bot: Callable[..., Any],
) -> None:
    bot = await bundled(make_bot)
    child, parent = bot.person(3107), bot.person(3108)
    await child_in_easy_words(child)
    await polish_parent(parent)

    await child.send("/help")
    english = r"\(Numbers last checked \d{1,2} (January|February|March|April|May|June|July|"
    english += r"August|September|October|November|December) 20\d\d\.\)"
    assert re.search(english, child.last_text()), "not '2026-11-22'"
    assert "/skip – miss out a question" in child.last_text(), "the commands in easy words"
    assert "/updates" not in child.last_text(), "updates are for 13 and over"

    await parent.send("/help")
    polish = rf"\(Numery sprawdzono: \d{{1,2}} ({'|'.join(POLISH_MONTHS)}) 20\d\d\.\)"
    assert re.search(polish, parent.last_text())


STICKER = {
    "file_id": "s1",
    "file_unique_id": "s1",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}


async def test_a_child_in_easy_words_gets_easy_words_around_the_questions_too(
    make_bot: Callable[..., Any],
) -> None:
    bot = await bundled(make_bot)
    child = bot.person(3109)
    await child_in_easy_words(child)
    await child.tap("School")
    assert child.last_text().startswith("Question 2 of 11\nHow is it where you learn?")
    await child.tap("I don't understand")
    assert child.texts()[-2] == "Sorry, I can't make this one easier. You can skip it."

    await child.send(sticker=STICKER)
    assert child.texts()[-2] == "Thanks for the sticker! Please type words or tap a button."

    await skip_until(child, "Who helps you?")
    await child.tap("Done")
    assert child.texts()[-2] == "Tap one or more first. Then tap Done."
    await child.send("my mum")
    assert child.texts()[-2] == "Tap the ones you want. Then tap Done."
    await child.tap("Family")
    await child.tap("Done")
    assert child.texts()[-2] == "You picked: Family", "as for one choice, not 'You chose'"

    await child.send("/format")
    assert child.last_text() == "How do you want the questions?"
