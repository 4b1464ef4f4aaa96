"""Commands that are always there: help, privacy, surveys, format, my data, delete, stop."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.signposting import load_help_card
from bot.telegram.models import VoiceNote
from config.settings import CONFIG_DIR
from surveys.models import Answer, ChannelAddress, Participant, SurveyRun
from tests.telegram.answers import current_answers, participant
from tests.telegram.harness import BotHarness
from tests.telegram.test_telegram_signposting import onboard_in_polish
from tests.telegram.test_telegram_survey import onboard
from tests.telegram.test_telegram_unexpected import VOICE

SIGNPOSTING = CONFIG_DIR / "signposting.yaml"
# The genitive, as in "3 grudnia 2026".
POLISH_MONTHS = ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca"]
POLISH_MONTHS += ["sierpnia", "września", "października", "listopada", "grudnia"]


async def rows(bot: BotHarness, model: object) -> int:
    assert bot.services is not None
    async with bot.services.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_help_says_what_this_is_and_where_to_get_help_now(bot: BotHarness) -> None:
    person = bot.person(801)
    await person.send("/help")
    text = person.last_text()
    assert "automated chat (not a person)" in text
    for number in ("999", "111 and choose option 2", "0800 1111", "85258", "116 123"):
        assert number in text
    assert "MindMate" in text
    # (issue 6 merge: the date comes from config/signposting.yaml, whichever branch wrote it)
    checked = load_help_card(SIGNPOSTING).checked_on("en")
    assert checked and f"(Numbers last checked {checked}.)" in text
    assert "/delete" in text and "/mydata" in text
    assert await participant(bot, 801) is None, "asking for help stores nothing"


async def test_help_works_in_the_middle_of_a_question(bot: BotHarness) -> None:
    person = bot.person(802)
    await onboard(person)
    await person.send("/help")
    assert "0800 1111" in person.last_text()
    await person.tap("Special school", on=person.screen()[-2])
    assert await current_answers(bot, 802) == {"school": "special"}


async def test_privacy(bot: BotHarness) -> None:
    person = bot.person(803)
    await person.send("/privacy")
    text = person.last_text()
    assert "We never keep your name, username, phone number or photos" in text
    assert "/delete" in text


async def test_surveys_lists_what_can_be_answered(bot: BotHarness) -> None:
    person = bot.person(804)
    await person.send("/surveys")
    assert person.last_text().startswith("Here is what you can answer.")
    assert person.labels() == ["Every kind of question", "Ten things"]  # the fixture surveys
    await person.tap("Every kind of question")
    assert "automated chat" in person.last_text(), "a new person sees the privacy message first"


async def test_my_data_is_a_plain_copy_of_what_is_stored(bot: BotHarness) -> None:
    person = bot.person(805)
    await person.send("/mydata")
    assert person.last_text().startswith("We don't keep anything about you.")
    await onboard(person)
    await person.tap("Special school")
    await person.send("/mydata")
    text = person.last_text()
    assert "Here is everything we keep about you" in text
    assert "You are: Parent or carer" in text
    assert "How you like the questions: Words" in text
    assert "Language: English" in text
    assert "How we can reach you: Telegram" in text
    assert "\nEvery kind of question\nNot finished yet. Started " in text
    assert "Who answered: On behalf of my child" in text
    assert "You came from the link for: schoolA" in text
    assert "• Where does your child learn?\n  Special school" in text
    assert "To delete all of this, send /delete." in text
    assert "parent_carer" not in text and "on_behalf" not in text, "codes are worded"

    await person.tap("I'd rather not say")  # the next question, EHC plan
    await person.send("/mydata")
    assert "• Does your child have an EHC plan?\n  (you'd rather not say)" in person.last_text()


async def test_my_data_before_agreeing_lists_only_what_is_kept(bot: BotHarness) -> None:
    person = bot.person(810)
    await person.send("hi")
    assert "automated chat" in person.last_text()
    await person.send("/mydata")
    text = person.last_text()
    assert "not given" not in text and "You are:" not in text and "You agreed" not in text
    assert "You haven't answered any questions yet." in text


async def test_my_data_speaks_the_persons_language_dates_included(bot: BotHarness) -> None:
    person = bot.person(809)
    await onboard_in_polish(person)
    await person.tap("Szkoła specjalna")
    await person.send("/mydata")
    text = person.last_text()
    assert text.startswith("Oto wszystko, co o Tobie przechowujemy.")
    assert "Kim jesteś: Rodzic lub opiekun" in text
    assert "• Gdzie uczy się twoje dziecko?\n  Szkoła specjalna" in text
    assert "Kto odpowiadał: W imieniu dziecka" in text
    started = text.split("Jeszcze nieukończona. Początek: ")[1].split("\n")[0]
    assert started.split()[1] in POLISH_MONTHS, f"a Polish date, not {started!r}"
    assert "Where does" not in text and "Started" not in text


async def test_delete_asks_first_then_erases_everything_and_says_so(bot: BotHarness) -> None:
    person = bot.person(806)
    await onboard(person)
    await person.tap("Not in school")
    await person.send(voice=VOICE)
    assert await rows(bot, VoiceNote) == 1
    await person.send("/delete")
    assert person.last_text().startswith("This deletes all your answers and how we reach you.")
    await person.tap("No, keep my answers")
    assert person.last_text() == "OK, nothing has been deleted."
    assert await rows(bot, Answer) == 2

    await person.send("/delete")
    confirm = person.with_keyboard()
    await person.tap("Yes, delete everything")
    assert person.last_text().startswith("Done. We have deleted your answers (2)")
    for model in (Participant, Answer, SurveyRun, ChannelAddress, VoiceNote):
        assert await rows(bot, model) == 0, model
    assert confirm is not None
    shown = {m.message_id: m for m in person.screen()}
    assert shown[confirm.message_id].keyboard == [], "the confirmation can't be tapped twice"

    await person.send("/delete")
    assert person.last_text() == "We don't keep anything about you, so there is nothing to delete."
    assert person.screen()[-1].keyboard == [], "nothing to confirm"
    await person.send("hello")
    assert "automated chat" in person.last_text(), "afterwards they start fresh"


async def test_stop_turns_off_proactive_messages(bot: BotHarness) -> None:
    person = bot.person(807)
    await person.send("/stop")
    assert person.last_text().startswith("We don't send you messages")
    await onboard(person)
    await person.send("/stop")
    assert person.last_text().startswith("OK. We won't send you any messages")
    stored = await participant(bot, 807)
    assert stored is not None and stored.stopped_at is not None and stored.reachable is False
    await person.tap("Mainstream school")
    assert await current_answers(bot, 807) == {"school": "mainstream"}, "they can still answer"


async def test_format_can_be_changed_at_any_time(bot: BotHarness) -> None:
    person = bot.person(808)
    await onboard(person)
    await person.send("/format")
    assert person.labels() == ["Words", "Easy words and pictures", "Listen (voice notes)"]
    before = len(person.texts())
    await person.tap("Easy words and pictures")
    said = person.since(before)
    assert "OK. From now on: Easy words." in said, "the change is said, not only shown"
    assert person.last_text().startswith("Question 1 of 6\nWhere do you go to school?")
    stored = await participant(bot, 808)
    assert stored is not None and stored.format == "easy"
