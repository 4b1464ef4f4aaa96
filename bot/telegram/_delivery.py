"""Sending to Telegram reliably: retry with backoff, and notice when someone blocked the bot.

Telegram answers 429 (``RetryAfter``) when a bot sends too fast and can time out or drop a
connection; a reply is worth a few tries, with the wait Telegram asks for, or an exponential
backoff with jitter. A 403 (``Forbidden``) means the person blocked the bot: trying again is
pointless and rude, so they are marked unreachable and nothing more is sent to them.

A retried send that timed out may, rarely, arrive twice; for a reply in a conversation that
is better than not arriving at all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from surveys.database import Database
from surveys.models import Participant

log = logging.getLogger(__name__)
T = TypeVar("T")


class PersonUnreachable(Exception):
    """The person blocked the bot (or deleted their account): stop talking to them."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5  # seconds; doubled each time, with jitter
    longest_wait: float = 30.0  # never wait longer than this for one retry


async def deliver(
    send: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    on_blocked: Callable[[], Awaitable[None]],
) -> T:
    """Run ``send`` until it succeeds, retrying what is worth retrying."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return await send()
        except Forbidden:
            await on_blocked()
            raise PersonUnreachable from None
        except RetryAfter as exc:
            wait = min(_retry_after_seconds(exc), policy.longest_wait)
            failure: Exception = exc
        except BadRequest:
            raise  # our mistake (a bad message): sending it again would fail again
        except (TimedOut, NetworkError) as exc:
            wait = policy.base_delay * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
            failure = exc
        if attempt >= policy.attempts:
            raise failure
        log.warning("telegram: %s; trying again in %.1f s", type(failure).__name__, wait)
        await asyncio.sleep(wait)


def _retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that this becomes a timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
    return seconds + random.uniform(0.05, 0.25)


async def set_reachable(db: Database, participant_id: str, reachable: bool) -> None:
    """Record that a person can (again) or cannot be reached.

    Becoming reachable again (they unblocked the bot) never overrides their own ``/stop``.
    """
    statement = update(Participant).where(Participant.id == participant_id)
    if reachable:
        statement = statement.where(Participant.stopped_at.is_(None))
    async with db.transaction() as session:
        await session.execute(statement.values(reachable=reachable))
