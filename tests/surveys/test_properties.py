"""Random input sequences through the service: no crash, no lost or doubled answer.

Each example is one new person who taps, types, goes back, skips, pauses and restarts the
service (a new :class:`SurveyService` and connection pool over the same database) in a random
order. An independent oracle follows the prompts the person was shown and works out which
answer each input must have stored; at the end the database must hold exactly those.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from surveys.database import Database
from surveys.definition import QuestionType, SurveyCatalog
from surveys.engine import Action, Input, Prompt, PromptKind, control_word
from surveys.models import Answer
from surveys.service import ChannelRef, Pseudonymiser, SurveyService
from surveys.wording import Wording
from tests.surveys.helpers import question_prompt, start_as_parent

RESTART = "restart"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

texts = st.one_of(
    st.sampled_from(
        ["1", "2", "3", "yes", "no", "dunno", "12", "skip", "back", "?", "", "  ", "1, 2"]
    ),
    st.text(min_size=0, max_size=40),
    st.text(min_size=490, max_size=520),
)
likely_answers = st.sampled_from(
    [Input(Action.TEXT, t) for t in ("1", "2", "3", "yes", "no", "12", "1, 2", "Some words")]
    + [Input(Action.CHOOSE, v) for v in ("special", "none", "yes", "3", "senco")]
    + [Input(Action.DONE), Input(Action.BACK), Input(Action.BACK), Input(Action.SKIP)]
)
moves = st.one_of(
    likely_answers,
    likely_answers,
    st.builds(lambda v: Input(Action.TEXT, v), texts),
    st.builds(
        lambda v: Input(Action.CHOOSE, v),
        st.sampled_from(["mainstream", "not_sure", "1", "5", "camhs", "none_of_these", "bogus"]),
    ),
    st.sampled_from(
        [
            Input(a)
            for a in (
                Action.RATHER_NOT_SAY,
                Action.NOT_UNDERSTOOD,
                Action.PAUSE,
                Action.RESUME,
                Action.OTHER,
            )
        ]
        + [Input(Action.START, "all_types"), Input(Action.START, "")]
    ),
    st.just(RESTART),
)

_people = itertools.count()


@dataclass
class Oracle:
    """What must be stored, worked out from what the person was shown, not from the engine."""

    surveys: SurveyCatalog
    expected: dict[str, tuple[str, Any]]

    def observe(self, given: Input, before: Prompt | None, prompts: list[Prompt]) -> None:
        action = (
            control_word(given.value) or given.action
            if given.action is Action.TEXT
            else given.action
        )
        if before is None or action in (Action.NOT_UNDERSTOOD, Action.PAUSE, Action.BACK):
            return
        if prompts and prompts[0].kind is PromptKind.PROBLEM:
            return
        survey = self.surveys["all_types"]
        if not survey.has_question(before.question_id or ""):
            return  # another survey, chosen from the menu after this one was finished
        question = survey.question(before.question_id or "")
        moved_on = [p for p in prompts if p.kind is PromptKind.DONE] or [
            p for p in prompts if p.question_id and p.question_id != question.id
        ]
        if not moved_on:
            return
        said = given.value
        if action is Action.SKIP:
            self.expected[question.id] = ("skipped", None)
        elif action is Action.RATHER_NOT_SAY:
            self.expected[question.id] = ("rather_not_say", None)
        elif question.type is QuestionType.FREE_TEXT:
            # control characters (NUL, ESC…) are never meant and are dropped
            self.expected[question.id] = ("answered", CONTROL.sub("", said).strip())
        elif question.type is QuestionType.MULTIPLE_CHOICE:
            self.expected[question.id] = ("answered", "<some options>")
        else:
            self.expected[question.id] = ("answered", "<an option>")


async def stored_answers(db: Database, participant_id: str) -> list[tuple[str, str, Any]]:
    async with db.reading() as session:
        rows = await session.execute(
            select(Answer.question_id, Answer.status, Answer.value, Answer.text)
            .where(
                Answer.participant_id == participant_id,
                Answer.survey_id == "all_types",
                Answer.superseded_at.is_(None),
            )
            .order_by(Answer.id)
        )
        return [(q, s, t if t is not None else v) for q, s, v, t in rows]


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(moves, min_size=8, max_size=40))
async def test_random_inputs_never_crash_lose_or_double_an_answer(
    database_url: str, test_surveys: SurveyCatalog, wording: Wording, sequence: list[Input | str]
) -> None:
    db = Database.from_url(database_url)
    service = SurveyService(db, test_surveys, wording, Pseudonymiser(b"k"))
    ref = ChannelRef("web", f"person-{next(_people)}")
    reply = await start_as_parent(service, ref, "all_types")
    shown = question_prompt(reply)
    oracle = Oracle(test_surveys, {})
    try:
        for given_input in sequence:
            if given_input == RESTART:
                await db.dispose()
                db = Database.from_url(database_url)
                service = SurveyService(db, test_surveys, wording, Pseudonymiser(b"k"))
                continue
            assert isinstance(given_input, Input)
            reply = await service.handle(ref, given_input)
            assert reply.prompts, "every input gets an answer"
            oracle.observe(given_input, shown, reply.prompts)
            shown = question_prompt(reply) if reply.step.value == "question" else None

        rows = await stored_answers(db, reply.participant_id)
        questions = [q for q, _, _ in rows]
        assert len(questions) == len(set(questions)), f"an answer stands twice: {rows}"
        survey = test_surveys["all_types"]
        for question_id, status, value in rows:
            question = survey.question(question_id)
            assert status in ("answered", "skipped", "rather_not_say")
            if status == "answered" and question.type is QuestionType.FREE_TEXT:
                assert 0 < len(value) <= question.max_length
            if status == "answered" and question.type is QuestionType.SINGLE_CHOICE:
                assert question.option(value) is not None
        stored = {q: (s, v) for q, s, v in rows}
        for question_id, (status, value) in oracle.expected.items():
            if question_id not in stored:
                # only an answer on a branch that later closed may go missing
                closed = survey.question(question_id).show_if
                assert closed is not None, f"{question_id} was answered but is not stored"
                continue
            assert stored[question_id][0] == status, (question_id, stored[question_id], status)
            if not (isinstance(value, str) and value.startswith("<")):
                assert stored[question_id][1] == value
    finally:
        await db.dispose()
