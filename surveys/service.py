"""The survey service: one input in, one transaction, prompts out.

Channels call :meth:`SurveyService.handle` with who sent something (:class:`ChannelRef`)
and what they did (:class:`~surveys.engine.Input`). The service locks that person's row,
runs the pure engine, records what the engine says happened, and commits — all in one
transaction, so two messages from one person arriving at once are taken one after the
other and nothing is lost or doubled, on SQLite or PostgreSQL, in one process or several.

Exceptions::

    SurveyError
      └─ UnknownParticipant   (rights requests from someone we hold nothing for)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from surveys.database import Database
from surveys.definition import QuestionType, SurveyCatalog
from surveys.engine import (
    Action,
    Context,
    Conversation,
    Event,
    Input,
    Outcome,
    Prompt,
    PromptKind,
    RunState,
    Step,
    advance,
    needs_resumable,
    show_again,
)
from surveys.models import (
    Answer,
    ChannelAddress,
    Participant,
    QuestionFeedback,
    SafeguardingAlert,
    SurveyRun,
    utcnow,
)
from surveys.wording import Wording

log = logging.getLogger(__name__)


class SurveyError(Exception):
    """Base of the survey package's own errors."""


class UnknownParticipant(SurveyError):
    """Nothing is held for this person."""


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """Who sent an input: a channel name and that channel's id for the person.

    ``address`` is where to reach them later (a Telegram chat id); it is stored only once
    they have agreed to take part.
    """

    channel: str
    user_id: str
    address: str | None = None


class Pseudonymiser:
    """Turns a channel's user id into a stable pseudonym that cannot be turned back."""

    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("a pseudonym key is required")
        self._key = key

    def __call__(self, ref: ChannelRef) -> str:
        message = f"{ref.channel}:{ref.user_id}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class RiskFinding:
    """What a safeguarding screen found in a message, and what to say back at once."""

    category: str
    level: str  # "immediate" (999 first) or "concern"
    excerpt: str
    reply: str


class RiskScreen(Protocol):
    def __call__(
        self, text: str, *, language: str = "en", easy: bool = False
    ) -> RiskFinding | None:
        """Return a finding when ``text`` may disclose that someone is not safe."""


@dataclass(frozen=True, slots=True)
class StoredText:
    """A free-text answer just stored, for analysis after the reply has gone."""

    answer_id: int
    participant_id: str
    survey_id: str
    question_id: str
    text: str
    role: str | None


AnswerListener = Callable[[Sequence[StoredText]], Awaitable[None]]
AlertListener = Callable[[SafeguardingAlert], Awaitable[None]]


@dataclass(slots=True)
class Reply:
    participant_id: str
    prompts: list[Prompt]
    step: Step
    stored: list[StoredText] = field(default_factory=list)
    alert: SafeguardingAlert | None = None


_SCREENED = {Action.TEXT}


