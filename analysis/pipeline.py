"""Analysis on arrival, and re-tagging after the codebook changes.

:func:`make_answer_listener` builds the ``on_answers`` hook of the survey service: after the
answer is committed and the reply has gone, each free-text answer is tagged, scored for
sentiment and given key phrases (from its de-identified text), stored as
:class:`~surveys.models.AnswerTag` and :class:`~surveys.models.AnswerAnalysis` rows stamped with
the tagger version. The CPU work runs in a worker thread, so the chat never waits for it.

Restricted answers (possible safeguarding disclosures) are never analysed: the service does
not hand them to the listener, and :func:`retag` and :func:`analysable_answers` leave them
out. Tags an analyst has confirmed or rejected are kept through a re-tag.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, delete, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from analysis.deidentify import deidentify
from analysis.keyphrases import key_phrases
from analysis.sentiment import Sentiment, SentimentModel, default_model
from analysis.theming import Tag, Tagger
from surveys.database import Database
from surveys.models import Answer, AnswerAnalysis, AnswerTag, utcnow
from surveys.service import StoredText

_RETAG_BATCH = 500
_KEY_PHRASES_PER_ANSWER = 5


@dataclass(frozen=True, slots=True)
class Analysis:
    tags: list[Tag]
    sentiment: Sentiment
    key_phrases: list[str]


def analyse(text: str, tagger: Tagger, sentiment: SentimentModel | None = None) -> Analysis:
    """Tags, sentiment and key phrases for one answer (pure; no database)."""
    model = sentiment or default_model()
    return Analysis(
        tags=tagger.tag(text),
        sentiment=model.score(text),
        key_phrases=key_phrases([deidentify(text)], limit=_KEY_PHRASES_PER_ANSWER),
    )


def analysable_answers() -> Select[tuple[Answer]]:
    """Answers analysts may see: free text, current, and never a restricted disclosure."""
    return select(Answer).where(
        Answer.restricted.is_(False),
        Answer.text.is_not(None),
        Answer.superseded_at.is_(None),
        Answer.status == "answered",
    )


def make_answer_listener(
    db: Database, tagger: Tagger, sentiment: SentimentModel | None = None
) -> Callable[[Sequence[StoredText]], Awaitable[None]]:
    """The service's ``on_answers`` hook: analyse and store each new free-text answer."""

    async def on_answers(stored: Sequence[StoredText]) -> None:
        texts = [(item.answer_id, item.text) for item in stored if item.text.strip()]
        if not texts:
            return
        results = await asyncio.to_thread(
            lambda: [analyse(text, tagger, sentiment) for _, text in texts]
        )
        analysed = list(zip((answer_id for answer_id, _ in texts), results, strict=True))
        # One short synchronous transaction (SQLite's writer thread, or one connection):
        # an async ORM session over aiosqlite cost ~1.6 ms of CPU here, this ~0.3 ms.
        await db.run_sync(lambda connection: _store_new(connection, analysed, tagger.version))

    return on_answers


async def retag(db: Database, tagger: Tagger, sentiment: SentimentModel | None = None) -> int:
    """Analyse every stored, unrestricted free-text answer again. Returns how many."""
    done = 0
    last_id = 0
    while True:
        async with db.reading() as session:
            rows = (
                await session.execute(
                    select(Answer.id, Answer.text)
                    .where(
                        Answer.restricted.is_(False),
                        Answer.text.is_not(None),
                        Answer.id > last_id,
                    )
                    .order_by(Answer.id)
                    .limit(_RETAG_BATCH)
                )
            ).all()
        if not rows:
            return done
        results = await asyncio.to_thread(
            lambda rows=rows: [analyse(text or "", tagger, sentiment) for _, text in rows]
        )
        analysed = [
            (answer_id, result) for (answer_id, _), result in zip(rows, results, strict=True)
        ]
        await db.run_sync(
            lambda connection, analysed=analysed: _store_all(connection, analysed, tagger.version)
        )
        done += len(rows)
        last_id = rows[-1][0]


def _store_new(connection: Connection, analysed: list[tuple[int, Analysis]], version: str) -> None:
    """Store analyses of answers just given, unless one was restricted in the meantime."""
    restricted = set(
        connection.scalars(
            select(Answer.id).where(
                Answer.id.in_([answer_id for answer_id, _ in analysed]),
                Answer.restricted.is_(True),
            )
        )
    )
    _store_all(connection, [item for item in analysed if item[0] not in restricted], version)


def _store_all(connection: Connection, analysed: list[tuple[int, Analysis]], version: str) -> None:
    with Session(bind=connection) as session:
        for answer_id, result in analysed:
            _store(session, answer_id, result, version)


def _store(session: Session, answer_id: int, result: Analysis, version: str) -> None:
    reviewed = {
        row.tag: row
        for row in session.scalars(
            select(AnswerTag).where(
                AnswerTag.answer_id == answer_id, AnswerTag.verified.is_not(None)
            )
        )
    }
    session.execute(
        delete(AnswerTag).where(AnswerTag.answer_id == answer_id, AnswerTag.verified.is_(None))
    )
    for tag in result.tags:
        if tag.id in reviewed:
            row = reviewed[tag.id]
            row.score, row.reasons, row.tagger_version = tag.score, tag.reasons, version
            continue
        session.add(
            AnswerTag(
                answer_id=answer_id,
                tag=tag.id,
                kind=tag.kind,
                score=tag.score,
                reasons=tag.reasons,
                tagger_version=version,
            )
        )
    session.execute(delete(AnswerAnalysis).where(AnswerAnalysis.answer_id == answer_id))
    session.add(
        AnswerAnalysis(
            answer_id=answer_id,
            sentiment=result.sentiment.label,
            sentiment_score=result.sentiment.score,
            key_phrases=result.key_phrases,
            tagger_version=version,
            analysed_at=utcnow(),
        )
    )
    session.flush()
