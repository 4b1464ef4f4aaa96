"""Tables for "you said, we did" updates: who asked to hear back, what was sent, what came back.

Everything hangs off the pseudonymous :class:`~surveys.models.Participant` with
``ON DELETE CASCADE``, so erasing a person (``/delete``) also erases their choices, their
outbox rows, reactions and replies. Staff-facing tables (updates, theme statuses) never hold
a pseudonym; the inbox row keeps one only so the answer can find its way back through the bot.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from surveys.models import Base, utcnow

# --------------------------------------------------------------------------- choices


class UpdateSubscription(Base):
    """Whether a person asked to hear back, and how often. No row means no (the default)."""

    __tablename__ = "update_subscription"

    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    active: Mapped[bool] = mapped_column(default=False)
    frequency: Mapped[str] = mapped_column(String(10), default="each")  # each | monthly
    chosen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SubscriptionTopic(Base):
    """One thing a person asked to hear about: ``P1``…``P6``, ``answered`` or ``all``."""

    __tablename__ = "update_subscription_topic"

    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(20), primary_key=True)


# --------------------------------------------------------------------------- theme status


class ThemeStatus(Base):
    """Where the partnership is with a theme people raised: heard … done, or not possible."""

    __tablename__ = "theme_status"

    theme: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)  # required for "not possible"
    note: Mapped[str | None] = mapped_column(Text)  # what was done, in plain words
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(100))


class ThemeStatusChange(Base):
    """Every move of a theme's status, kept (the current one is in :class:`ThemeStatus`)."""

    __tablename__ = "theme_status_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    theme: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20))
    previous: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(100))


# --------------------------------------------------------------------------- updates


class YouSaidUpdate(Base):
    """One "you said, we did" update written by staff, and who it is for."""

    __tablename__ = "you_said_update"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20), default="broadcast")  # | theme_status
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    easy_text: Mapped[str | None] = mapped_column(Text)
    picture: Mapped[bytes | None] = mapped_column(LargeBinary)
    picture_type: Mapped[str | None] = mapped_column(String(40))
    picture_alt: Mapped[str | None] = mapped_column(Text)
    # Telegram's id for the picture once uploaded, so 10,000 sends upload it only once.
    picture_file_id: Mapped[str | None] = mapped_column(String(200))
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    send_at: Mapped[dt.datetime | None]
    theme_change_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme_status_change.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    sent_at: Mapped[dt.datetime | None]  # when its outbox rows were written
    cancelled_at: Mapped[dt.datetime | None]


class Outbox(Base):
    """One message to one person, and where it is on its way.

    States: ``pending`` (due at ``not_before``), ``sending`` (claimed by a sender until
    ``lease_until``), ``delivered``, ``failed`` (gave up), ``blocked`` (the person blocked
    the bot), ``skipped`` (they stopped updates before it went), ``roundup`` (waiting for
    their monthly round-up) and ``bundled`` (went out inside round-up ``roundup_id``).
    Kinds: ``update`` and ``roundup`` are proactive (held in quiet hours); ``answer`` is a
    reply to someone who wrote in, and is never held.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("update_id", "participant_id"),
        Index("ix_outbox_state_not_before", "state", "not_before"),
        Index("ix_outbox_update_state", "update_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))
    update_id: Mapped[int | None] = mapped_column(
        ForeignKey("you_said_update.id", ondelete="CASCADE")
    )
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("update_reply.id", ondelete="CASCADE"))
    roundup_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(10), default="pending")
    not_before: Mapped[dt.datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[dt.datetime | None]
    message_id: Mapped[int | None]  # Telegram's id, to recognise a reply to this message
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- what came back


class UpdateReaction(Base):
    """A tap on "This helps", "Not really" or "I have a question" (one per person, changeable)."""

    __tablename__ = "update_reaction"
    __table_args__ = (UniqueConstraint("update_id", "participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("you_said_update.id", ondelete="CASCADE"))
    participant_id: Mapped[str] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    reaction: Mapped[str] = mapped_column(String(12))  # helps | not_really | question
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UpdateReply(Base):
    """A written reply to an update: an inbox item for staff.

    The words themselves are an :class:`~surveys.models.Answer` (survey id
    ``update:<id>``), so they are themed, scored and safeguarding-checked like any answer,
    and erased with them. Staff see the words and the update, never who wrote them.
    """

    __tablename__ = "update_reply"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    update_id: Mapped[int] = mapped_column(
        ForeignKey("you_said_update.id", ondelete="CASCADE"), index=True
    )
    answer_id: Mapped[int] = mapped_column(ForeignKey("answer.id", ondelete="CASCADE"), unique=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="new")  # new | answered | closed
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    staff_answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(100))
    answered_at: Mapped[dt.datetime | None]


class ReplyPrompt(Base):
    """The person tapped "I have a question": their next message is a reply to this update."""

    __tablename__ = "update_reply_prompt"

    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    update_id: Mapped[int] = mapped_column(ForeignKey("you_said_update.id", ondelete="CASCADE"))
    asked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Our "type your question" message: Telegram marks the answer as a reply to it.
    message_id: Mapped[int | None]
