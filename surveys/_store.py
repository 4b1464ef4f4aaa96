"""The chat's hot path in the store: one person's turn, as one synchronous transaction.

Every statement is built once, here, with bind parameters: building SQLAlchemy statements
anew for every message cost more than running them. The turn itself is plain synchronous
code over a :class:`~sqlalchemy.engine.Connection`, so the same function runs in SQLite's
writer thread (one thread hop per message) and, through ``run_sync``, on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from surveys.definition import QuestionType, SurveyCatalog
from surveys.engine import Outcome, PastRuns, RunState
from surveys.models import (
    Answer,
    ChannelAddress,
    Participant,
    QuestionFeedback,
    SafeguardingAlert,
    SurveyRun,
    utcnow,
)

LOCK_PARTICIPANT = (
    select(Participant.conversation).where(Participant.id == bindparam("pid")).with_for_update()
)
CREATE_PARTICIPANT = {
    name: dialect_insert(Participant).on_conflict_do_nothing(index_elements=["id"])
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
DELETE_PARTICIPANT = delete(Participant).where(Participant.id == bindparam("pid"))
SAVE_CONVERSATION = (
    update(Participant)
    .where(Participant.id == bindparam("pid"))
    .values(
        conversation=bindparam("conversation"),
        active_run_id=bindparam("active_run_id"),
        last_seen_at=bindparam("now"),
    )
)
ADD_ADDRESS = insert(ChannelAddress)
PAST_RUNS = select(SurveyRun.survey_id, SurveyRun.status, SurveyRun.state).where(
    SurveyRun.participant_id == bindparam("pid"),
    SurveyRun.status.in_(("paused", "completed")),
    SurveyRun.id != bindparam("active"),
)
ADD_ANSWER = insert(Answer).returning(Answer.id)
SUPERSEDE = (
    update(Answer)
    .where(
        Answer.run_id == bindparam("run"),
        Answer.question_id == bindparam("question"),
        Answer.superseded_at.is_(None),
    )
    .values(superseded_at=bindparam("now"))
)
RESTRICT_ANSWER = update(Answer).where(Answer.id == bindparam("answer")).values(restricted=True)
ADD_FEEDBACK = insert(QuestionFeedback)
ADD_RUN = insert(SurveyRun)
SET_RUN_STATUS = (
    update(SurveyRun)
    .where(SurveyRun.id == bindparam("run"))
    .values(status=bindparam("status"), state=bindparam("state"), updated_at=bindparam("now"))
)
COMPLETE_RUN = (
    update(SurveyRun)
    .where(SurveyRun.id == bindparam("run"))
    .values(
        status="completed", completed_at=bindparam("now"), updated_at=bindparam("now"), state={}
    )
)
ADD_ALERT = insert(SafeguardingAlert).returning(SafeguardingAlert.id)
PROFILE_COLUMNS = ("role", "age_band", "format", "language")


def lock_participant(conn: Connection, participant_id: str) -> dict[str, Any] | None:
    """The person's conversation, locked for this transaction; None for someone new."""
    row = conn.execute(LOCK_PARTICIPANT, {"pid": participant_id}).first()
    return None if row is None else (row[0] or {})


def create_participant(conn: Connection, participant_id: str, conversation: dict[str, Any]) -> None:
    now = utcnow()
    conn.execute(
        CREATE_PARTICIPANT[conn.dialect.name],
        {
            "id": participant_id,
            "conversation": conversation,
            "created_at": now,
            "last_seen_at": now,
            "reachable": True,
        },
    )


def forget_participant(conn: Connection, participant_id: str) -> None:
    conn.execute(DELETE_PARTICIPANT, {"pid": participant_id})


def save_conversation(
    conn: Connection, participant_id: str, conversation: dict[str, Any], active_run_id: str | None
) -> None:
    conn.execute(
        SAVE_CONVERSATION,
        {
            "pid": participant_id,
            "conversation": conversation,
            "active_run_id": active_run_id,
            "now": utcnow(),
        },
    )


def add_address(conn: Connection, participant_id: str, channel: str, address: str) -> None:
    conn.execute(
        ADD_ADDRESS,
        {
            "participant_id": participant_id,
            "channel": channel,
            "address": address,
            "created_at": utcnow(),
        },
    )


def past_runs(conn: Connection, participant_id: str, active: str | None) -> PastRuns:
    """The person's paused runs (to carry on) and the surveys they have finished."""
    rows = conn.execute(PAST_RUNS, {"pid": participant_id, "active": active or ""}).all()
    return PastRuns(
        unfinished={
            sid: RunState(**state) for sid, status, state in rows if status == "paused" and state
        },
        completed=frozenset(sid for sid, status, _ in rows if status == "completed"),
    )


