"""Writing a "you said, we did" update: checking it, previewing its reach, scheduling it.

Used by the dashboard page and by ``python -m bot updates new``. Every problem with a draft
is reported at once, in plain words, and nothing is saved until the draft is sound.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.updates.audience import Audience, count_recipients
from bot.updates.clock import as_utc
from bot.updates.disclosure import DisclosureRule, reach_phrase
from bot.updates.models import Outbox, YouSaidUpdate
from bot.updates.render import UpdateContent, message_fits, update_message
from surveys.database import Database
from surveys.models import utcnow
from surveys.wording import Wording

# Under the web server's 1 MiB request limit with the rest of the form; phones thank us too.
MAX_PICTURE_BYTES = 900 * 1024
_PICTURE_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
_THEME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")


class DraftError(ValueError):
    """A draft that cannot be saved; ``problems`` says every reason, plainly."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class UpdateNotFound(LookupError):
    pass


class Draft(BaseModel):
    """An update as staff wrote it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=120)
    text: str = Field(min_length=1, max_length=3500)
    easy_text: str | None = Field(default=None, max_length=3500)
    picture: bytes | None = None
    picture_alt: str | None = Field(default=None, max_length=500)
    themes: list[str] = Field(default_factory=list)
    audience: Audience = Field(default_factory=Audience)
    send_at: dt.datetime | None = None

    @field_validator("easy_text", "picture_alt")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("themes")
    @classmethod
    def _themes(cls, value: list[str]) -> list[str]:
        cleaned: list[str] = []
        for theme in value:
            theme = theme.strip()
            if re.fullmatch(r"[pP][1-6]", theme):
                theme = theme.upper()
            if not _THEME.match(theme):
                raise ValueError(f"{theme!r} is not a theme id (like P1 or values.voice)")
            if theme not in cleaned:
                cleaned.append(theme)
        return cleaned

    @field_validator("picture")
    @classmethod
    def _picture(cls, value: bytes | None) -> bytes | None:
        if not value:
            return None
        if len(value) > MAX_PICTURE_BYTES:
            raise ValueError("is over 900 KB; please use a smaller picture")
        if picture_type(value) is None:
            raise ValueError("must be a PNG or JPEG file")
        return value

    @field_validator("send_at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("the send time needs a time zone")
        return value


def picture_type(data: bytes) -> str | None:
    return next((kind for magic, kind in _PICTURE_MAGIC.items() if data.startswith(magic)), None)


def parse_draft(wording: Wording, **fields: Any) -> Draft:
    """A checked :class:`Draft`, or :class:`DraftError` naming every problem."""
    try:
        draft = Draft(**fields)
    except ValidationError as exc:
        raise DraftError([_plain(error) for error in exc.errors()]) from None
    problems = _length_problems(wording, draft)
    if problems:
        raise DraftError(problems)
    return draft


def _plain(error: Any) -> str:
    field = ".".join(str(part) for part in error.get("loc", ()) if part != "__root__")
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    names = {
        "title": "Title",
        "text": "Text",
        "easy_text": "Easy-read text",
        "picture": "Picture",
        "themes": "Themes",
        "send_at": "Send time",
        "audience": "Audience",
    }
    label = names.get(field.split(".")[0], field.replace("_", " ").capitalize() or "Update")
    if error.get("type") == "string_too_short":
        message = "is needed"
    elif error.get("type") == "string_too_long":
        message = f"is too long (up to {error.get('ctx', {}).get('max_length')} characters)"
    return f"{label} {message}"


def _length_problems(wording: Wording, draft: Draft) -> list[str]:
    """The whole message, heading and buttons' footer included, must fit Telegram's limits."""
    problems = []
    content = _content(0, draft)
    for easy, name in ((False, "Text"), (True, "Easy-read text")):
        if easy and not draft.easy_text:
            continue
        message = update_message(wording, content, easy=easy)
        if not message_fits(message):
            limit = "1,024 characters with a picture" if draft.picture else "4,096 characters"
            problems.append(f"{name} makes the message too long for Telegram ({limit})")
    return problems


def _content(update_id: int, draft: Draft) -> UpdateContent:
    return UpdateContent(
        update_id,
        draft.title,
        draft.text,
        draft.easy_text,
        draft.picture,
        None,
        "broadcast",
        tuple(draft.themes),
    )


@dataclass(frozen=True, slots=True)
class Reach:
    count: int  # exact, for the code; never shown as such
    phrase: str  # what staff see


async def preview_reach(db: Database, draft: Draft, rule: DisclosureRule) -> Reach:
    async with db.reading() as session:
        count = await count_recipients(session, draft.themes, draft.audience)
    return Reach(count, reach_phrase(count, rule))


async def save(
    db: Database,
    draft: Draft,
    *,
    by: str,
    schedule: bool = True,
    kind: str = "broadcast",
    theme_change_id: int | None = None,
) -> int:
    """Store the update; scheduled ones go at ``send_at`` (now when not given)."""
    async with db.transaction() as session:
        row = YouSaidUpdate(
            kind=kind,
            title=draft.title,
            text=draft.text,
            easy_text=draft.easy_text,
            picture=draft.picture,
            picture_type=picture_type(draft.picture) if draft.picture else None,
            picture_alt=draft.picture_alt,
            themes=list(draft.themes),
            audience=draft.audience.model_dump(),
            status="scheduled" if schedule else "draft",
            send_at=(draft.send_at or utcnow()).astimezone(dt.UTC) if schedule else draft.send_at,
            theme_change_id=theme_change_id,
            created_at=utcnow(),
            created_by=by,
        )
        session.add(row)
        await session.flush()
        return row.id


async def replace_draft(db: Database, update_id: int, draft: Draft) -> None:
    """Save changes to a draft (only a draft can still change)."""
    async with db.transaction() as session:
        row = await _get(session, update_id)
        if row.status != "draft":
            raise DraftError([f"update {update_id} is {row.status}; only a draft can change"])
        row.title, row.text, row.easy_text = draft.title, draft.text, draft.easy_text
        if row.picture != draft.picture:
            row.picture_file_id = None
        row.picture = draft.picture
        row.picture_type = picture_type(draft.picture) if draft.picture else None
        row.picture_alt = draft.picture_alt
        row.themes = list(draft.themes)
        row.audience = draft.audience.model_dump()


async def schedule(db: Database, update_id: int, send_at: dt.datetime | None = None) -> None:
    """Send a draft at ``send_at`` (now when not given)."""
    async with db.transaction() as session:
        row = await _get(session, update_id)
        if row.status not in ("draft", "scheduled"):
            raise DraftError([f"update {update_id} is {row.status} and cannot be scheduled"])
        row.status = "scheduled"
        row.send_at = (send_at or utcnow()).astimezone(dt.UTC)


async def cancel(db: Database, update_id: int) -> int:
    """Stop an update: nothing more of it goes out. Returns how many messages were held back."""
    async with db.transaction() as session:
        row = await _get(session, update_id)
        if row.status == "cancelled":
            return 0
        row.status = "cancelled"
        row.cancelled_at = utcnow()
        result = await session.execute(
            update(Outbox)
            .where(Outbox.update_id == update_id, Outbox.state.in_(("pending", "roundup")))
            .values(state="skipped", last_error="update cancelled")
        )
        return int(result.rowcount or 0)


async def load_draft(db: Database, update_id: int) -> tuple[YouSaidUpdate, Draft]:
    async with db.reading() as session:
        row = await _get(session, update_id)
    draft = Draft(
        title=row.title,
        text=row.text,
        easy_text=row.easy_text,
        picture=row.picture,
        picture_alt=row.picture_alt,
        themes=list(row.themes),
        audience=Audience(**(row.audience or {})),
        send_at=as_utc(row.send_at),
    )
    return row, draft


async def list_updates(db: Database, limit: int = 50) -> list[YouSaidUpdate]:
    async with db.reading() as session:
        rows = await session.scalars(
            select(YouSaidUpdate).order_by(YouSaidUpdate.id.desc()).limit(limit)
        )
        return list(rows)


async def _get(session: AsyncSession, update_id: int) -> YouSaidUpdate:
    row = await session.get(YouSaidUpdate, update_id)
    if row is None:
        raise UpdateNotFound(f"there is no update {update_id}")
    return row
