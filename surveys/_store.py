"""What one turn of a conversation writes, described once as SQLAlchemy Core statements.

A turn is *read, decide, write*: the person's conversation is read, the pure engine decides,
and :class:`Recorder` turns what it decided into :class:`Writes` — a short list of
:class:`Op` (a named statement and its parameters) that :mod:`surveys._turns` runs as one
atomic unit on whichever database is in use.

Every list of writes starts with the person's own row, saved *over the version that was
read* (``participant.version``): a turn that finds the version moved on was decided on a
stale conversation, and is read and decided again. That is what makes two messages from one
person arriving at once safe, in one process or several, without holding a lock while the
engine thinks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql import Executable
from sqlalchemy.sql.dml import Update
from sqlalchemy.sql.schema import Table

from surveys.definition import QuestionType, SurveyCatalog
from surveys.engine import Conversation, Event, Outcome, PastRuns, RunState
from surveys.models import (
    Answer,
    ChannelAddress,
    Participant,
    QuestionFeedback,
    SafeguardingAlert,
    SurveyRun,
)


def _insert_values(table: Table, columns: tuple[str, ...]) -> dict[str, Any]:
    return {name: bindparam(name, type_=table.c[name].type) for name in columns}


PROFILE_COLUMNS = ("role", "age_band", "format", "language")
PARTICIPANT_COLUMNS = (
    "id",
    "conversation",
    "active_run_id",
    "version",
    "created_at",
    "last_seen_at",
    "reachable",
    "consented_at",
    *PROFILE_COLUMNS,
)
ANSWER_COLUMNS = (
    "run_id",
    "participant_id",
    "survey_id",
    "survey_version",
    "question_id",
    "status",
    "value",
    "text",
    "created_at",
    "restricted",
)
RUN_COLUMNS = (
    "id",
    "participant_id",
    "survey_id",
    "survey_version",
    "status",
    "role",
    "age_band",
    "answering_as",
    "language",
    "channel",
    "source",
    "state",
    "started_at",
    "updated_at",
)
ALERT_COLUMNS = (
    "participant_id",
    "answer_id",
    "category",
    "level",
    "excerpt",
    "created_at",
    "status",
)

_participant = Participant.__table__
READ_CONVERSATION = select(Participant.conversation, Participant.version).where(
    Participant.id == bindparam("pid")
)
PAST_RUNS = select(SurveyRun.survey_id, SurveyRun.status, SurveyRun.state).where(
    SurveyRun.participant_id == bindparam("pid"),
    # Not IN (…): an expanding parameter would stop the statement compiling once, ahead.
    or_(SurveyRun.status == "paused", SurveyRun.status == "completed"),
    SurveyRun.id != bindparam("active"),
)
# Someone else may have created the row a moment ago: then nothing is inserted, and the
# turn is decided again over their row.
CREATE_PARTICIPANT = {
    name: dialect_insert(Participant)
    .values(_insert_values(_participant, PARTICIPANT_COLUMNS))
    .on_conflict_do_nothing(index_elements=["id"])
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}


def save_conversation_statement() -> Update:
    """Save the person's row over the version read (a new object each call: see _turns)."""
    return (
        update(Participant)
        .where(Participant.id == bindparam("pid"), Participant.version == bindparam("read_version"))
        .values(
            conversation=bindparam("conversation", type_=_participant.c.conversation.type),
            active_run_id=bindparam("active_run_id"),
            last_seen_at=bindparam("now", type_=_participant.c.last_seen_at.type),
            version=Participant.version + 1,
            consented_at=func.coalesce(
                Participant.consented_at,
                bindparam("consented_at", type_=_participant.c.consented_at.type),
            ),
            **{name: bindparam(name, type_=_participant.c[name].type) for name in PROFILE_COLUMNS},
        )
    )


SAVE_CONVERSATION = save_conversation_statement()
FORGET_PARTICIPANT = delete(Participant).where(
    Participant.id == bindparam("pid"), Participant.version == bindparam("read_version")
)
ADD_ADDRESS = insert(ChannelAddress).values(
    _insert_values(ChannelAddress.__table__, ("participant_id", "channel", "address", "created_at"))
)
ADD_ANSWER = (
    insert(Answer).values(_insert_values(Answer.__table__, ANSWER_COLUMNS)).returning(Answer.id)
)


def supersede_statement() -> Update:
    """Mark a question's earlier answer superseded (a new object each call: see _turns)."""
    return (
        update(Answer)
        .where(
            Answer.run_id == bindparam("run"),
            Answer.question_id == bindparam("question"),
            Answer.superseded_at.is_(None),
        )
        .values(superseded_at=bindparam("now", type_=Answer.__table__.c.superseded_at.type))
    )


