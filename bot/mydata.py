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
    words = _Words(wording, language, easy, tz)
    about_you = data.get("about_you", {})
    kept_facts = (  # only what is kept: a line saying "not given" for each gap reads as a form
        ("mydata.role", "role", about_you.get("role")),
        ("mydata.age_band", "age_band", about_you.get("age_band")),
        ("mydata.format", "format", about_you.get("format")),
        ("mydata.language", "language", about_you.get("language")),
    )
    about = [
        words.say(key, value=words.label(kind, code)) for key, kind, code in kept_facts if code
    ]
    if agreed := about_you.get("agreed_to_take_part"):
        about.append(words.say("mydata.agreed", value=words.when(agreed)))
    messages = words.say(f"mydata.messages_{about_you.get('proactive_messages', 'on')}")
    about.append(words.say("mydata.messages", value=messages))
    about += [words.label("mydata.reach", c) for c in data.get("how_we_can_reach_you", [])]
    notes = voice_notes or {}
    surveys = tuple(words.survey(run, notes) for run in data.get("surveys", []))
    return Kept(
        intro=words.say("mydata.intro", pseudonym=data.get("pseudonym", "")),
        about_heading=words.say("mydata.about"),
        about=tuple(about),
        answers_heading=words.say("mydata.answers"),
        surveys=surveys,
        no_answers=None if surveys else words.say("mydata.no_answers"),
    )


class _Words:
    """The wording, dates and labels in one person's language and reading level."""

    def __init__(self, wording: Wording, language: str, easy: bool, tz: ZoneInfo) -> None:
        self.wording = wording
        self.language = language
        self.easy = easy
        self.tz = tz

    def say(self, key: str, **values: object) -> str:
        return self.wording.say(key, self.language, self.easy, **values)

    def label(self, prefix: str, code: str | None) -> str:
        """The words for a stored code ("parent_carer" is "Parent or carer")."""
        if not code:
            return self.say("mydata.not_given")
        key = f"{prefix}.{code}"
        return self.say(key) if self.wording.has(key) else code

    def when(self, iso: str | None) -> str:
        if not iso:
            return self.say("mydata.not_given")
        return dates.day_and_time(dt.datetime.fromisoformat(iso), self.language, self.tz)

    def survey(self, run: Mapping[str, Any], notes: Mapping[int, VoiceNoteState]) -> KeptSurvey:
        status = self.label("mydata.status", run.get("status"))
        facts = [self.say("mydata.survey_status", status=status, started=self.when(run["started"]))]
        if run.get("answering_as"):
            who = self.label("answering_as", run["answering_as"])
            facts.append(self.say("mydata.answering_as", value=who))
        if run.get("came_from"):
            facts.append(self.say("mydata.came_from", value=run["came_from"]))
        answers = tuple(
            KeptAnswer(answer["question"], self.answer(answer, notes))
            for answer in run.get("answers", [])
        )
        return KeptSurvey(run.get("survey", ""), tuple(facts), answers)

    def answer(self, answer: Mapping[str, Any], notes: Mapping[int, VoiceNoteState]) -> str:
        if (state := notes.get(answer.get("id", -1))) is not None:
            return self.say(f"mydata.voice_note.{state}")
        if answer.get("status") in ("skipped", "rather_not_say"):
            return self.say(f"mydata.{answer['status']}")
        return answer.get("answer") or ""