class SurveyService:
    """Takes inputs from any channel through the engine into the store."""

    def __init__(
        self,
        db: Database,
        surveys: SurveyCatalog,
        wording: Wording,
        pseudonymise: Callable[[ChannelRef], str],
        *,
        screen: RiskScreen | None = None,
        on_answers: AnswerListener | None = None,
        on_alert: AlertListener | None = None,
    ) -> None:
        self.db = db
        self.context = Context(surveys, wording)
        self.pseudonymise = pseudonymise
        self.screen = screen
        self.on_answers = on_answers
        self.on_alert = on_alert
        self._background: set[asyncio.Task[None]] = set()

    @property
    def surveys(self) -> SurveyCatalog:
        return self.context.surveys

    # ------------------------------------------------------------------ conversation

    async def handle(self, ref: ChannelRef, given: Input) -> Reply:
        """Take one input from ``ref`` and return what to show them next."""
        participant_id = self.pseudonymise(ref)
        async with self.db.transaction() as session:
            row = await _lock_participant(session, participant_id)
            conversation = Conversation.from_json(row.conversation if row else None)
            was_consented = conversation.consented
            if given.action is Action.START and not conversation.consented and given.value:
                conversation.source = _source_code(given.value)
            given = _strip_source(given)
            before = dict(conversation.run.answers) if conversation.run else {}
            resumable: Mapping[str, RunState] = {}
            if row is not None and needs_resumable(conversation, given):
                resumable = await _unfinished_runs(session, participant_id, conversation)
            outcome = advance(self.context, conversation, given, resumable)
            if not outcome.conversation.consented:
                if row is not None and not was_consented and outcome.conversation.step is Step.NEW:
                    await session.execute(
                        delete(Participant).where(Participant.id == participant_id)
                    )
                elif row is None:
                    await _create_participant(session, participant_id, outcome.conversation)
                else:
                    await _save_conversation(session, participant_id, outcome.conversation)
                return Reply(participant_id, outcome.prompts, outcome.conversation.step)
            if row is None:
                await _create_participant(session, participant_id, outcome.conversation)
            if not was_consented and ref.address:
                session.add(
                    ChannelAddress(
                        participant_id=participant_id, channel=ref.channel, address=ref.address
                    )
                )
            recorder = _Recorder(
                session, self.surveys, participant_id, ref.channel, outcome, before
            )
            await recorder.record()
            reply = Reply(
                participant_id, outcome.prompts, outcome.conversation.step, recorder.stored
            )
            if given.action in _SCREENED and self.screen is not None:
                reply.alert = await self._screen(
                    session, reply, outcome.conversation, given.value, recorder
                )
            await _save_conversation(session, participant_id, outcome.conversation)
        self._after_commit(reply)
        return reply

    async def _screen(
        self,
        session: AsyncSession,
        reply: Reply,
        conversation: Conversation,
        text: str,
        recorder: _Recorder,
    ) -> SafeguardingAlert | None:
        assert self.screen is not None
        profile = conversation.profile
        finding = self.screen(text, language=profile.language or "en", easy=profile.easy)
        if finding is None:
            return None
        answer_id = recorder.stored[-1].answer_id if recorder.stored else None
        if answer_id is not None:
            await session.execute(
                update(Answer).where(Answer.id == answer_id).values(restricted=True)
            )
            reply.stored = [s for s in reply.stored if s.answer_id != answer_id]
        alert = SafeguardingAlert(
            participant_id=reply.participant_id,
            answer_id=answer_id,
            category=finding.category,
            level=finding.level,
            excerpt=finding.excerpt,
        )
        session.add(alert)
        await session.flush()
        support = Prompt(
            PromptKind.INFO,
            finding.reply,
            easy=profile.easy,
            speak=profile.listen,
            language=profile.language or "en",
        )
        reply.prompts.insert(0, support)
        return alert

    def _after_commit(self, reply: Reply) -> None:
        if reply.stored and self.on_answers is not None:
            self._spawn(self.on_answers(list(reply.stored)))
        if reply.alert is not None and self.on_alert is not None:
            self._spawn(self.on_alert(reply.alert))

    def _spawn(self, work: Awaitable[None]) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception:
                log.exception("work after an answer failed; the answer itself is safe")

        task = asyncio.ensure_future(guarded())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Wait for analysis and alerts started by earlier inputs (tests, shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background))

    # ------------------------------------------------------------------ showing again

    async def current(self, ref: ChannelRef) -> Reply:
        """What ``ref`` is being asked now, read without a lock and without changing anything.

        A web page that is reloaded, or opened on another device, draws itself from this.
        """
        participant_id = self.pseudonymise(ref)
        async with self.db.reading() as session:
            state = await session.scalar(
                select(Participant.conversation).where(Participant.id == participant_id)
            )
        conversation = Conversation.from_json(state)
        return Reply(participant_id, show_again(self.context, conversation), conversation.step)

    # ------------------------------------------------------------------ rights

    async def participant_id_for(self, ref: ChannelRef) -> str | None:
        participant_id = self.pseudonymise(ref)
        async with self.db.reading() as session:
            found = await session.scalar(
                select(Participant.id).where(Participant.id == participant_id)
            )
        return found

    async def my_data(self, ref: ChannelRef) -> dict[str, Any]:
        """Everything stored under this person's pseudonym, in plain terms."""
        participant_id = self.pseudonymise(ref)
        async with self.db.reading() as session:
            person = await session.get(Participant, participant_id)
            if person is None:
                raise UnknownParticipant(participant_id)
            runs = (
                await session.scalars(
                    select(SurveyRun)
                    .where(SurveyRun.participant_id == participant_id)
                    .order_by(SurveyRun.started_at)
                )
            ).all()
            answers = (
                await session.scalars(
                    select(Answer)
                    .where(Answer.participant_id == participant_id, Answer.superseded_at.is_(None))
                    .order_by(Answer.id)
                )
            ).all()
            addresses = (
                await session.scalars(
                    select(ChannelAddress).where(ChannelAddress.participant_id == participant_id)
                )
            ).all()
        by_run: dict[str | None, list[Answer]] = {}
        for answer in answers:
            by_run.setdefault(answer.run_id, []).append(answer)
        return {
            "pseudonym": participant_id[:12] + "…",
            "about_you": {
                "role": person.role,
                "age_band": person.age_band,
                "format": person.format,
                "language": person.language,
                "agreed_to_take_part": _iso(person.consented_at),
                "proactive_messages": "off" if person.stopped_at else "on if you asked for updates",
            },
            "how_we_can_reach_you": [a.channel for a in addresses],
            "surveys": [
                {
                    "survey": self._title(run.survey_id),
                    "status": run.status,
                    "started": _iso(run.started_at),
                    "answers": [
                        {
                            "question": self._question_text(a.survey_id, a.question_id),
                            "answer": self._answer_text(a),
                            "when": _iso(a.created_at),
                        }
                        for a in by_run.get(run.id, [])
                    ],
                }
                for run in runs
            ],
        }

    async def erase(self, ref: ChannelRef) -> int:
        """Delete this person's answers, runs and contact details. Returns answers erased."""
        participant_id = self.pseudonymise(ref)
        async with self.db.transaction() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Answer)
                .where(Answer.participant_id == participant_id)
            )
            await session.execute(
                update(SafeguardingAlert)
                .where(SafeguardingAlert.participant_id == participant_id)
                .values(answer_id=None)
            )
            for model in (Answer, SurveyRun, ChannelAddress):
                await session.execute(delete(model).where(model.participant_id == participant_id))
            await session.execute(delete(Participant).where(Participant.id == participant_id))
        return int(count or 0)

    async def stop_messages(self, ref: ChannelRef) -> bool:
        """Turn off every proactive message for this person; True if we knew them."""
        participant_id = self.pseudonymise(ref)
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Participant)
                .where(Participant.id == participant_id)
                .values(stopped_at=utcnow(), reachable=False)
            )
        return bool(result.rowcount)

    def _title(self, survey_id: str) -> str:
        survey = self.surveys.get(survey_id)
        return str(survey.title) if survey else survey_id

    def _question_text(self, survey_id: str, question_id: str) -> str:
        survey = self.surveys.get(survey_id)
        if survey and survey.has_question(question_id):
            return str(survey.question(question_id).text)
        return question_id

    def _answer_text(self, answer: Answer) -> str:
        if answer.status != "answered":
            return {"skipped": "(skipped)", "rather_not_say": "(rather not say)"}.get(
                answer.status, ""
            )
        if answer.text is not None:
            return answer.text
        survey = self.surveys.get(answer.survey_id)
        value = answer.value
        if survey and survey.has_question(answer.question_id):
            question = survey.question(answer.question_id)
            values = value if isinstance(value, list) else [value]
            labels = [str(o.text) if (o := question.option(str(v))) else str(v) for v in values]
            return ", ".join(labels)
        return str(value)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat(timespec="minutes") if moment else None