def restrict_answer(conn: Connection, answer_id: int) -> None:
    conn.execute(RESTRICT_ANSWER, {"answer": answer_id})


def add_alert(conn: Connection, alert: SafeguardingAlert) -> int:
    return conn.execute(
        ADD_ALERT,
        {
            "participant_id": alert.participant_id,
            "answer_id": alert.answer_id,
            "category": alert.category,
            "level": alert.level,
            "excerpt": alert.excerpt,
            "created_at": alert.created_at,
            "status": alert.status,
        },
    ).scalar_one()


@dataclass(frozen=True, slots=True)
class FreeText:
    answer_id: int
    survey_id: str
    question_id: str
    text: str


@dataclass(slots=True)
class Recorder:
    """Writes what the engine says happened in one turn."""

    conn: Connection
    surveys: SurveyCatalog
    participant_id: str
    channel: str
    outcome: Outcome
    answered_before: dict[str, Any]
    free_texts: list[FreeText] = field(default_factory=list)

    def record(self) -> None:
        profile_changes: dict[str, Any] = {}
        now = utcnow()
        handlers: Mapping[str, Callable[[Any], None]] = {
            "answer": self._answer,
            "answer_withdrawn": lambda e: self._supersede(e.run_id, e.question_id),
            "not_understood": self._not_understood,
            "run_started": self._run_started,
            "run_paused": self._run_paused,
            "run_resumed": lambda e: self._set_status(e.run_id, "in_progress", {}),
            "run_completed": lambda e: self.conn.execute(
                COMPLETE_RUN, {"run": e.run_id, "now": now}
            ),
        }
        for event in self.outcome.events:
            if event.kind == "profile":
                profile_changes[event.field or ""] = event.value
            elif event.kind == "consented":
                profile_changes["consented_at"] = now
            else:
                handlers[event.kind](event)
        if profile_changes:
            self.conn.execute(
                update(Participant)
                .where(Participant.id == self.participant_id)
                .values(**profile_changes)
            )

    def _answer(self, event: Any) -> None:
        survey = self.surveys.get(event.survey_id or "")
        is_text = bool(
            survey
            and survey.has_question(event.question_id)
            and survey.question(event.question_id).type is QuestionType.FREE_TEXT
            and isinstance(event.value, str)
        )
        if event.question_id in self.answered_before:
            self._supersede(event.run_id, event.question_id)
        self.answered_before[event.question_id] = event.value
        answer_id = self.conn.execute(
            ADD_ANSWER,
            {
                "run_id": event.run_id,
                "participant_id": self.participant_id,
                "survey_id": event.survey_id,
                "survey_version": event.survey_version,
                "question_id": event.question_id,
                "status": event.status.value,
                "value": None if is_text else event.value,
                "text": event.value if is_text else None,
                "created_at": utcnow(),
                "restricted": False,
            },
        ).scalar_one()
        if is_text:
            self.free_texts.append(
                FreeText(answer_id, event.survey_id, event.question_id, event.value)
            )

    def _supersede(self, run_id: str | None, question_id: str | None) -> None:
        self.conn.execute(SUPERSEDE, {"run": run_id, "question": question_id, "now": utcnow()})

    def _not_understood(self, event: Any) -> None:
        run = self.outcome.conversation.run
        self.conn.execute(
            ADD_FEEDBACK,
            {
                "survey_id": event.survey_id,
                "survey_version": run.version if run else 0,
                "question_id": event.question_id,
                "kind": "not_understood",
                "created_at": utcnow(),
            },
        )

    def _run_started(self, event: Any) -> None:
        conversation = self.outcome.conversation
        run, profile, now = conversation.run, conversation.profile, utcnow()
        self.conn.execute(
            ADD_RUN,
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
                "started_at": now,
                "updated_at": now,
            },
        )

    def _run_paused(self, event: Any) -> None:
        candidates = (self.outcome.paused_run, self.outcome.conversation.run)
        run = next((r for r in candidates if r is not None and r.id == event.run_id), None)
        self._set_status(event.run_id, "paused", run.to_json() if run else {})

    def _set_status(self, run_id: str | None, status: str, state: dict[str, Any]) -> None:
        self.conn.execute(
            SET_RUN_STATUS, {"run": run_id, "status": status, "state": state, "now": utcnow()}
        )
