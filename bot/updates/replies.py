"""What comes back from an update: button taps, written replies, and staff answers to them.

A written reply is stored as voice, exactly like a free-text survey answer: an
:class:`~surveys.models.Answer` whose survey id is ``update:<id>`` (question ``reply``). So it
goes through the same hooks the survey service was built with — the safeguarding ``screen``
before commit (a disclosure is restricted at once and raises an alert), and ``on_answers``
after commit (theming and sentiment store their ``AnswerTag``/``AnswerAnalysis`` rows) — and
``/delete`` erases it with everything else. An :class:`~bot.updates.models.UpdateReply` row
makes it an inbox item for staff, who see the words and the update but never who wrote.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from bot.updates.clock import as_utc
from bot.updates.models import Outbox, ReplyPrompt, UpdateReaction, UpdateReply, YouSaidUpdate
from surveys.database import Database
from surveys.models import Answer, AnswerAnalysis, AnswerTag, Participant, SafeguardingAlert, utcnow
from surveys.service import BackgroundWork, RiskFinding, StoredText, SurveyService

log = logging.getLogger(__name__)

REPLY_QUESTION = "reply"
MAX_REPLY = 4000
PROMPT_LIFETIME = dt.timedelta(hours=24)


def reply_survey_id(update_id: int) -> str:
    """The pseudo survey id replies to an update are stored under."""
    return f"update:{update_id}"


class InboxError(ValueError):
    """A staff action that cannot be done (unknown reply, already answered, restricted…)."""


# --------------------------------------------------------------------------- reactions


async def react(db: Database, participant_id: str, update_id: int, reaction: str) -> bool:
    """Record (or change) this person's reaction. False if the update does not exist."""
    now = utcnow()
    async with db.transaction() as session:
        if await session.get(YouSaidUpdate, update_id) is None:
            return False
        dialect = session.bind.dialect.name if session.bind else "sqlite"
        statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(
            UpdateReaction
        ).values(
            update_id=update_id,
            participant_id=participant_id,
            reaction=reaction,
            created_at=now,
            changed_at=now,
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["update_id", "participant_id"],
                set_={"reaction": reaction, "changed_at": now},
            )
        )
    return True


# --------------------------------------------------------------------------- "I have a question"


async def expect_reply(db: Database, participant_id: str, update_id: int) -> None:
    """The person tapped "I have a question": their next message is about this update."""
    now = utcnow()
    async with db.transaction() as session:
        await session.execute(
            delete(ReplyPrompt).where(ReplyPrompt.participant_id == participant_id)
        )
        session.add(ReplyPrompt(participant_id=participant_id, update_id=update_id, asked_at=now))


async def prompt_sent(db: Database, participant_id: str, message_id: int) -> None:
    """Remember our "type your question" message, so a reply to it is recognised."""
    async with db.transaction() as session:
        await session.execute(
            update(ReplyPrompt)
            .where(ReplyPrompt.participant_id == participant_id)
            .values(message_id=message_id)
        )


async def replying_to(
    db: Database, participant_id: str, reply_to_message_id: int | None
) -> int | None:
    """Which update a message from this person replies to, if any.

    Telegram's own "reply" on one of our messages says so exactly. Otherwise a recent
    "I have a question" tap does — unless the person has carried on with a survey since,
    in which case the message belongs to the survey.

    Asked of every typed message, so it is read the way the store reads a turn
    (``read_sync``; on SQLite a read through the async engine cost about 20 times the CPU).
    """
    return await db.read_sync(lambda conn: _replying_to(conn, participant_id, reply_to_message_id))


