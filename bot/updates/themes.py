"""Theme status — closing the loop on what people raised.

Each theme people raised carries a status VIC staff set: heard, being looked at, action
agreed, done, or not possible (with the reason, always). Every move is kept. Moving a status
*offers* an update: a draft addressed to the people whose answers were tagged with that
theme and who asked to hear back, worded from the status, which staff can edit and send.
Each person's copy starts with a line about what they said ("You told us about … in …").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.updates.audience import Audience, recipients
from bot.updates.clock import as_utc
from bot.updates.compose import Draft
from bot.updates.disclosure import DisclosureRule, Shown, shown
from bot.updates.models import ThemeStatus, ThemeStatusChange
from bot.updates.topics import topic_label
from surveys.database import Database
from surveys.definition import PRIORITY_IDS
from surveys.models import Answer, AnswerTag, utcnow
from surveys.wording import Wording

STATUSES = ("heard", "being_looked_at", "action_agreed", "done", "not_possible")
STATUS_LABELS = {
    "heard": "Heard",
    "being_looked_at": "Being looked at",
    "action_agreed": "Action agreed",
    "done": "Done",
    "not_possible": "Not possible",
}


class ThemeStatusError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ThemeRow:
    theme: str
    label: str
    status: str | None
    reason: str | None
    note: str | None
    changed_at: dt.datetime | None
    changed_by: str | None
    raised_by: Shown  # people whose answers were tagged with it
    would_hear: Shown  # …of whom asked to hear back


async def set_status(
    db: Database,
    theme: str,
    status: str,
    *,
    by: str,
    reason: str | None = None,
    note: str | None = None,
) -> int:
    """Move a theme to ``status``; returns the id of the recorded change."""
    reason = (reason or "").strip() or None
    note = (note or "").strip() or None
    if status not in STATUSES:
        raise ThemeStatusError(f"status must be one of: {', '.join(STATUSES)}")
    if status == "not_possible" and not reason:
        raise ThemeStatusError("Please give the reason it is not possible; people will see it.")
    if not theme or len(theme) > 40:
        raise ThemeStatusError("Please name a theme, like P1.")
    now = utcnow()
    async with db.transaction() as session:
        current = await session.get(ThemeStatus, theme, with_for_update=True)
        change = ThemeStatusChange(
            theme=theme,
            status=status,
            previous=current.status if current else None,
            reason=reason,
            note=note,
            changed_at=now,
            changed_by=by,
        )
        session.add(change)
        values = {
            "status": status,
            "reason": reason,
            "note": note,
            "changed_at": now,
            "changed_by": by,
        }
        dialect = session.bind.dialect.name if session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        await session.execute(
            insert(ThemeStatus)
            .values(theme=theme, **values)
            .on_conflict_do_update(index_elements=["theme"], set_=values)
        )
        await session.flush()
        return change.id


def offer(
    wording: Wording, theme: str, status: str, *, reason: str | None, note: str | None
) -> Draft:
    """The update a status change offers: to people who raised the theme and opted in."""
    topic = topic_label(wording, theme)
    said = wording.say(f"updates.status.{status}", reason=reason or "")
    easy = wording.say(f"updates.status.{status}", easy=True, reason=reason or "")
    text = " ".join(part for part in (said, note) if part)
    easy_text = " ".join(part for part in (easy, note) if part)
    return Draft(
        title=topic,
        text=text,
        easy_text=easy_text if easy_text != text else None,
        themes=[theme],
        audience=Audience(tagged=True),
    )


async def theme_rows(db: Database, wording: Wording, rule: DisclosureRule) -> list[ThemeRow]:
    """Every priority, and every other theme someone raised, with its status and reach."""
    async with db.reading() as session:
        raised = dict(
            (
                await session.execute(
                    select(AnswerTag.tag, func.count(distinct(Answer.participant_id)))
                    .join(Answer, Answer.id == AnswerTag.answer_id)
                    .where(
                        Answer.restricted.is_(False),
                        Answer.superseded_at.is_(None),
                        AnswerTag.verified.is_not(False),
                    )
                    .group_by(AnswerTag.tag)
                )
            ).all()
        )
        statuses = {row.theme: row for row in await session.scalars(select(ThemeStatus))}
        themes = list(PRIORITY_IDS) + sorted((set(raised) | set(statuses)) - set(PRIORITY_IDS))
        hearing = {}
        for theme in themes:
            query = recipients([theme], Audience(tagged=True)).subquery()
            hearing[theme] = int(await session.scalar(select(func.count()).select_from(query)) or 0)
    rows = []
    for theme in themes:
        current = statuses.get(theme)
        rows.append(
            ThemeRow(
                theme=theme,
                label=topic_label(wording, theme),
                status=current.status if current else None,
                reason=current.reason if current else None,
                note=current.note if current else None,
                changed_at=as_utc(current.changed_at) if current else None,
                changed_by=current.changed_by if current else None,
                raised_by=shown(int(raised.get(theme, 0)), rule),
                would_hear=shown(hearing[theme], rule),
            )
        )
    return rows


async def history(db: Database, theme: str) -> list[ThemeStatusChange]:
    async with db.reading() as session:
        return list(
            await session.scalars(
                select(ThemeStatusChange)
                .where(ThemeStatusChange.theme == theme)
                .order_by(ThemeStatusChange.id.desc())
            )
        )
