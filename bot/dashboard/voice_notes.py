"""Voice notes waiting to be typed up, as staff see them, and storing what they type.

A voice note given as a free-text answer is stored as a marker line, with Telegram's
``file_id`` in :class:`~bot.telegram.models.VoiceNote`. Staff see where it was said (survey,
question), when and how long it is — never who said it — listen to it through the dashboard,
and type it up. The typed words replace the marker through the survey service
(:meth:`~surveys.service.SurveyService.rewrite_text`), so they are screened for safeguarding
and analysed exactly as if the person had typed them.

A recording nobody can make out (silence, noise, a pocket recording) is marked unclear
instead: it stops waiting and the person's answer stays the marker line, so nothing is put in
their mouth. A note ends one of those two ways, never both, however many staff act at once.

A note waits while it has neither ending and its answer is still the person's current one (one
they changed or erased since needs nothing more).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from analysis.models import AuditEvent
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


TYPED_UP = "Someone has typed up this voice note already."
UNCLEAR = "Someone has marked this voice note as one nobody can make out already."
# Repeated plays of one note by one person within this window are one line in the audit log.
PLAY_AUDIT_WINDOW = dt.timedelta(minutes=10)


class NotWaiting(Exception):
    """The note stopped waiting before this could be done; the message says why."""


# Neither typed up nor marked unclear: the conditions every ending is written under.
_OPEN: tuple[ColumnElement[bool], ...] = (
    VoiceNote.transcribed_at.is_(None),
    VoiceNote.unclear_at.is_(None),
)
_WAITING = (
    select(VoiceNote, Answer.survey_id, Answer.question_id)
    .join(Answer, Answer.id == VoiceNote.answer_id)
    .where(*_OPEN, Answer.superseded_at.is_(None))
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
    """One waiting note, or None (no such note, ended already, or its answer changed)."""
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
            update(VoiceNote).where(VoiceNote.id == note.id, *_OPEN).values(transcribed_at=utcnow())
        )
        if done.rowcount != 1:
            raise CannotRewrite(TYPED_UP)  # or marked unclear: the caller finds out which
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
        if ended := await ending(service.db, note.id):  # then that is why its answer moved on
            raise CannotRewrite(ended) from None
        raise


async def mark_unclear(db: Database, note: WaitingNote, staff: Staff) -> None:
    """Mark a note nobody can make out: it stops waiting, its answer stays the marker line.

    Written only over a note that is still open and whose answer is still current, in one
    transaction with the audit line, so it cannot land beside a transcript typed meanwhile
    (whichever commits second changes nothing and is told why).
    """
    async with db.transaction() as session:
        current = select(Answer.id).where(Answer.superseded_at.is_(None))
        marked = await session.execute(
            update(VoiceNote)
            .where(VoiceNote.id == note.id, *_OPEN, VoiceNote.answer_id.in_(current))
            .values(unclear_at=utcnow())
        )
        if marked.rowcount == 1:
            await audit.record(
                session,
                actor=staff.username,
                role=staff.role,
                action="voice_note_unclear",
                about=f"voice note {note.id}",
                answer=note.answer_id,
            )
            return
    raise NotWaiting(await ending(db, note.id) or "The person changed or deleted their answer.")


async def ending(db: Database, note_id: int) -> str | None:
    """Why a note is no longer waiting when staff ended it (typed up or unclear), else None."""
    async with db.reading() as session:
        row = (
            await session.execute(
                select(VoiceNote.transcribed_at, VoiceNote.unclear_at).where(
                    VoiceNote.id == note_id
                )
            )
        ).first()
    if row is None:
        return None
    transcribed, unclear = row
    return TYPED_UP if transcribed else UNCLEAR if unclear else None


async def record_play(db: Database, staff: Staff, note_id: int, outcome: str) -> bool:
    """Audit one fetch of a recording; False when it is a replay already on record.

    A browser's player fetches again to seek, to replay, or when it reloads, so one listen
    can be many requests. A successful fetch by the same person of the same note within
    :data:`PLAY_AUDIT_WINDOW` of the last line recorded for it adds nothing the log does not
    already say (who, which note, listening then); a fetch that failed is always recorded.
    Concurrent fetches on PostgreSQL may each write a line: more lines, never fewer.
    """
    about = f"voice note {note_id}"
    async with db.transaction() as session:
        if outcome == "ok":
            since = utcnow() - PLAY_AUDIT_WINDOW
            recent = await session.scalar(
                select(AuditEvent.id)
                .where(
                    AuditEvent.at >= since,
                    AuditEvent.action == "voice_note_played",
                    AuditEvent.actor == audit.clean(staff.username)[:80],
                    AuditEvent.target == about,
                    AuditEvent.outcome == "ok",
                )
                .limit(1)
            )
            if recent is not None:
                return False
        await audit.record(
            session,
            actor=staff.username,
            role=staff.role,
            action="voice_note_played",
            outcome=outcome,
            about=about,
        )
    return True