_PROMPT = select(ReplyPrompt.update_id, ReplyPrompt.message_id, ReplyPrompt.asked_at).where(
    ReplyPrompt.participant_id == bindparam("pid")
)
_LAST_SEEN = select(Participant.last_seen_at).where(Participant.id == bindparam("pid"))
_MESSAGE = (
    select(Outbox.kind, Outbox.update_id, UpdateReply.update_id)
    .outerjoin(UpdateReply, UpdateReply.id == Outbox.reply_id)
    .where(Outbox.participant_id == bindparam("pid"), Outbox.message_id == bindparam("message"))
    .limit(1)
)


def _replying_to(conn: Connection, participant_id: str, reply_to: int | None) -> int | None:
    prompt = conn.execute(_PROMPT, {"pid": participant_id}).first()
    if reply_to is not None:
        if prompt is not None and prompt.message_id == reply_to:
            return int(prompt.update_id)
        row = conn.execute(_MESSAGE, {"pid": participant_id, "message": reply_to}).first()
        if row is not None:
            kind, update_id, answered_update = row
            found = update_id if kind == "update" else answered_update if kind == "answer" else None
            if found is not None:
                return int(found)
    if prompt is None:
        return None
    asked = as_utc(prompt.asked_at)
    seen = as_utc(conn.execute(_LAST_SEEN, {"pid": participant_id}).scalar())
    if asked is None or utcnow() - asked > PROMPT_LIFETIME:
        return None
    if seen is not None and seen > asked:
        return None
    return int(prompt.update_id)


# --------------------------------------------------------------------------- written replies


@dataclass(frozen=True, slots=True)
class StoredReply:
    reply_id: int
    answer_id: int
    alert: SafeguardingAlert | None
    finding: RiskFinding | None  # what to say at once when someone may not be safe


class ReplyStore:
    """Stores replies through the survey service's own safeguarding and analysis hooks."""

    def __init__(self, service: SurveyService) -> None:
        self.service = service
        self._background = BackgroundWork(
            "analysis of an update reply failed; the reply itself is safe"
        )

    async def store(
        self,
        participant_id: str,
        update_id: int,
        text: str,
        *,
        language: str = "en",
        easy: bool = False,
        role: str | None = None,
    ) -> StoredReply:
        text = text.strip()[:MAX_REPLY]
        finding = (
            self.service.screen(text, language=language, easy=easy) if self.service.screen else None
        )
        async with self.service.db.transaction() as session:
            answer_id = (
                await session.execute(
                    insert(Answer)
                    .values(
                        run_id=None,
                        participant_id=participant_id,
                        survey_id=reply_survey_id(update_id),
                        survey_version=0,
                        question_id=REPLY_QUESTION,
                        status="answered",
                        value=None,
                        text=text,
                        created_at=utcnow(),
                        restricted=finding is not None,
                    )
                    .returning(Answer.id)
                )
            ).scalar_one()
            alert = None
            if finding is not None:
                alert = SafeguardingAlert(
                    participant_id=participant_id,
                    answer_id=answer_id,
                    category=finding.category,
                    level=finding.level,
                    excerpt=finding.excerpt,
                )
                session.add(alert)
            reply = UpdateReply(
                update_id=update_id,
                answer_id=answer_id,
                participant_id=participant_id,
                status="new",
                created_at=utcnow(),
            )
            session.add(reply)
            await session.execute(
                delete(ReplyPrompt).where(ReplyPrompt.participant_id == participant_id)
            )
            await session.flush()
            reply_id = reply.id
        if alert is None and self.service.on_answers is not None:
            stored = StoredText(
                answer_id, participant_id, reply_survey_id(update_id), REPLY_QUESTION, text, role
            )
            self._background.spawn(self.service.on_answers([stored]))
        if alert is not None and self.service.on_alert is not None:
            self._background.spawn(self.service.on_alert(alert))
        return StoredReply(reply_id, answer_id, alert, finding)

    async def drain(self) -> None:
        await self._background.drain()


# --------------------------------------------------------------------------- the staff inbox