def parse_start_payload(payload: str) -> tuple[str, str | None]:
    """Split a deep link's payload into a survey id and where the person came from.

    ``s_ehc_assessment-schoolA`` → (``ehc_assessment``, ``schoolA``). Survey ids never hold a
    hyphen, so the first one starts the source code (a setting or service, never a name).
    """
    survey_id, dash, source = payload.strip().partition("-")
    survey_id = survey_id.removeprefix("s_")
    return survey_id, (source[:64] if dash and source else None)


def _source_code(payload: str) -> str | None:
    return parse_start_payload(payload)[1]


def _strip_source(given: Input) -> Input:
    if given.action is not Action.START:
        return given
    return Input(Action.START, parse_start_payload(given.value)[0])


async def _lock_participant(session: AsyncSession, participant_id: str) -> Participant | None:
    query = select(Participant).where(Participant.id == participant_id).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def _create_participant(
    session: AsyncSession, participant_id: str, conversation: Conversation
) -> None:
    values = {
        "id": participant_id,
        "conversation": conversation.to_json(),
        "created_at": utcnow(),
        "last_seen_at": utcnow(),
        "reachable": True,
    }
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(Participant).values(
        values
    )
    await session.execute(statement.on_conflict_do_nothing(index_elements=["id"]))


async def _save_conversation(
    session: AsyncSession, participant_id: str, conversation: Conversation
) -> None:
    await session.execute(
        update(Participant)
        .where(Participant.id == participant_id)
        .values(
            conversation=conversation.to_json(),
            active_run_id=conversation.run.id if conversation.run else None,
            last_seen_at=utcnow(),
        )
    )


async def _unfinished_runs(
    session: AsyncSession, participant_id: str, conversation: Conversation
) -> dict[str, RunState]:
    active = conversation.run.id if conversation.run else None
    rows = await session.execute(
        select(SurveyRun.id, SurveyRun.survey_id, SurveyRun.state).where(
            SurveyRun.participant_id == participant_id,
            SurveyRun.status == "paused",
            SurveyRun.id != (active or ""),
        )
    )
    runs: dict[str, RunState] = {}
    for run_id, survey_id, state in rows:
        if state:
            runs[survey_id] = RunState(**state)
    return runs


