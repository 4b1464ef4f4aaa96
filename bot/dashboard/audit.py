"""The append-only audit log: who did what, when, with which filters — never what people said.

Only :func:`record` writes; nothing here updates or deletes, and database triggers refuse
both (migration 0005). Text from users (a username typed at sign-in, a filter value) is kept
as data and has control characters escaped, so a line can never pretend to be another.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from analysis.models import AuditEvent
from surveys.database import Database

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean(value: Any) -> Any:
    """Escape CR, LF and other control characters in user-controlled text (R-AUDIT-03)."""
    if isinstance(value, str):
        return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)[:500]
    if isinstance(value, dict):
        return {clean(str(k)): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


async def record(
    target: Database | AsyncSession,
    *,
    actor: str,
    role: str | None,
    action: str,
    outcome: str = "ok",
    about: str | None = None,
    **details: Any,
) -> None:
    """Append one event, in the caller's transaction when given a session."""
    event = AuditEvent(
        actor=clean(actor)[:80],
        role=role,
        action=action,
        outcome=outcome,
        target=clean(about)[:200] if about else None,
        details=clean(details),
    )
    if isinstance(target, AsyncSession):
        target.add(event)
        return
    async with target.transaction() as session:
        session.add(event)


async def recent(db: Database, *, action: str | None = None, limit: int = 200) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    async with db.reading() as session:
        return list((await session.scalars(query)).all())
