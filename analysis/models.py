"""Tables for the VIC work group's side: staff accounts, sessions, reviews, audit, bot access.

They share :class:`surveys.models.Base` so one Alembic history covers the whole store
(migration ``0005``). None of them holds answer content: reviews point at answers by id,
and the audit log records who did what and with which filters, never what people said.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from surveys.models import Base, utcnow


class Role(StrEnum):
    """What a staff account may do. One role per account, least privilege first."""

    VIEWER = "viewer"  # aggregates and downloads only
    ANALYST = "analyst"  # also reviews tags and quotes, exports the labelled set
    SAFEGUARDING_LEAD = "safeguarding_lead"  # also sees and acknowledges alerts
    ADMIN = "admin"  # also accounts, VIC bot access, the audit log


class StaffUser(Base):
    """A named member of staff who can sign in to the dashboard."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[dt.datetime | None]
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]


class StaffSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "staff_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TagReview(Base):
    """An analyst's verdict on one answer's themes and sentiment. Kept, never overwritten.

    The newest review of an answer is its verified label set: it is what reports count as
    verified and what the labelled JSONL export contains.
    """

    __tablename__ = "tag_review"
    __table_args__ = (Index("ix_tag_review_answer", "answer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answer.id", ondelete="CASCADE"))
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    sentiment: Mapped[str | None] = mapped_column(String(10))
    machine_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    machine_sentiment: Mapped[str | None] = mapped_column(String(10))
    reviewer: Mapped[str] = mapped_column(String(64))
    reviewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class QuoteReview(Base):
    """Whether an analyst cleared a de-identified answer to be quoted in reports."""

    __tablename__ = "quote_review"
    __table_args__ = (Index("ix_quote_review_answer", "answer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answer.id", ondelete="CASCADE"))
    approved: Mapped[bool] = mapped_column(Boolean)
    # The quote exactly as it may be shown: de-identified, perhaps redacted further by hand.
    text: Mapped[str | None] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(64))
    reviewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """One line of the append-only audit log (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class VicMember(Base):
    """A VIC work group member allowed to ask the bot for summaries, known by pseudonym."""

    __tablename__ = "vic_member"

    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    granted_by: Mapped[str] = mapped_column(String(80))
    granted_via: Mapped[str] = mapped_column(String(20))  # invite | cli
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]


class VicInvite(Base):
    """A one-use invite code an admin hands to a VIC member. Only its hash is stored."""

    __tablename__ = "vic_invite"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_by: Mapped[str | None] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None]
