"""The tables, as SQLAlchemy 2 typed models. Schema changes go through Alembic (``migrations/``).

Participants are pseudonymous: :class:`Participant.id` is an HMAC of the channel's user id,
so the same person always maps to the same row, but the row says nothing about who they are.
The only thing that can reach them, the channel address, lives apart in
:class:`ChannelAddress` so erasure and exports can treat it on its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(AsyncAttrs, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict[str, Any]: JSON}


class Participant(Base):
    """A person who has talked to the bot, known only by a pseudonym."""

    __tablename__ = "participant"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    role: Mapped[str | None] = mapped_column(String(20))
    age_band: Mapped[str | None] = mapped_column(String(10))
    format: Mapped[str | None] = mapped_column(String(10))
    language: Mapped[str | None] = mapped_column(String(10))
    consented_at: Mapped[dt.datetime | None]
    # The engine's whole conversation state (see surveys.engine.Conversation).
    conversation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Bumped by every saved turn: a turn saves only over the version it read (see _store).
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active_run_id: Mapped[str | None] = mapped_column(String(32))
    # False once the person blocked the bot or sent /stop: nothing proactive reaches them.
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    stopped_at: Mapped[dt.datetime | None]


class ChannelAddress(Base):
    """Where to reach a participant on one channel (a Telegram chat id, a web session)."""

    __tablename__ = "channel_address"
    __table_args__ = (UniqueConstraint("participant_id", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SurveyRun(Base):
    """One person's way through one version of one survey."""

    __tablename__ = "survey_run"
    __table_args__ = (Index("ix_survey_run_participant_survey", "participant_id", "survey_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    survey_id: Mapped[str] = mapped_column(String(100), index=True)
    survey_version: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    # Kept with the answers so a parent's view is never merged into a young person's.
    role: Mapped[str | None] = mapped_column(String(20))
    age_band: Mapped[str | None] = mapped_column(String(10))
    answering_as: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(10))
    channel: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(64))  # deep-link code: where people came from
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None]


class Answer(Base):
    """One answer, saved the moment it is given. A changed answer supersedes, never overwrites."""

    __tablename__ = "answer"
    __table_args__ = (
        Index("ix_answer_survey_question", "survey_id", "question_id"),
        Index("ix_answer_run", "run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("survey_run.id", ondelete="CASCADE"))
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    survey_id: Mapped[str] = mapped_column(String(100))
    survey_version: Mapped[int]
    question_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # answered | skipped | rather_not_say
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    text: Mapped[str | None] = mapped_column(Text)  # the words, for free-text answers
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    superseded_at: Mapped[dt.datetime | None]
    # A possible disclosure of risk: the words go to the safeguarding lead, never to analysis.
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)


class QuestionFeedback(Base):
    """Each time someone tapped "I don't understand": feedback on the question itself."""

    __tablename__ = "question_feedback"
    __table_args__ = (Index("ix_question_feedback_survey_question", "survey_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    survey_id: Mapped[str] = mapped_column(String(100))
    survey_version: Mapped[int]
    question_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="not_understood")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AnswerAnalysis(Base):
    """Sentiment and key phrases for a free-text answer, from one tagger version."""

    __tablename__ = "answer_analysis"

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answer.id", ondelete="CASCADE"), primary_key=True
    )
    sentiment: Mapped[str] = mapped_column(String(10))  # negative | neutral | positive
    sentiment_score: Mapped[float] = mapped_column(Float)
    key_phrases: Mapped[list[str]] = mapped_column(JSON, default=list)
    tagger_version: Mapped[str] = mapped_column(String(40))
    analysed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AnswerTag(Base):
    """One theme a free-text answer speaks to, with the reason it was given."""

    __tablename__ = "answer_tag"
    __table_args__ = (
        UniqueConstraint("answer_id", "tag"),
        Index("ix_answer_tag_tag", "tag"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answer.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(40))  # P1…P6, I-inclusion, V-voice, W-vic…
    kind: Mapped[str] = mapped_column(String(20))  # priority | three_i | value | work_group | cross
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    tagger_version: Mapped[str] = mapped_column(String(40))
    # Set when an analyst confirms (True) or rejects (False) the tag; None means unreviewed.
    verified: Mapped[bool | None] = mapped_column(Boolean)
    verified_by: Mapped[str | None] = mapped_column(String(100))
    verified_at: Mapped[dt.datetime | None]


class SafeguardingAlert(Base):
    """A possible disclosure of risk. Restricted: never in analyst views or exports."""

    __tablename__ = "safeguarding_alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(String(64), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answer.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    category: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20))  # immediate | concern
    excerpt: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | acknowledged
    notified_at: Mapped[dt.datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    acknowledged_at: Mapped[dt.datetime | None]