@dataclass(frozen=True, slots=True)
class InboxItem:
    """A reply as staff see it: the words (unless restricted), never who wrote them."""

    reply_id: int
    update_id: int
    update_title: str
    received: dt.datetime
    text: str | None  # None when passed to the safeguarding lead
    restricted: bool
    status: str
    sentiment: str | None
    themes: tuple[str, ...]
    staff_answer: str | None
    answered_by: str | None


async def inbox(db: Database, *, status: str | None = "new", limit: int = 200) -> list[InboxItem]:
    async with db.reading() as session:
        query = (
            select(UpdateReply, YouSaidUpdate.title, Answer.text, Answer.restricted)
            .join(YouSaidUpdate, YouSaidUpdate.id == UpdateReply.update_id)
            .join(Answer, Answer.id == UpdateReply.answer_id)
            .order_by(UpdateReply.id.desc())
            .limit(limit)
        )
        if status is not None:
            query = query.where(UpdateReply.status == status)
        rows = (await session.execute(query)).all()
        answer_ids = [reply.answer_id for reply, *_ in rows]
        sentiment = dict(
            (
                await session.execute(
                    select(AnswerAnalysis.answer_id, AnswerAnalysis.sentiment).where(
                        AnswerAnalysis.answer_id.in_(answer_ids)
                    )
                )
            ).all()
        )
        tags: dict[int, list[str]] = {}
        for answer_id, tag in await session.execute(
            select(AnswerTag.answer_id, AnswerTag.tag)
            .where(AnswerTag.answer_id.in_(answer_ids), AnswerTag.verified.is_not(False))
            .order_by(AnswerTag.tag)
        ):
            tags.setdefault(answer_id, []).append(tag)
    return [
        InboxItem(
            reply_id=reply.id,
            update_id=reply.update_id,
            update_title=title,
            received=as_utc(reply.created_at) or utcnow(),
            text=None if restricted else text,
            restricted=bool(restricted),
            status=reply.status,
            sentiment=None if restricted else sentiment.get(reply.answer_id),
            themes=() if restricted else tuple(tags.get(reply.answer_id, [])),
            staff_answer=reply.staff_answer,
            answered_by=reply.answered_by,
        )
        for reply, title, text, restricted in rows
    ]


async def answer(db: Database, reply_id: int, text: str, *, by: str) -> int:
    """Queue a staff answer to a reply; it goes back through the bot. Returns the outbox id.

    Staff name the reply, never the person: the pseudonym stays inside this function.
    """
    text = text.strip()
    if not text:
        raise InboxError("Please write an answer first.")
    if len(text) > 3500:
        raise InboxError("That answer is too long for one message (up to 3,500 characters).")
    async with db.transaction() as session:
        row = await session.get(UpdateReply, reply_id, with_for_update=True)
        if row is None:
            raise InboxError(f"There is no reply {reply_id}.")
        restricted = await session.scalar(
            select(Answer.restricted).where(Answer.id == row.answer_id)
        )
        if restricted:
            raise InboxError("This reply is with the safeguarding lead; it is answered there.")
        if row.status == "answered":
            raise InboxError("This reply has been answered already.")
        now = utcnow()
        row.status = "answered"
        row.staff_answer = text
        row.answered_by = by
        row.answered_at = now
        queued = Outbox(
            kind="answer",
            reply_id=row.id,
            participant_id=row.participant_id,
            state="pending",
            not_before=now,
            attempts=0,
            context={},
            created_at=now,
        )
        session.add(queued)
        await session.flush()
        return queued.id


async def close(db: Database, reply_ids: Sequence[int], *, by: str) -> int:
    """Mark replies as read with nothing to answer (a comment, not a question)."""
    async with db.transaction() as session:
        rows = await session.scalars(
            select(UpdateReply).where(
                UpdateReply.id.in_(list(reply_ids)), UpdateReply.status == "new"
            )
        )
        count = 0
        for row in rows:
            row.status = "closed"
            row.answered_by = by
            row.answered_at = utcnow()
            count += 1
        return count
