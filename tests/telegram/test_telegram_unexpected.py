"""Anything else people send gets a kind, clear reply, and never loses their place."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.telegram.models import VoiceNote
from tests.fakes.telegram_api import callback_update, message_update
from tests.telegram.answers import current_answers, participant_id
from tests.telegram.harness import BotHarness, Person
from tests.telegram.test_telegram_survey import onboard

STICKER = {
    "file_id": "STICKER-1",
    "file_unique_id": "s1",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
    "type": "regular",
}
PHOTO = [{"file_id": "PHOTO-1", "file_unique_id": "p1", "width": 90, "height": 90}]
DOCUMENT = {"file_id": "DOC-1", "file_unique_id": "d1", "file_name": "plan.pdf"}
VOICE = {"file_id": "VOICE-FILE-1", "file_unique_id": "v1", "duration": 7}
CONTACT = {"phone_number": "+447700900123", "first_name": "Zed"}
LOCATION = {"latitude": 53.8, "longitude": -1.55}
VIDEO = {"file_id": "VID-1", "file_unique_id": "vd1", "width": 1, "height": 1, "duration": 2}
VIDEO_NOTE = {"file_id": "VN-1", "file_unique_id": "vn1", "length": 240, "duration": 3}
SORRY = "something went wrong"


async def at_first_question(bot: BotHarness, user_id: int) -> Person:
    person = bot.person(user_id)
    await onboard(person)
    assert person.last_text().startswith("Question 1 of 6")
    return person


def nothing_went_wrong(person: Person) -> None:
    assert not any(SORRY in text for text in person.texts())


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ({"sticker": STICKER}, "Thank you for the sticker!"),
        ({"photo": PHOTO}, "I can't look at pictures, and I don't keep them"),
        ({"document": DOCUMENT}, "I can't open files, and I don't keep them"),
        ({"voice": VOICE}, "I can't listen to voice notes for this one"),
        ({"contact": CONTACT}, "Please don't send contact details"),
        ({"location": LOCATION}, "Please don't send contact details or places"),
        ({"video": VIDEO}, "I can't open files, and I don't keep them"),
        ({"animation": VIDEO, "document": DOCUMENT}, "I can't open files"),
        ({"video_note": VIDEO_NOTE}, "I can't listen to voice notes for this one"),
        ({"dice": {"emoji": "🎲", "value": 3}}, "I can only read typed words and button taps"),
    ],
)
async def test_unreadable_content_gets_a_kind_reply_and_the_question_again(
    bot: BotHarness, content: dict[str, Any], says: str
) -> None:
    person = await at_first_question(bot, 701)
    before = len(person.texts())
    await person.send(**content)
    said = person.since(before)
    assert says in said[0]
    assert said[-1].startswith("Question 1 of 6\nWhere does your child learn?")
    assert len(said) == 2, "one kind line, then the question: no generic error on top"
    nothing_went_wrong(person)
    await person.tap("Mainstream school")
    assert (await current_answers(bot, 701)) == {"school": "mainstream"}


async def test_a_sticker_before_anything_else_starts_with_the_privacy_message(
    bot: BotHarness,
) -> None:
    person = bot.person(702)
    await person.send(sticker=STICKER)
    said = person.texts()
    assert said[0].startswith("Thank you for the sticker!")
    assert "automated chat" in said[1]


async def test_a_very_long_message(bot: BotHarness) -> None:
    person = await at_first_question(bot, 703)
    await person.send("a" * 10_000)
    assert person.texts()[-2].startswith("Sorry, I didn't catch that")
    await person.send("3")
    assert person.last_text().startswith("Question 2 of 7\nWhy isn't your child in school?")
    await person.send("words " * 1_666 + "last")
    assert "that's 10,000 characters, and this question takes up to 500" in person.texts()[-2]
    assert person.last_text().startswith("Question 2 of 7")
    nothing_went_wrong(person)
    assert await current_answers(bot, 703) == {"school": "none"}


async def test_text_while_a_button_is_expected(bot: BotHarness) -> None:
    person = await at_first_question(bot, 704)
    await person.send("hmm, maybe later")
    assert person.texts()[-2] == (
        "Sorry, I didn't catch that. Tap a button, or type the number next to your answer."
    )
    await person.send("special school")
    assert person.texts()[-2] == "You chose: Special school"


async def test_an_edited_message_is_explained_not_taken_again(bot: BotHarness) -> None:
    person = await at_first_question(bot, 705)
    await person.send("1")
    before = len(person.texts())
    await person.edit("2")
    said = person.since(before)
    assert said == [
        "I see you changed a message. I keep what you first sent. To change an answer, send /back."
    ]
    assert await current_answers(bot, 705) == {"school": "mainstream"}


async def test_unknown_commands_and_group_chats(bot: BotHarness) -> None:
    person = bot.person(706)
    await person.send("/frobnicate")
    assert person.last_text().startswith("Sorry, I don't know that command.")
    group = message_update(bot.fake.next_update_id(), 706, "/start")
    group["message"]["chat"] = {"id": -100123, "type": "group", "title": "Parents"}
    await bot.deliver(group)
    to_group = [c for c in bot.fake.calls_to("sendMessage") if c.params["chat_id"] == -100123]
    assert len(to_group) == 1 and "one-to-one chat" in to_group[0].params["text"]
    assert bot.services is not None
    from surveys.models import Participant

    async with bot.services.db.reading() as session:
        assert (await session.scalars(select(Participant))).all() == []


async def test_an_old_button_never_answers_a_newer_question(bot: BotHarness) -> None:
    person = await at_first_question(bot, 707)
    first = person.with_keyboard()
    await person.tap("Special school")
    await person.tap("Yes")  # EHC plan: yes
    before = len(person.texts())
    await person.tap("Mainstream school", on=first)  # scrolls up and taps question 1 again
    assert person.since(before) == [], "no new message: the alert says it"
    (alert,) = [c for c in bot.fake.calls_to("answerCallbackQuery") if c.params.get("show_alert")]
    assert "earlier question" in alert.params["text"]
    assert await current_answers(bot, 707) == {"school": "special", "ehcp": "yes"}
    # and a button payload we never made is treated the same way
    await bot.deliver(callback_update(bot.fake.next_update_id(), 707, "garbage:zzz"))
    assert await current_answers(bot, 707) == {"school": "special", "ehcp": "yes"}
    nothing_went_wrong(person)


async def test_a_voice_note_to_a_free_text_question_is_kept_for_typing_up(
    bot: BotHarness,
) -> None:
    person = await at_first_question(bot, 708)
    await person.send("3")
    await person.send(voice=VOICE)
    said = person.texts()
    assert said[-2].startswith("Thank you. I've kept your voice note so a person can listen")
    assert said[-1].startswith("Question 3 of 7\nDoes your child have an EHC plan?")
    answers = await current_answers(bot, 708)
    assert answers["why_not"] == "[voice note, waiting to be typed up]"
    assert bot.services is not None
    async with bot.services.db.reading() as session:
        (note,) = (await session.scalars(select(VoiceNote))).all()
    assert note.file_id == "VOICE-FILE-1" and note.duration_seconds == 7
    assert note.participant_id == participant_id(bot, 708)
    assert note.transcribed_at is None
