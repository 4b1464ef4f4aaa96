"""Time, as the sender sees it: replaceable, so quiet hours can be tested at any hour."""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

from config.settings import QuietHours


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current moment, timezone-aware, in UTC."""


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class ManualClock:
    """A clock that only moves when told to (tests, and rehearsing a send at a given hour)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, moment: dt.datetime) -> None:
        self._now = moment.astimezone(dt.UTC)

    def advance(self, **delta: float) -> None:
        self._now += dt.timedelta(**delta)


class QuietWindow:
    """Quiet hours in local time: when proactive messages wait until morning."""

    def __init__(self, hours: QuietHours, tz: ZoneInfo) -> None:
        self.hours = hours
        self.tz = tz

    def is_quiet(self, moment: dt.datetime) -> bool:
        return self.hours.contains(moment.astimezone(self.tz).time())

    def next_allowed(self, moment: dt.datetime) -> dt.datetime:
        """The first moment at or after ``moment`` outside quiet hours."""
        if not self.is_quiet(moment):
            return moment
        local = moment.astimezone(self.tz)
        end = dt.datetime.combine(local.date(), self.hours.end, tzinfo=self.tz)
        if end <= local:
            end += dt.timedelta(days=1)
        return end.astimezone(dt.UTC)


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """Read-back datetimes are naive on SQLite; the store only ever writes UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
