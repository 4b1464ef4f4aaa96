"""How each update did: reached, delivered, failed, blocked, reactions, replies.

*Reached* is how many people the update was addressed to when it went (everyone who asked
and matched its audience). The parts of that whole — delivered, waiting (quiet hours,
round-up, retries), failed, blocked, stopped (they turned updates off before it went) — and
the reactions and replies are counts of people, so small ones are suppressed
(:mod:`bot.updates.disclosure`, the summaries' own rule) before anyone sees them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from bot.updates.clock import as_utc
from bot.updates.disclosure import DisclosureRule, Shown, protect_counts, shown_values
from bot.updates.models import Outbox, UpdateReaction, UpdateReply, YouSaidUpdate
from surveys.database import Database

PARTS = ("delivered", "waiting", "failed", "blocked", "stopped")
REACTIONS = ("helps", "not_really", "question")
_STATE_PART = {
    "delivered": "delivered",
    "pending": "waiting",
    "sending": "waiting",
    "roundup": "waiting",
    "failed": "failed",
    "blocked": "blocked",
    "skipped": "stopped",
}


@dataclass(frozen=True, slots=True)
class UpdateNumbers:
    update_id: int
    title: str
    status: str
    sent_at: dt.datetime | None
    figures: dict[str, Shown]

    def as_dict(self) -> dict[str, Any]:
        return {
            "update": self.update_id,
            "title": self.title,
            "status": self.status,
            "sent_at": self.sent_at.isoformat(timespec="minutes") if self.sent_at else None,
            **shown_values(self.figures),
        }


async def update_numbers(
    db: Database, update_id: int, rule: DisclosureRule | None
) -> UpdateNumbers | None:
    found = await all_numbers(db, rule, only=update_id)
    return found[0] if found else None


async def all_numbers(
    db: Database, rule: DisclosureRule | None, only: int | None = None
) -> list[UpdateNumbers]:
    """Numbers for every update (newest first), or for one; raw only without a ``rule``."""
    async with db.reading() as session:
        query = select(YouSaidUpdate).order_by(YouSaidUpdate.id.desc())
        if only is not None:
            query = query.where(YouSaidUpdate.id == only)
        updates = list(await session.scalars(query))
        ids = [u.id for u in updates]
        if not ids:
            return []
        roundup = aliased(Outbox)
        deliveries = await session.execute(
            select(Outbox.update_id, Outbox.state, roundup.state, func.count())
            .outerjoin(roundup, roundup.id == Outbox.roundup_id)
            .where(Outbox.update_id.in_(ids))
            .group_by(Outbox.update_id, Outbox.state, roundup.state)
        )
        reactions = await session.execute(
            select(UpdateReaction.update_id, UpdateReaction.reaction, func.count())
            .where(UpdateReaction.update_id.in_(ids))
            .group_by(UpdateReaction.update_id, UpdateReaction.reaction)
        )
        replies = await session.execute(
            select(UpdateReply.update_id, func.count(func.distinct(UpdateReply.participant_id)))
            .where(UpdateReply.update_id.in_(ids))
            .group_by(UpdateReply.update_id)
        )
    parts: dict[int, dict[str, int]] = {i: dict.fromkeys(PARTS, 0) for i in ids}
    for update_id, state, roundup_state, count in deliveries:
        effective = roundup_state if state == "bundled" else state
        parts[update_id][_STATE_PART.get(effective or "pending", "waiting")] += count
    reacted: dict[int, dict[str, int]] = {i: dict.fromkeys(REACTIONS, 0) for i in ids}
    for update_id, reaction, count in reactions:
        if reaction in reacted[update_id]:
            reacted[update_id][reaction] = count
    replied = {update_id: count for update_id, count in replies}
    return [
        UpdateNumbers(
            u.id,
            u.title,
            u.status,
            as_utc(u.sent_at),
            protect_counts(
                parts[u.id], {**reacted[u.id], "replies": replied.get(u.id, 0)}, rule, "reached"
            ),
        )
        for u in updates
    ]
