"""Voice notes waiting to be typed up, as staff see them, and storing what they type.

A voice note given as a free-text answer is stored as a marker line, with Telegram's
``file_id`` in :class:`~bot.telegram.models.VoiceNote`. Staff see where it was said (survey,
question), when and how long it is — never who said it — listen to it through the dashboard,
and type it up. The typed words replace the marker through the survey service
(:meth:`~surveys.service.SurveyService.rewrite_text`), so they are screened for safeguarding
and analysed exactly as if the person had typed them.

A note waits while it is not typed up and its answer is still the person's current one (one
they changed or erased since needs nothing more).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard import audit
from bot.dashboard.auth import Staff
from bot.telegram.models import VoiceNote
from surveys.database import Database
from surveys.definition import DEFAULT_FREE_TEXT_LIMIT, SurveyCatalog
from surveys.models import Answer, utcnow
from surveys.service import CannotRewrite, Rewritten, SurveyService


@dataclass(frozen=True, slots=True)
class WaitingNote:
    """One voice note as staff see it: nothing that says who sent it."""

    id: int
    answer_id: int
    file_id: str  # for fetching the audio; never shown
    survey: str
    question: str
    received: dt.datetime
    duration_seconds: int | None
    limit: int  # the most characters the question takes

    @property
    def length(self) -> str:
        """``0:07``, ``2:05`` — or a word when Telegram did not say."""
        if self.duration_seconds is None:
            return "not known"
        minutes, seconds = divmod(self.duration_seconds, 60)
        return f"{minutes}:{seconds:02d}"


_WAITING = (
    select(VoiceNote, Answer.survey_id, Answer.question_id)
    .join(Answer, Answer.id == VoiceNote.answer_id)
    .where(VoiceNote.transcribed_at.is_(None), Answer.superseded_at.is_(None))
)


def _shown(
    note: VoiceNote, survey_id: str, question_id: str, catalog: SurveyCatalog
) -> WaitingNote:
    survey = catalog.get(survey_id)
    question = survey.question(question_id) if survey and survey.has_question(question_id) else None
    return WaitingNote(
        id=note.id,
        answer_id=note.answer_id,
        file_id=note.file_id,
        survey=str(survey.title) if survey else survey_id,
        question=str(question.text) if question else question_id,
        received=note.created_at.replace(tzinfo=note.created_at.tzinfo or dt.UTC),
        duration_seconds=note.duration_seconds,
        limit=question.max_length if question else DEFAULT_FREE_TEXT_LIMIT,
    )


async def waiting(db: Database, catalog: SurveyCatalog, *, limit: int = 200) -> list[WaitingNote]:
    """Notes waiting, oldest first: the longest wait is typed up first."""
    async with db.reading() as session:
        rows = (await session.execute(_WAITING.order_by(VoiceNote.id).limit(limit))).all()
    return [_shown(note, survey_id, question_id, catalog) for note, survey_id, question_id in rows]


async def waiting_count(db: Database) -> int:
    async with db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(_WAITING.subquery())) or 0)


async def find(db: Database, catalog: SurveyCatalog, note_id: int) -> WaitingNote | None:
    """One waiting note, or None (no such note, typed up already, or no longer wanted)."""
    async with db.reading() as session:
        row = (await session.execute(_WAITING.where(VoiceNote.id == note_id))).first()
    return _shown(*row, catalog) if row else None


async def transcribe(
    service: SurveyService, note: WaitingNote, text: str, staff: Staff
) -> Rewritten:
    """Store the typed words as the person's answer, mark the note done and audit it.

    All in one transaction with the new answer; two people typing up the same note at once
    cannot both save (the second is told it is done). The audit says who and when, never
    the words.
    """

    async def mark_done(session: AsyncSession, new_answer_id: int) -> None:
        done = await session.execute(
            update(VoiceNote)
            .where(VoiceNote.id == note.id, VoiceNote.transcribed_at.is_(None))
            .values(transcribed_at=utcnow())
        )
        if done.rowcount != 1:
            raise CannotRewrite("Someone has typed up this voice note already.")
        await audit.record(
            session,
            actor=staff.username,
            role=staff.role,
            action="voice_note_transcribed",
            about=f"voice note {note.id}",
            answer=new_answer_id,
        )

    try:
        return await service.rewrite_text(note.answer_id, text, also=mark_done)
    except CannotRewrite:
        if await _typed_up(service.db, note.id):  # then that is why its answer moved on
            raise CannotRewrite("Someone has typed up this voice note already.") from None
        raise


async def _typed_up(db: Database, note_id: int) -> bool:
    async with db.reading() as session:
        done = await session.scalar(select(VoiceNote.transcribed_at).where(VoiceNote.id == note_id))
    return done is not None
