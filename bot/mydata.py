"""What we keep about a person, in their own words: one reading for every channel.

:meth:`surveys.service.SurveyService.my_data` gives the record (codes, and the survey words in
the person's language). Here the codes become sentences from the wording ("You are: Parent or
carer"), dates become dates in the person's language, and a voice note says where it is up to.
Telegram sends the result as one message; the web chat shows it as a page. Both say the same
things, so a person who uses both is never told two different stories.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot import dates
from surveys.wording import Wording


class VoiceNoteState(StrEnum):
    """Where a voice note a person sent as an answer is up to."""

    WAITING = "waiting"  # a person will listen and type it up
    UNCLEAR = "unclear"  # staff listened and could not make out the words


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class KeptSurvey:
    title: str
    facts: tuple[str, ...]  # "Finished. Started 3 December 2026, 10:04", who answered, where from
    answers: tuple[KeptAnswer, ...]


@dataclass(frozen=True, slots=True)
class Kept:
    """Everything we keep about one person, worded for them."""

    intro: str
    about_heading: str
    about: tuple[str, ...]
    answers_heading: str
    surveys: tuple[KeptSurvey, ...]
    no_answers: str | None


def read_kept(
    wording: Wording,
    data: Mapping[str, Any],
    *,
    language: str,
    easy: bool,
    tz: ZoneInfo,
    voice_notes: Mapping[int, VoiceNoteState] | None = None,
) -> Kept:
    """Word :meth:`~surveys.service.SurveyService.my_data` for the person it is about.

    ``voice_notes`` maps an answer's id to its voice note's state: the stored marker line
    ("[voice note, waiting to be typed up]") is only true while a note waits.
    """

    def say(key: str, **values: object) -> str:
        return wording.say(key, language, easy, **values)

    def label(prefix: str, value: str | None) -> str:
        if not value:
            return say("mydata.not_given")
        key = f"{prefix}.{value}"
        return say(key) if wording.has(key) else value

    def when(iso: str | None) -> str:
        if not iso:
            return say("mydata.not_given")
        return dates.day_and_time(dt.datetime.fromisoformat(iso), language, tz)

    about_you = data.get("about_you", {})
    about = [say("mydata.role", value=label("role", about_you.get("role")))]
    if about_you.get("age_band"):
        about.append(say("mydata.age_band", value=label("age_band", about_you["age_band"])))
    about += [
        say("mydata.format", value=label("format", about_you.get("format"))),
        say("mydata.language", value=label("language", about_you.get("language"))),
        say("mydata.agreed", value=when(about_you.get("agreed_to_take_part"))),
        say(
            "mydata.messages",
            value=say(f"mydata.messages_{about_you.get('proactive_messages', 'on')}"),
        ),
    ]
    about += [
        say(f"mydata.reach.{channel}") if wording.has(f"mydata.reach.{channel}") else channel
        for channel in data.get("how_we_can_reach_you", [])
    ]
    notes = voice_notes or {}
    surveys = tuple(_survey(run, say, label, when, notes) for run in data.get("surveys", []))
    return Kept(
        intro=say("mydata.intro", pseudonym=data.get("pseudonym", "")),
        about_heading=say("mydata.about"),
        about=tuple(about),
        answers_heading=say("mydata.answers"),
        surveys=surveys,
        no_answers=None if surveys else say("mydata.no_answers"),
    )


def _survey(run: Mapping[str, Any], say: Any, label: Any, when: Any, notes: Any) -> KeptSurvey:
    facts = [
        say(
            "mydata.survey_status",
            status=label("mydata.status", run.get("status")),
            started=when(run.get("started")),
        )
    ]
    if run.get("answering_as"):
        facts.append(say("mydata.answering_as", value=label("answering_as", run["answering_as"])))
    if run.get("came_from"):
        facts.append(say("mydata.came_from", value=run["came_from"]))
    answers = tuple(
        KeptAnswer(answer["question"], _answer_words(answer, say, notes))
        for answer in run.get("answers", [])
    )
    return KeptSurvey(run.get("survey", ""), tuple(facts), answers)


def _answer_words(answer: Mapping[str, Any], say: Any, notes: Mapping[int, str]) -> str:
    if (state := notes.get(answer.get("id", -1))) is not None:
        return say(f"mydata.voice_note.{state}")
    if answer.get("status") in ("skipped", "rather_not_say"):
        return say(f"mydata.{answer['status']}")
    return answer.get("answer") or ""
