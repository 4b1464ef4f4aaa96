"""The web chat's own tables: browser sessions and resume codes.

A browser holds only a random session token in an HttpOnly cookie; the database keeps a hash
of it. The token maps to the *web user*, a random id that never leaves the server and is the
``user_id`` of the web chat's :class:`~surveys.service.ChannelRef` (the participant's pseudonym
is an HMAC of it, as a Telegram user id is for Telegram). A resume code is stored only as a
keyed hash, so neither a database copy nor a log can be used to carry on someone's survey.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from surveys.models import Base, utcnow


class WebSession(Base):
    """One browser's session: which web user it speaks for and what it last showed."""

    __tablename__ = "web_session"

    # SHA-256 of the cookie's token (hex); the token itself is never stored.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    web_user: Mapped[str] = mapped_column(String(64), index=True)
    # The prompts of the last reply, so a reload shows the same page (nothing else is kept).
    view: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class WebResumeCode(Base):
    """A short code to carry on from another device; one live code per web user."""

    __tablename__ = "web_resume_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # HMAC-SHA-256 of the normalised code under the server's key (hex).
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    web_user: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


__all__ = ["WebResumeCode", "WebSession"]
