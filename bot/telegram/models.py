"""The Telegram channel's own tables: which updates were handled, and voice notes to type up.

Neither holds anything that says who a person is. ``telegram_update`` keeps only Telegram's
update number and when it came, so a repeated delivery is recognised by any process.
``telegram_voice_note`` keeps Telegram's ``file_id`` for a voice note sent as a free-text
answer (the audio itself stays with Telegram until someone types it up); it hangs off the
answer and the participant, so erasing them erases it. A note ends one of two ways, never both:
typed up (``transcribed_at``) or marked as one nobody can make out (``unclear_at``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from surveys.models import Base, utcnow


class ProcessedUpdate(Base):
    """An update id already taken by some process: a second delivery is ignored."""

    __tablename__ = "telegram_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class VoiceNote(Base):
    """A voice note given as a free-text answer, waiting for a person to transcribe it."""

    __tablename__ = "telegram_voice_note"
    __table_args__ = (
        CheckConstraint("transcribed_at IS NULL OR unclear_at IS NULL", name="one_outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answer.id", ondelete="CASCADE"), index=True, unique=True
    )
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[str] = mapped_column(String(200))
    duration_seconds: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    transcribed_at: Mapped[dt.datetime | None]
    # Staff listened and nobody could make it out: it stops waiting, the marker answer stays.
    unclear_at: Mapped[dt.datetime | None]