SUPERSEDE = supersede_statement()
ADD_FEEDBACK = insert(QuestionFeedback).values(
    _insert_values(
        QuestionFeedback.__table__,
        ("survey_id", "survey_version", "question_id", "kind", "created_at"),
    )
)
ADD_RUN = insert(SurveyRun).values(_insert_values(SurveyRun.__table__, RUN_COLUMNS))
SET_RUN_STATUS = (
    update(SurveyRun)
    .where(SurveyRun.id == bindparam("run"))
    .values(
        status=bindparam("status"),
        state=bindparam("state", type_=SurveyRun.__table__.c.state.type),
        updated_at=bindparam("now", type_=SurveyRun.__table__.c.updated_at.type),
    )
)
COMPLETE_RUN = (
    update(SurveyRun)
    .where(SurveyRun.id == bindparam("run"))
    .values(
        status="completed",
        completed_at=bindparam("now", type_=SurveyRun.__table__.c.completed_at.type),
        updated_at=bindparam("now", type_=SurveyRun.__table__.c.updated_at.type),
        state={},
    )
)
ADD_ALERT = (
    insert(SafeguardingAlert)
    .values(_insert_values(SafeguardingAlert.__table__, ALERT_COLUMNS))
    .returning(SafeguardingAlert.id)
)

# Every statement a turn may run, by name; a value that is a mapping is per dialect.
STATEMENTS: Mapping[str, Executable | Mapping[str, Executable]] = {
    "read_conversation": READ_CONVERSATION,
    "past_runs": PAST_RUNS,
    "create_participant": CREATE_PARTICIPANT,
    "save_conversation": SAVE_CONVERSATION,
    "forget_participant": FORGET_PARTICIPANT,
    "add_address": ADD_ADDRESS,
    "add_answer": ADD_ANSWER,
    "supersede": SUPERSEDE,
    "add_feedback": ADD_FEEDBACK,
    "add_run": ADD_RUN,
    "set_run_status": SET_RUN_STATUS,
    "complete_run": COMPLETE_RUN,
    "add_alert": ADD_ALERT,
}


def statement(name: str, dialect: str) -> Executable:
    found = STATEMENTS[name]
    return found[dialect] if isinstance(found, Mapping) else found


# --------------------------------------------------------------------------- writes


@dataclass(slots=True)
class Pending:
    """An id the database hands out when the write runs (a new answer's, an alert's)."""

    value: int | None = None


@dataclass(frozen=True, slots=True)
class Op:
    """One statement of a turn's writes. ``result`` receives a ``RETURNING`` id.

    ``checked`` ops must change exactly one row; otherwise the conversation changed since
    it was read and the turn is decided again (see :class:`Conflict`).
    """

    statement: str
    params: dict[str, Any]
    result: Pending | None = None
    checked: bool = False


class Conflict(Exception):
    """The person's conversation changed after this turn read it: decide the turn again."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A person's conversation as read at the start of a turn (``None``: someone new)."""

    conversation: dict[str, Any] | None
    version: int = 0

    @property
    def is_new(self) -> bool:
        return self.conversation is None


def resolve(value: Any) -> Any:
    """A parameter's value at the moment its statement runs."""
    return value.value if isinstance(value, Pending) else value


def past_runs_from_rows(rows: list[tuple[str, str, Any]]) -> PastRuns:
    """The person's paused runs (to carry on) and the surveys they have finished."""
    return PastRuns(
        unfinished={
            sid: RunState(**state) for sid, status, state in rows if status == "paused" and state
        },
        completed=frozenset(sid for sid, status, _ in rows if status == "completed"),
    )


def save_person(
    snapshot: Snapshot,
    participant_id: str,
    conversation: Conversation,
    now: dt.datetime,
    *,
    consented_now: bool = False,
) -> Op:
    """The op that saves the person's row over the version read (always a turn's first)."""
    consented = conversation.consented
    profile = conversation.profile
    columns = {
        "conversation": conversation.to_json(),
        "active_run_id": conversation.run.id if consented and conversation.run else None,
        # Nothing about the person but the conversation's place is kept before they agree.
        **{name: getattr(profile, name) if consented else None for name in PROFILE_COLUMNS},
        "consented_at": now if consented_now else None,
    }
    if snapshot.is_new:
        return Op(
            "create_participant",
            {
                "id": participant_id,
                "version": 1,
                "created_at": now,
                "last_seen_at": now,
                "reachable": True,
                **columns,
            },
            checked=True,
        )
    return Op(
        "save_conversation",
        {"pid": participant_id, "read_version": snapshot.version, "now": now, **columns},
        checked=True,
    )


def forget_person(snapshot: Snapshot, participant_id: str) -> Op:
    return Op(
        "forget_participant",
        {"pid": participant_id, "read_version": snapshot.version},
        checked=True,
    )


@dataclass(frozen=True, slots=True)
class FreeText:
    answer_id: Pending
    survey_id: str
    question_id: str
    text: str


