"""The survey service: one input in, one transaction, prompts out.

Channels call :meth:`SurveyService.handle` with who sent something (:class:`ChannelRef`)
and what they did (:class:`~surveys.engine.Input`). The service locks that person's row,
runs the pure engine, records what the engine says happened, and commits — all in one
transaction, so two messages from one person arriving at once are taken one after the
other and nothing is lost or doubled, on SQLite or PostgreSQL, in one process or several.

Exceptions::

    SurveyError
      ├─ UnknownParticipant   (rights requests from someone we hold nothing for)
      └─ CannotRewrite        (new words for an answer that cannot take them; says why)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from surveys import _store
from surveys.database import Database
from surveys.definition import QuestionType, SurveyCatalog, Text
from surveys.engine import (
    Action,
    Context,
    Conversation,
    Input,
    PastRuns,
    Profile,
    Prompt,
    PromptKind,
    Step,
    advance,
    needs_past_runs,
    show_again,
    without_control_characters,
)
from surveys.models import (
    Answer,
    ChannelAddress,
    Participant,
    SafeguardingAlert,
    SurveyRun,
    utcnow,
)
from surveys.reading import choose_text
from surveys.wording import Wording

log = logging.getLogger(__name__)


class SurveyError(Exception):
    """Base of the survey package's own errors."""


class UnknownParticipant(SurveyError):
    """Nothing is held for this person."""


class CannotRewrite(SurveyError):
    """New words that cannot be stored for an answer; the message says why, for staff.

    ``limit`` is set when the words are longer than the question allows.
    """

    def __init__(self, message: str, *, limit: int | None = None) -> None:
        super().__init__(message)
        self.limit = limit


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
    """What a safeguarding screen found in a message, and what to say back at once.

    ``reply`` holds the kind words and ``card`` the help-now card, apart, so that a channel
    showing the card its own way (the web chat's help card) never shows it twice.
    """

    category: str
    level: str  # "immediate" (999 first) or "concern"
    excerpt: str
    reply: str
    card: str  # the help-now card as chat text, in the person's language and reading level