class _Recorder:
    """Writes an outcome's events to the store."""

    def __init__(
        self,
        session: AsyncSession,
        surveys: SurveyCatalog,
        participant_id: str,
        channel: str,
        outcome: Outcome,
        answered_before: dict[str, Any],
    ) -> None:
        self.session = session
        self.surveys = surveys
        self.participant_id = participant_id
        self.channel = channel
        self.outcome = outcome
        self.answered_before = answered_before
        self.stored: list[StoredText] = []

    async def record(self) -> None:
        conversation = self.outcome.conversation
        profile_changes: dict[str, Any] = {}
        for event in self.outcome.events:
            if event.kind == "answer":
                await self._answer(event)
            elif event.kind == "answer_withdrawn":
                await self._supersede(event.run_id, event.question_id)
            elif event.kind == "not_understood":
                await self._not_understood(event)
            elif event.kind == "run_started":
                await self._run_started(event)
            elif event.kind == "run_paused":
                await self._run_paused(event)
            elif event.kind == "run_resumed":
                await self.session.execute(
                    update(SurveyRun)
                    .where(SurveyRun.id == event.run_id)
                    .values(status="in_progress", updated_at=utcnow())
                )
            elif event.kind == "run_completed":
                await self.session.execute(
                    update(SurveyRun)
                    .where(SurveyRun.id == event.run_id)
                    .values(
                        status="completed", completed_at=utcnow(), updated_at=utcnow(), state={}
                    )
                )
            elif event.kind == "profile":
                profile_changes[event.field or ""] = event.value
            elif event.kind == "consented":
                profile_changes["consented_at"] = utcnow()
        if profile_changes:
            await self.session.execute(
                update(Participant)
                .where(Participant.id == self.participant_id)
                .values(**profile_changes)
            )

    async def _answer(self, event: Event) -> None:
        survey = self.surveys.get(event.survey_id or "")
        question = (
            survey.question(event.question_id)
            if survey and event.question_id and survey.has_question(event.question_id)
            else None
        )
        if event.question_id in self.answered_before:
            await self._supersede(event.run_id, event.question_id)
        self.answered_before[event.question_id or ""] = event.value
        is_text = question is not None and question.type is QuestionType.FREE_TEXT
        text = event.value if is_text and isinstance(event.value, str) else None
        result = await self.session.execute(
            insert(Answer)
            .values(
                run_id=event.run_id,
                participant_id=self.participant_id,
                survey_id=event.survey_id,
                survey_version=event.survey_version,
                question_id=event.question_id,
                status=event.status.value if event.status else "answered",
                value=None if text is not None else event.value,
                text=text,
                created_at=utcnow(),
                restricted=False,
            )
            .returning(Answer.id)
        )
        answer_id = result.scalar_one()
        if text is not None and event.question_id and event.survey_id:
            profile = self.outcome.conversation.profile
            self.stored.append(
                StoredText(
                    answer_id,
                    self.participant_id,
                    event.survey_id,
                    event.question_id,
                    text,
                    profile.role,
                )
            )

    async def _supersede(self, run_id: str | None, question_id: str | None) -> None:
        await self.session.execute(
            update(Answer)
            .where(
                Answer.run_id == run_id,
                Answer.question_id == question_id,
                Answer.superseded_at.is_(None),
            )
            .values(superseded_at=utcnow())
        )

    async def _not_understood(self, event: Event) -> None:
        run = self.outcome.conversation.run
        await self.session.execute(
            insert(QuestionFeedback).values(
                survey_id=event.survey_id,
                survey_version=run.version if run else 0,
                question_id=event.question_id,
                kind="not_understood",
                created_at=utcnow(),
            )
        )

    async def _run_started(self, event: Event) -> None:
        conversation = self.outcome.conversation
        run = conversation.run
        profile = conversation.profile
        await self.session.execute(
            insert(SurveyRun).values(
                id=event.run_id,
                participant_id=self.participant_id,
                survey_id=event.survey_id,
                survey_version=event.survey_version,
                status="in_progress",
                role=profile.role,
                age_band=profile.age_band,
                answering_as=run.answering_as if run else None,
                language=profile.language,
                channel=self.channel,
                source=run.source if run else None,
                state={},
                started_at=utcnow(),
                updated_at=utcnow(),
            )
        )

    async def _run_paused(self, event: Event) -> None:
        paused = self.outcome.paused_run
        conversation_run = self.outcome.conversation.run
        run = paused if paused and paused.id == event.run_id else conversation_run
        state = _run_json(run) if run and run.id == event.run_id else {}
        await self.session.execute(
            update(SurveyRun)
            .where(SurveyRun.id == event.run_id)
            .values(status="paused", state=state, updated_at=utcnow())
        )


def _run_json(run: RunState) -> dict[str, Any]:
    return {
        "id": run.id,
        "survey_id": run.survey_id,
        "version": run.version,
        "current": run.current,
        "answers": run.answers,
        "history": run.history,
        "selected": run.selected,
        "answering_as": run.answering_as,
        "source": run.source,
    }