@dataclass(slots=True)
class Recorder:
    """Turns what the engine says happened in one turn into the writes that record it."""

    surveys: SurveyCatalog
    participant_id: str
    channel: str
    outcome: Outcome
    answered_before: dict[str, Any]
    now: dt.datetime
    ops: list[Op] = field(default_factory=list)
    free_texts: list[FreeText] = field(default_factory=list)

    def record(self) -> list[Op]:
        for event in self.outcome.events:
            match event.kind:
                case "answer":
                    self._answer(event)
                case "answer_withdrawn":
                    self._supersede(event.run_id, event.question_id)
                case "not_understood":
                    self._not_understood(event)
                case "run_started":
                    self._run_started(event)
                case "run_paused":
                    self._run_paused(event)
                case "run_resumed":
                    self._set_status(event.run_id, "in_progress", {})
                case "run_completed":
                    self.ops.append(Op("complete_run", {"run": event.run_id, "now": self.now}))
                # "consented" and "profile" are saved with the person's row.
        return self.ops

    def _answer(self, event: Event) -> None:
        survey = self.surveys.get(event.survey_id or "")
        is_text = bool(
            survey
            and survey.has_question(event.question_id or "")
            and survey.question(event.question_id or "").type is QuestionType.FREE_TEXT
            and isinstance(event.value, str)
        )
        if event.question_id in self.answered_before:
            self._supersede(event.run_id, event.question_id)
        self.answered_before[event.question_id or ""] = event.value
        answer_id = Pending()
        assert event.status is not None
        self.ops.append(
            Op(
                "add_answer",
                {
                    "run_id": event.run_id,
                    "participant_id": self.participant_id,
                    "survey_id": event.survey_id,
                    "survey_version": event.survey_version,
                    "question_id": event.question_id,
                    "status": event.status.value,
                    "value": None if is_text else event.value,
                    "text": event.value if is_text else None,
                    "created_at": self.now,
                    "restricted": False,
                },
                result=answer_id,
            )
        )
        if is_text:
            self.free_texts.append(
                FreeText(answer_id, event.survey_id or "", event.question_id or "", event.value)
            )

    def restrict_last_text(self) -> Pending | None:
        """Mark the turn's free-text answer restricted (a possible disclosure); its id."""
        if not self.free_texts:
            return None
        pending = self.free_texts.pop().answer_id
        for index, op in enumerate(self.ops):
            if op.result is pending:
                self.ops[index] = Op(op.statement, {**op.params, "restricted": True}, pending)
        return pending

    def _supersede(self, run_id: str | None, question_id: str | None) -> None:
        self.ops.append(Op("supersede", {"run": run_id, "question": question_id, "now": self.now}))

    def _not_understood(self, event: Event) -> None:
        run = self.outcome.conversation.run
        self.ops.append(
            Op(
                "add_feedback",
                {
                    "survey_id": event.survey_id,
                    "survey_version": run.version if run else 0,
                    "question_id": event.question_id,
                    "kind": "not_understood",
                    "created_at": self.now,
                },
            )
        )

    def _run_started(self, event: Event) -> None:
        conversation = self.outcome.conversation
        run, profile = conversation.run, conversation.profile
        self.ops.append(
            Op(
                "add_run",
                {
                    "id": event.run_id,
                    "participant_id": self.participant_id,
                    "survey_id": event.survey_id,
                    "survey_version": event.survey_version,
                    "status": "in_progress",
                    "role": profile.role,
                    "age_band": profile.age_band,
                    "answering_as": run.answering_as if run else None,
                    "language": profile.language,
                    "channel": self.channel,
                    "source": run.source if run else None,
                    "state": {},
                    "started_at": self.now,
                    "updated_at": self.now,
                },
            )
        )

    def _run_paused(self, event: Event) -> None:
        candidates = (self.outcome.paused_run, self.outcome.conversation.run)
        run = next((r for r in candidates if r is not None and r.id == event.run_id), None)
        self._set_status(event.run_id, "paused", run.to_json() if run else {})

    def _set_status(self, run_id: str | None, status: str, state: dict[str, Any]) -> None:
        self.ops.append(
            Op("set_run_status", {"run": run_id, "status": status, "state": state, "now": self.now})
        )


def add_address(participant_id: str, channel: str, address: str, now: dt.datetime) -> Op:
    return Op(
        "add_address",
        {
            "participant_id": participant_id,
            "channel": channel,
            "address": address,
            "created_at": now,
        },
    )


def add_alert(alert: SafeguardingAlert, answer_id: Pending | None, result: Pending) -> Op:
    return Op(
        "add_alert",
        {
            "participant_id": alert.participant_id,
            "answer_id": answer_id,
            "category": alert.category,
            "level": alert.level,
            "excerpt": alert.excerpt,
            "created_at": alert.created_at,
            "status": alert.status,
        },
        result=result,
    )