def _open_alert(finding: RiskFinding, participant_id: str, at: dt.datetime) -> SafeguardingAlert:
    """A new alert for the safeguarding lead about what ``finding`` saw (not yet stored)."""
    return SafeguardingAlert(
        participant_id=participant_id,
        category=finding.category,
        level=finding.level,
        excerpt=finding.excerpt,
        created_at=at,
        status="open",
    )


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
# Runs inside the transaction that stores rewritten words, with the new answer's id.
AlsoInTransaction = Callable[[AsyncSession, int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Rewritten:
    """Words stored for an answer given another way: the new answer, and any alert raised."""

    answer_id: int
    alert: SafeguardingAlert | None


@dataclass(slots=True)
class Reply:
    participant_id: str
    prompts: list[Prompt]
    step: Step
    stored: list[StoredText] = field(default_factory=list)
    alert: SafeguardingAlert | None = None


class BackgroundWork:
    """Work started after a reply has gone (analysis, alerts): kept, logged, waited for.

    A failure is logged with ``failure`` and never reaches the person: what they said is
    already stored.
    """

    def __init__(self, failure: str) -> None:
        self._failure = failure
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Awaitable[None]) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception:
                log.exception(self._failure)

        task = asyncio.ensure_future(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks))


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
        self._background = BackgroundWork("work after an answer failed; the answer itself is safe")

    @property
    def surveys(self) -> SurveyCatalog:
        return self.context.surveys

    # ------------------------------------------------------------------ conversation

    async def handle(self, ref: ChannelRef, given: Input) -> Reply:
        """Take one input from ``ref`` and return what to show them next."""
        participant_id = self.pseudonymise(ref)
        decided = await self.db.turn(participant_id, _Turn(self, participant_id, ref, given))
        reply = decided.written()
        self._after_commit(reply.stored, reply.alert)
        return reply

    def _after_commit(self, stored: list[StoredText], alert: SafeguardingAlert | None) -> None:
        if stored and self.on_answers is not None:
            self._background.spawn(self.on_answers(list(stored)))
        if alert is not None and self.on_alert is not None:
            self._background.spawn(self.on_alert(alert))

    async def drain(self) -> None:
        """Wait for analysis and alerts started by earlier inputs (tests, shutdown)."""
        await self._background.drain()

    # ------------------------------------------------------------------ words given another way

    async def rewrite_text(
        self, answer_id: int, text: str, *, also: AlsoInTransaction | None = None
    ) -> Rewritten:
        """Store ``text`` as the words of a free-text answer given another way.

        A voice note is stored as a marker line until a person types it up; this is how the
        typed words arrive. As with any changed answer the old row is superseded, never
        overwritten, and the words go through the same checks and hooks as typed ones: the
        question's length limit, the safeguarding screen before commit (a disclosure is
        restricted and raises an alert), and analysis after it. The person is not messaged:
        they may have moved on long ago, and the safeguarding lead acts on the alert.
        ``also`` runs in the same transaction (to mark the voice note done, audit it).
        """
        text = without_control_characters(text.replace("\r\n", "\n")).strip()
        original, person = await self._rewritable(answer_id, text)
        profile = Profile(person.role, person.age_band, person.format, person.language)
        finding = (
            self.screen(text, language=profile.language or "en", easy=profile.easy)
            if self.screen is not None
            else None
        )
        async with self.db.transaction() as session:
            new_id = await _supersede_with(session, original, text, restricted=finding is not None)
            alert = None
            if finding is not None:
                alert = _open_alert(finding, original.participant_id, utcnow())
                alert.answer_id = new_id
                session.add(alert)
            if also is not None:
                await also(session, new_id)
        stored = StoredText(
            new_id,
            original.participant_id,
            original.survey_id,
            original.question_id,
            text,
            person.role,
        )
        self._after_commit([] if alert else [stored], alert)
        return Rewritten(new_id, alert)

    async def _rewritable(self, answer_id: int, text: str) -> tuple[Answer, Participant]:
        """The current answer and its person, once ``text`` is known to fit the question."""
        async with self.db.reading() as session:
            row = (
                await session.execute(
                    select(Answer, Participant)
                    .join(Participant, Participant.id == Answer.participant_id)
                    .where(Answer.id == answer_id)
                )
            ).first()
        if row is None:
            raise CannotRewrite("That answer is no longer held: the person may have deleted it.")
        answer, person = row
        if answer.superseded_at is not None:
            raise CannotRewrite("The person has changed that answer since, so nothing was saved.")
        survey = self.surveys.get(answer.survey_id)
        if survey is None or not survey.has_question(answer.question_id):
            raise CannotRewrite("That answer's question is no longer in any survey loaded here.")
        question = survey.question(answer.question_id)
        if question.type is not QuestionType.FREE_TEXT:
            raise CannotRewrite("That answer is not to a question that takes words.")
        if not text:
            raise CannotRewrite("Type what the person said before saving.")
        if len(text) > question.max_length:
            raise CannotRewrite(
                f"That is {len(text):,} characters; answers to this question can be up to "
                f"{question.max_length:,}. Nothing has been saved: shorten it and save again.",
                limit=question.max_length,
            )
        return answer, person

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

    async def completed_surveys(self, ref: ChannelRef) -> frozenset[str]:
        """The surveys this person has finished, which a menu no longer offers them."""
        participant_id = self.pseudonymise(ref)
        async with self.db.reading() as session:
            found = await session.scalars(
                select(SurveyRun.survey_id).where(
                    SurveyRun.participant_id == participant_id, SurveyRun.status == "completed"
                )
            )
            return frozenset(found)

    async def my_data(self, ref: ChannelRef) -> dict[str, Any]:
        """Everything stored under this person's pseudonym, as a record they can read and keep.

        Survey words (titles, questions, options) are in the person's language and reading
        level; what the bot chose for them (role, format, status) stays a code for the channel
        to word. Each answer carries its ``id`` so a person can point at one in a request to
        correct it, and its ``status``: a skipped question has no answer text.
        """
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
        words = _Reader(
            self.surveys, Profile(None, person.age_band, person.format, person.language)
        )
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
                "proactive_messages": "off" if person.stopped_at else "on",
            },
            "how_we_can_reach_you": [a.channel for a in addresses],
            "surveys": [
                {
                    "survey": words.title(run.survey_id),
                    "status": run.status,
                    "started": _iso(run.started_at),
                    "answering_as": run.answering_as,
                    "came_from": run.source,
                    "answers": [
                        {
                            "id": a.id,
                            "question": words.question(a.survey_id, a.question_id),
                            "status": a.status,
                            "answer": words.answer(a),
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
        self.db.forget_recent(participant_id)
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


class _Reader:
    """Survey words as one person reads them (:func:`surveys.reading.choose_text`)."""

    def __init__(self, surveys: SurveyCatalog, profile: Profile) -> None:
        self.surveys = surveys
        self.profile = profile

    def read(self, plain: Text, easy: Text | None = None) -> str:
        found = choose_text(
            plain.by_language,
            easy.by_language if easy else None,
            language=self.profile.language or plain.base,
            base=plain.base,
            wants_easy=self.profile.easy,
        )
        return found[0] if found else str(plain)

    def title(self, survey_id: str) -> str:
        survey = self.surveys.get(survey_id)
        return self.read(survey.title) if survey else survey_id

    def question(self, survey_id: str, question_id: str) -> str:
        survey = self.surveys.get(survey_id)
        if survey and survey.has_question(question_id):
            question = survey.question(question_id)
            return self.read(question.text, question.easy)
        return question_id

    def answer(self, answer: Answer) -> str | None:
        """The answer in words; None when the question was skipped or not said."""
        if answer.status != "answered":
            return None
        if answer.text is not None:
            return answer.text
        survey = self.surveys.get(answer.survey_id)
        values = answer.value if isinstance(answer.value, list) else [answer.value]
        if not (survey and survey.has_question(answer.question_id)):
            return ", ".join(str(v) for v in values)
        question = survey.question(answer.question_id)
        return ", ".join(
            self.read(option.text, option.easy) if (option := question.option(str(v))) else str(v)
            for v in values
        )


@dataclass(slots=True)
class _Decided:
    """A turn's reply before its writes ran: the ids of new rows are not known yet."""

    reply: Reply
    free_texts: list[_store.FreeText]
    role: str | None
    alert: SafeguardingAlert | None = None
    alert_id: _store.Pending | None = None
    alert_answer: _store.Pending | None = None

    def written(self) -> Reply:
        """The reply, once the writes have run and handed out their ids."""
        reply = self.reply
        reply.stored = [
            StoredText(
                int(text.answer_id.value or 0),
                reply.participant_id,
                text.survey_id,
                text.question_id,
                text.text,
                self.role,
            )
            for text in self.free_texts
        ]
        if self.alert is not None:
            assert self.alert_id is not None
            self.alert.id = self.alert_id.value
            self.alert.answer_id = self.alert_answer.value if self.alert_answer else None
            reply.alert = self.alert
        return reply


@dataclass(slots=True)
class _Turn:
    """One input from one person, decided over the conversation the store read.

    The store may call :meth:`decide` again over a newer conversation (two messages from the
    person at once): it changes nothing but what it returns.
    """

    service: SurveyService
    participant_id: str
    ref: ChannelRef
    given: Input
    _parsed: tuple[_store.Snapshot, Conversation] | None = None

    def _conversation(self, snapshot: _store.Snapshot) -> Conversation:
        if self._parsed is None or self._parsed[0] is not snapshot:
            self._parsed = (snapshot, Conversation.from_json(snapshot.conversation))
        return self._parsed[1]

    def needs_past_runs(self, snapshot: _store.Snapshot) -> bool:
        return needs_past_runs(self._conversation(snapshot), self.given)

    def decide(self, snapshot: _store.Snapshot, past: PastRuns) -> tuple[_Decided, list[_store.Op]]:
        conversation = self._conversation(snapshot)
        self._parsed = None  # advance() changes it in place: a retry must parse afresh
        given, pid, now = self.given, self.participant_id, utcnow()
        was_consented = conversation.consented
        if given.action is Action.START:
            survey_id, source = parse_start_payload(given.value)
            if not was_consented and given.value:
                conversation.source = source
            given = Input(Action.START, survey_id)
        before = dict(conversation.run.answers) if conversation.run else {}
        outcome = advance(self.service.context, conversation, given, past)
        state = outcome.conversation
        decided = _Decided(Reply(pid, outcome.prompts, state.step), [], state.profile.role)
        if not state.consented:
            # Nothing but the conversation's place is kept before someone agrees, and
            # not even that once they say "not now".
            if not snapshot.is_new and state.step is Step.NEW:
                return decided, [_store.forget_person(snapshot, pid)]
            return decided, [_store.save_person(snapshot, pid, state, now)]
        ops = [_store.save_person(snapshot, pid, state, now, consented_now=not was_consented)]
        if not was_consented and self.ref.address:
            ops.append(_store.add_address(pid, self.ref.channel, self.ref.address, now))
        recorder = _store.Recorder(
            self.service.surveys, pid, self.ref.channel, outcome, before, now
        )
        recorder.record()
        if given.action is Action.TEXT and self.service.screen is not None:
            self._screen(decided, recorder, state, given.value)
        ops.extend(recorder.ops)
        decided.free_texts = recorder.free_texts
        return decided, ops

    def _screen(
        self,
        decided: _Decided,
        recorder: _store.Recorder,
        conversation: Conversation,
        text: str,
    ) -> None:
        """Check typed words for a disclosure of risk; on one, answer with support at once."""
        assert self.service.screen is not None
        profile = conversation.profile
        finding = self.service.screen(text, language=profile.language or "en", easy=profile.easy)
        if finding is None:
            return
        # The words go to the safeguarding lead only: never to theming or exports.
        answer_id = recorder.restrict_last_text()
        decided.alert = _open_alert(finding, self.participant_id, recorder.now)
        decided.alert_id, decided.alert_answer = _store.Pending(), answer_id
        recorder.ops.append(_store.add_alert(decided.alert, answer_id, decided.alert_id))
        support = Prompt(
            PromptKind.INFO,
            finding.reply,
            card=finding.card,
            easy=profile.easy,
            speak=profile.listen,
            language=profile.language or "en",
        )
        decided.reply.prompts.insert(0, support)


async def _supersede_with(
    session: AsyncSession, original: Answer, text: str, *, restricted: bool
) -> int:
    """Supersede ``original`` and store ``text`` in its place; the new answer's id.

    The new row keeps the original's time, so reports count it when it was said. It only
    goes ahead over an answer still current: a person changing it meanwhile wins.
    """
    now = utcnow()
    superseded = await session.execute(
        update(Answer)
        .where(Answer.id == original.id, Answer.superseded_at.is_(None))
        .values(superseded_at=now)
    )
    if superseded.rowcount != 1:
        raise CannotRewrite("The person has changed that answer since, so nothing was saved.")
    return (
        await session.execute(
            insert(Answer)
            .values(
                run_id=original.run_id,
                participant_id=original.participant_id,
                survey_id=original.survey_id,
                survey_version=original.survey_version,
                question_id=original.question_id,
                status="answered",
                value=None,
                text=text,
                created_at=original.created_at,
                restricted=restricted,
            )
            .returning(Answer.id)
        )
    ).scalar_one()


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
