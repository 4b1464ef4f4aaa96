"""A whole survey in chat, by tapping and by typing, across a restart, in both modes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.telegram.answers import current_answers, participant, runs
from tests.telegram.harness import BotHarness, Person


async def onboard(person: Person, *, role: str = "Parent or carer") -> None:
    """Deep link, privacy, role, format, language, who the answers are about."""
    await person.send("/start s_all_types-schoolA")
    privacy = person.last_text()
    assert "automated chat" in privacy and "not your name" in privacy
    assert person.labels() == ["Yes, let's start", "Not now", "Polski (Polish)"]
    await person.tap("Yes, let's start")
    assert person.last_text() == "Which of these best describes you?"
    await person.tap(role)
    assert person.last_text() == "How would you like the questions?"
    await person.tap("Words")
    assert person.last_text() == "Which language would you like?"
    await person.tap("English")
    await person.tap("On behalf of my child")


def question_lines(text: str) -> list[str]:
    return text.split("\n")


@pytest.mark.parametrize("mode", ["webhook", "polling"])
async def test_tapping_through_a_survey_with_back_pause_and_restart(
    make_bot: Callable[..., Any], mode: str
) -> None:
    bot: BotHarness = await make_bot(mode)
    person = bot.person(1001)
    assert await participant(bot, 1001) is None

    await person.send("/start s_all_types-schoolA")
    assert await current_answers(bot, 1001) == {}
    await person.tap("Not now")
    assert "Nothing has been saved" in person.last_text()
    assert await participant(bot, 1001) is None, "nothing is kept before they choose to start"

    await onboard(person)
    first = person.with_keyboard()
    assert first is not None
    lines = question_lines(first.text)
    assert lines[0] == "Question 1 of 6"
    assert lines[1] == "Where does your child learn?"
    assert [[b["text"] for b in row] for row in first.keyboard[:3]] == [
        ["1. Mainstream school"],
        ["2. Special school"],
        ["3. Not in school"],
    ], "answers one per row, numbered so they can be typed"
    assert [[b["text"] for b in r] for r in first.keyboard[3:]] == [
        ["Skip", "I'd rather not say"],
        ["I don't understand", "Pause"],
    ], "controls below the answers"

    before = len(person.texts())
    await person.tap("Special school")
    said = person.since(before)
    assert said[0] == "You chose: Special school", "a tap is confirmed in the chat itself"
    assert said[1].startswith("Question 2 of 6\nDoes your child have an EHC plan?")
    answered = bot.fake.calls_to("answerCallbackQuery")
    assert len(answered) == 7, "every tap is answered, so the button stops spinning"

    yes_no = person.with_keyboard()
    assert yes_no is not None
    assert [[b["text"] for b in row] for row in yes_no.keyboard[:3]] == [
        ["Yes"],
        ["No"],
        ["Not sure"],
    ], "yes and no get equal weight: one per row, same size"
    await person.tap("Yes")
    await person.tap("Good")
    assert person.texts()[-2] == "You chose: 🙂 Good"

    # Multiple choice: taps toggle ticks on the same message, then Done.
    question = person.with_keyboard()
    assert question is not None and question.text.startswith("Question 4 of 6")
    await person.tap("The SENCO")
    await person.tap("Short breaks")
    ticked = person.with_keyboard()
    assert ticked is not None and ticked.message_id == question.message_id, "edited in place"
    assert "1. The SENCO ✅" in person.labels()
    assert "3. Short breaks ✅" in person.labels()
    await person.tap("The SENCO")  # untick
    assert "1. The SENCO" in person.labels()
    await person.tap("The SENCO")
    await person.tap("Done")
    assert person.texts()[-2] == "You chose: The SENCO, Short breaks"
    assert person.last_text().startswith("Question 5 of 6\nHow many months did you wait?")

    # Back: change the multiple-choice answer by typing numbers.
    await person.send("/back")
    assert "OK, let's go back" in person.last_text()
    assert "1. The SENCO ✅" in person.labels(), "the earlier choice is shown ticked"
    await person.send("2 and 3")
    assert person.texts()[-2] == "You chose: CAMHS or MindMate, Short breaks"

    await person.send("/pause")
    assert person.last_text().startswith("Paused. Your answers so far are saved.")

    await bot.restart()
    person = bot.person(1001)
    before = len(person.texts())
    await person.send("/start")
    resumed = person.since(before)[-1]
    assert resumed.startswith("Question 5 of 6\nWelcome back! Carry on where you left off.")
    await person.send("18")
    assert person.texts()[-2] == "You chose: 18"
    assert person.last_text().startswith("Question 6 of 6\nTell us one thing")
    await person.send("A key worker who answers the phone.")
    assert person.last_text() == (
        "Thank you, that's everything.\n\nWould you like to hear what changes because of "
        "what people told us? Send /updates to choose."
    )

    assert await current_answers(bot, 1001) == {
        "school": "special",
        "ehcp": "yes",
        "feel": "4",
        "help": ["camhs", "short_breaks"],
        "waited": 18,
        "story": "A key worker who answers the phone.",
    }
    (run,) = await runs(bot, 1001)
    assert run.status == "completed"
    assert run.source == "schoolA", "the deep link's code says where they came from"
    assert run.role == "parent_carer" and run.answering_as == "on_behalf"
    assert run.channel == "telegram"


@pytest.mark.parametrize("mode", ["webhook", "polling"])
async def test_typing_every_answer(make_bot: Callable[..., Any], mode: str) -> None:
    bot: BotHarness = await make_bot(mode)
    person = bot.person(1002)
    await person.send("/start s_all_types")
    await person.send("yes")
    await person.send("young person")
    assert person.last_text().startswith("How old are you?")
    await person.send("16 or 17")
    await person.send("easy words")
    await person.send("1")  # English
    await person.send("by myself")
    assert person.last_text().startswith("Question 1 of 6\nWhere do you go to school?")

    await person.send("3")  # Not in school: opens a follow-up question
    assert person.last_text().startswith("Question 2 of 7\nWhy isn't your child in school?")
    await person.send("I was excluded in year 9.")
    await person.send("nope")
    await person.send("very good")
    await person.send("banana")
    assert person.texts()[-2] == "Tap the ones you want. Then tap Done.", "they chose easy words"
    await person.send("1, 4")  # "None of these" is exclusive: the engine keeps it alone
    await person.send("/skip")
    assert person.texts()[-2] == "Skipped."
    await person.send("Listen to us.")
    assert person.last_text() == (
        "Thank you, that's everything.\n\nWant to hear what changes? Send /updates."
    ), "in easy words"

    answers = await current_answers(bot, 1002)
    assert answers["school"] == "none"
    assert answers["why_not"] == "I was excluded in year 9."
    assert answers["ehcp"] == "no"
    assert answers["feel"] == "5"
    assert answers["waited"] == "skipped"
    assert answers["story"] == "Listen to us."
    assert set(answers) == {"school", "why_not", "ehcp", "feel", "help", "waited", "story"}
    (run,) = await runs(bot, 1002)
    assert run.age_band == "16_17" and run.answering_as == "self"


async def test_a_child_under_13_gets_the_simplest_words(make_bot: Callable[..., Any]) -> None:
    bot: BotHarness = await make_bot("webhook")
    child = bot.person(1003)
    await child.send("/start s_all_types")
    await child.tap("Yes, let's start")
    await child.tap("Young person (11 to 25)")
    await child.tap("Under 13")
    assert "ask a grown-up you trust to help you" in child.texts()[-2]
    assert child.last_text() == "How do you want the questions?"
    await child.tap("Words")
    await child.tap("English")
    await child.tap("Someone is helping me")
    question = child.last_text()
    assert question.startswith("Question 1 of 6\nWhere do you go to school?")
    assert question.endswith("Tap one."), "the easy hint"
    await child.send("/help")
    assert child.last_text().startswith("I am a chat robot. I am not a person.")
    (run,) = await runs(bot, 1003)
    assert run.age_band == "under_13" and run.answering_as == "with_help"
