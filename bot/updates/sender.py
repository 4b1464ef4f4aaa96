"""The sender: delivers outbox rows under Telegram's limits, outside quiet hours, once each.

One feeder claims small batches of due rows (with a lease, see :mod:`bot.updates.outbox`);
a few workers send them, each request paced by an :class:`aiolimiter.AsyncLimiter` so the
whole process stays under ``rate`` messages in any one-second window, and no chat gets two
messages within ``chat_interval``; a recorder writes results back in group commits; a
heartbeat renews the leases of rows still in hand.

What happens to each send:

* delivered → ``delivered`` (with Telegram's message id, so a reply to it can be matched);
* 429 → every worker pauses for ``retry_after``; the row waits that long and goes again;
* 403 / chat gone → ``blocked``, and the person is marked unreachable;
* 5xx, network error, timeout → tried again with exponential backoff, up to
  ``max_attempts``, then ``failed``;
* any other 400 → ``failed`` (the same message would fail again);
* the person stopped updates before it went → ``skipped``.

Proactive rows (updates, round-ups) are never claimed in quiet hours, and a worker that
reaches one as quiet hours begin hands it back; a staff answer to someone who wrote in goes
at any hour. Every message is sent silently (``disable_notification``).

Exactly once: a row is ``delivered`` only after Telegram accepted it, only the sender holding
its lease may write its result, and a worker takes its next row only once the last result is
committed. If a sender dies, its claimed rows go out again after the lease; rows it never
tried, and a request that died with it, go exactly once. The one thing no Bot API client can
know is whether Telegram accepted a request in the last few milliseconds before the crash:
at most ``concurrency`` such messages (one per worker) may then go twice. We chose that over
the alternative (never twice, sometimes never) because a missed "you said, we did" is the
worse failure; with ``UPDATES_CONCURRENCY=1`` it is at most one message per crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import os
import random
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from aiolimiter import AsyncLimiter
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.updates import outbox
from bot.updates.clock import Clock, QuietWindow, SystemClock
from bot.updates.fanout import fan_out_due, gather_roundups
from bot.updates.models import YouSaidUpdate
from bot.updates.outbox import Job, Result
from bot.updates.render import (
    Message,
    UpdateContent,
    roundup_message,
    staff_answer_message,
    update_message,
    you_said_line,
)
from bot.updates.topics import topic_label
from bot.updates.transport import (
    BadConfiguration,
    Rejected,
    RetryAfter,
    Transient,
    Transport,
    Unreachable,
)
from config.settings import QuietHours, Settings
from surveys.database import Database
from surveys.models import Answer, AnswerTag
from surveys.wording import Wording

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SenderConfig:
    """How fast and how patiently to send. ``rate=None`` lifts the overall limit."""

    rate: float | None = 25.0
    chat_interval: float = 1.0
    concurrency: int = 8
    lease_seconds: float = 30.0
    max_attempts: int = 8
    # Pace a little under the limits (overall and per chat) so that a request delayed on the
    # way by up to this share of a second still cannot break them as Telegram counts.
    pacing_margin: float = 0.02
    batch: int = 0  # rows per claim; 0 means about one second's worth
    idle_sleep: float = 0.5
    tick_seconds: float = 5.0
    shutdown_grace: float = 5.0
    backoff_base: float = 2.0
    backoff_cap: float = 600.0
    quiet: QuietHours | None = None
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    roundup_day: int = 1
    roundup_hour: int = 10

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> SenderConfig:
        values: dict[str, object] = {
            "rate": settings.updates_rate,
            "chat_interval": settings.updates_chat_interval,
            "concurrency": settings.updates_concurrency,
            "lease_seconds": settings.updates_lease_seconds,
            "max_attempts": settings.updates_max_attempts,
            "quiet": settings.quiet,
            "tz": settings.tz,
            "roundup_day": settings.updates_roundup_day,
            "roundup_hour": settings.updates_roundup_hour,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def claim_size(self) -> int:
        if self.batch:
            return self.batch
        per_second = math.ceil(self.rate) if self.rate else self.concurrency * 8
        return max(self.concurrency * 2, per_second)


@dataclass(slots=True)
class SenderStats:
    delivered: int = 0
    blocked: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    released: int = 0
    rate_limited: int = 0

    def count(self, result: Result) -> None:
        name = {"retry": "retried", "release": "released"}.get(result.outcome, result.outcome)
        setattr(self, name, getattr(self, name) + 1)


def sender_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{random.randrange(16**6):06x}"


class Sender:
    """Runs the outbox. One per process; several processes may share one PostgreSQL store."""

    def __init__(
        self,
        db: Database,
        transport: Transport,
        wording: Wording,
        config: SenderConfig | None = None,
        *,
        clock: Clock | None = None,
        name: str | None = None,
        on_result: Callable[[Result], Awaitable[None]] | None = None,
        on_send: Callable[[str], None] | None = None,
    ) -> None:
        self.db = db
        self.transport = transport
        self.wording = wording
        self.config = config or SenderConfig()
        self.clock = clock or SystemClock()
        self.name = name or sender_name()
        self.stats = SenderStats()
        self._quiet = QuietWindow(self.config.quiet, self.config.tz) if self.config.quiet else None
        self._on_result = on_result
        self._on_send = on_send  # called as each request leaves: for measuring the pace
        self._limiter = _limiter(self.config)
        self._paused_until = 0.0
        self._last_sent: dict[str, float] = {}
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._contents: dict[int, UpdateContent] = {}
        self._jobs: asyncio.Queue[Job] = asyncio.Queue()
        # Results on their way to the store, each with a future set once it is committed.
        self._results: asyncio.Queue[tuple[Result, asyncio.Future[None] | None]] = asyncio.Queue()
        self._last_tick = -math.inf
        self._config_broken_until = 0.0
        self._stopping = False

    # ------------------------------------------------------------------ running

    async def run(self, stop: asyncio.Event | None = None, *, until_done: bool = False) -> None:
        """Send until ``stop`` is set (or, with ``until_done``, until nothing is left)."""
        stop = stop or asyncio.Event()
        async with self._crew():
            while not stop.is_set():
                await self._tick()
                claimed = await self._top_up()
                if claimed:
                    continue
                if until_done and await self._finished():
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.config.idle_sleep)

    async def run_once(self) -> SenderStats:
        """Fan out what is due and send everything that may go *now*; then return.

        For tests and the command line: with a :class:`~bot.updates.clock.ManualClock` it
        shows exactly what would go at a given hour.
        """
        async with self._crew():
            await self._tick(force=True)
            while await self._top_up(wait_for_room=True):
                pass
        return self.stats

    @contextlib.asynccontextmanager
    async def _crew(self) -> AsyncIterator[None]:
        """Workers, recorder and heartbeat for one run; on the way out, nothing is lost.

        A normal end waits for every claimed row. An early end (cancelled, SIGTERM) hands
        back rows not yet tried, lets requests in flight finish for a few seconds, and
        writes every result before returning.
        """
        self._stopping = False
        workers = [asyncio.create_task(self._work()) for _ in range(self.config.concurrency)]
        recorder = asyncio.create_task(self._record())
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            yield
            await self._jobs.join()
        finally:
            self._stopping = True
            self._release_queued()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._jobs.join(), timeout=self.config.shutdown_grace)
            for task in (*workers, heartbeat):
                task.cancel()
            await asyncio.gather(*workers, heartbeat, return_exceptions=True)
            self._release_queued()
            await self._results.join()
            recorder.cancel()
            await asyncio.gather(recorder, return_exceptions=True)

    def _release_queued(self) -> None:
        while not self._jobs.empty():
            job = self._jobs.get_nowait()
            self._hand_back(job)
            self._jobs.task_done()

    async def _tick(self, force: bool = False) -> None:
        """Fan out due updates and gather due round-ups, every few seconds."""
        if not force and time.monotonic() - self._last_tick < self.config.tick_seconds:
            return
        self._last_tick = time.monotonic()
        now = self.clock.now()
        try:
            await fan_out_due(self.db, now)
            await gather_roundups(
                self.db,
                now,
                day=self.config.roundup_day,
                hour=self.config.roundup_hour,
                tz=self.config.tz,
            )
        except Exception:
            log.exception("could not fan out updates; will try again")
        self._forget_old_chats()

    async def _top_up(self, wait_for_room: bool = False) -> int:
        """Claim more rows when the workers are running short. Returns rows claimed."""
        size = self.config.claim_size
        if wait_for_room:
            await self._jobs.join()
        elif self._jobs.qsize() >= size:
            await asyncio.sleep(0.01)
            return -1
        if time.monotonic() < self._config_broken_until:
            return 0
        now = self.clock.now()
        quiet = self._is_quiet(now)
        try:
            jobs = await outbox.claim(
                self.db,
                self.name,
                now,
                limit=size,
                lease_seconds=self.config.lease_seconds,
                chat_interval=self.config.chat_interval,
                quiet=quiet,
            )
        except Exception:
            log.exception("could not claim outbox rows; will try again")
            await asyncio.sleep(self.config.idle_sleep)
            return 0
        if not jobs:
            return 0
        try:
            await self._prepare(jobs)
        except Exception:
            log.exception("could not load what %s outbox rows need; handing them back", len(jobs))
            for job in jobs:
                self._hand_back(job, self._later(5))
            return 0
        for job in jobs:
            self._jobs.put_nowait(job)
        return len(jobs)

    async def _finished(self) -> bool:
        return self._jobs.empty() and await outbox.outstanding(self.db) == 0

    # ------------------------------------------------------------------ workers

    async def _work(self) -> None:
        while True:
            job = await self._jobs.get()
            if self._stopping:
                self._hand_back(job)
                self._jobs.task_done()
                continue
            try:
                result = await self._deliver(job)
            except asyncio.CancelledError:
                self._hand_back(job)
                self._jobs.task_done()
                raise
            except Exception as exc:  # a bug must not lose the row: it goes again later
                log.exception("sending outbox row %s failed unexpectedly", job.id)
                result = self._retry(job, f"internal: {type(exc).__name__}")
            # Wait until the result is committed before taking another row: so at any moment
            # at most ``concurrency`` messages are sent-but-not-yet-recorded, which bounds
            # what a crash can leave in doubt.
            recorded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._results.put_nowait((result, recorded))
            try:
                await recorded
            finally:
                self._jobs.task_done()

    def _hand_back(self, job: Job, when: dt.datetime | None = None) -> None:
        """Return an untried row to the outbox, due again at ``when`` (now by default)."""
        result = Result(job, "release", not_before=when or self.clock.now())
        self._results.put_nowait((result, None))

    async def _deliver(self, job: Job) -> Result:
        if not job.address:
            return Result(job, "skipped", error="no Telegram address")
        if job.proactive and not job.may_contact:
            return Result(job, "skipped", error="stopped updates, or blocked the bot")
        message = self._render(job)
        if message is None:
            return Result(job, "skipped", error="nothing to send")
        lock = self._chat_locks.setdefault(job.address, asyncio.Lock())
        async with lock:
            await self._space_chat(job.address)
            await self._pace()
            if job.proactive and self._is_quiet(self.clock.now()):
                return Result(job, "release", not_before=self.clock.now())
            self._last_sent[job.address] = time.monotonic()
            if self._on_send is not None:
                self._on_send(job.address)
        try:
            delivered = await self.transport.send(job.address, message)
        except RetryAfter as exc:
            self._pause(exc.seconds)
            self.stats.rate_limited += 1
            return Result(job, "retry", error=exc.reason, not_before=self._later(exc.seconds))
        except Unreachable as exc:
            return Result(job, "blocked", error=exc.reason)
        except Rejected as exc:
            return Result(job, "failed", error=exc.reason)
        except BadConfiguration as exc:
            log.error("Telegram refused our credentials (%s); pausing sends for a minute", exc)
            self._config_broken_until = time.monotonic() + 60
            return Result(job, "release", error=exc.reason, not_before=self._later(60))
        except Transient as exc:
            return self._retry(job, exc.reason)
        self._learn_picture(job, delivered.file_id)
        return Result(job, "delivered", message_id=delivered.message_id, file_id=delivered.file_id)

    def _retry(self, job: Job, reason: str) -> Result:
        attempts = job.attempts + 1
        if attempts >= self.config.max_attempts:
            return Result(job, "failed", error=f"gave up after {attempts} tries: {reason}")
        delay = min(self.config.backoff_cap, self.config.backoff_base * 2 ** (attempts - 1))
        delay *= random.uniform(0.8, 1.2)
        return Result(job, "retry", error=reason, not_before=self._later(delay), attempts=attempts)

    def _later(self, seconds: float) -> dt.datetime:
        return self.clock.now() + dt.timedelta(seconds=seconds)

    async def _space_chat(self, chat: str) -> None:
        last = self._last_sent.get(chat)
        if last is not None:
            spacing = self.config.chat_interval * (1 + self.config.pacing_margin)
            wait = last + spacing - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)

    async def _pace(self) -> None:
        """Wait out any 429 pause, then for the rate limiter's next slot."""
        while True:
            pause = self._paused_until - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
                continue
            if self._limiter is not None:
                await self._limiter.acquire()
            if self._paused_until <= time.monotonic():
                return

    def _pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def _is_quiet(self, now: dt.datetime) -> bool:
        return self._quiet is not None and self._quiet.is_quiet(now)

    def _forget_old_chats(self) -> None:
        horizon = time.monotonic() - self.config.chat_interval
        for chat in [c for c, t in self._last_sent.items() if t < horizon]:
            lock = self._chat_locks.get(chat)
            if lock is None or not lock.locked():
                self._last_sent.pop(chat, None)
                self._chat_locks.pop(chat, None)

    # ------------------------------------------------------------------ recording

    async def _record(self) -> None:
        while True:
            batch = [await self._results.get()]
            while not self._results.empty():
                batch.append(self._results.get_nowait())
            await self._write([result for result, _ in batch])
            for result, recorded in batch:
                self.stats.count(result)
                if self._on_result is not None:
                    await self._on_result(result)
                if recorded is not None and not recorded.done():
                    recorded.set_result(None)
                self._results.task_done()

    async def _write(self, batch: list[Result]) -> None:
        delay = 0.5
        while True:
            try:
                await outbox.record(self.db, self.name, batch, self.clock.now())
                return
            except Exception:
                log.exception("could not record %s results; trying again", len(batch))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)

    async def _heartbeat(self) -> None:
        every = self.config.lease_seconds / 3
        while True:
            await asyncio.sleep(every)
            try:
                await outbox.renew(self.db, self.name, self.clock.now(), self.config.lease_seconds)
            except Exception:
                log.exception("could not renew outbox leases")

    # ------------------------------------------------------------------ what to send

    async def _prepare(self, jobs: list[Job]) -> None:
        """Load what the batch needs to render: updates, staff answers, personal lines."""
        wanted: set[int] = set()
        for job in jobs:
            if job.update_id is not None:
                wanted.add(job.update_id)
            wanted.update(int(u) for u in job.context.get("updates", []))
        async with self.db.reading() as session:
            missing = sorted(wanted - set(self._contents))
            if missing:
                rows = await session.scalars(
                    select(YouSaidUpdate).where(YouSaidUpdate.id.in_(missing))
                )
                for row in rows:
                    self._contents[row.id] = _content(row)
            replies = {j.reply_id for j in jobs if j.reply_id is not None}
            answers = await outbox.staff_answers(session, sorted(replies))
            for job in jobs:
                if job.reply_id is not None and job.reply_id in answers:
                    reply = answers[job.reply_id]
                    job.context["answer"] = reply.staff_answer or ""
                    job.context["reply_update"] = reply.update_id
                    wanted.add(reply.update_id)
            await self._personal_lines(session, jobs)
            missing = sorted(wanted - set(self._contents))
            if missing:
                for row in await session.scalars(
                    select(YouSaidUpdate).where(YouSaidUpdate.id.in_(missing))
                ):
                    self._contents[row.id] = _content(row)

    async def _personal_lines(self, session: AsyncSession, jobs: list[Job]) -> None:
        """For a theme-status update: when did this person first raise the theme?"""
        themed = [
            j
            for j in jobs
            if j.update_id in self._contents and self._contents[j.update_id].kind == "theme_status"
        ]
        if not themed:
            return
        people = sorted({j.participant_id for j in themed})
        themes = sorted({t for j in themed for t in self._contents[j.update_id or 0].themes})
        rows = await session.execute(
            select(Answer.participant_id, AnswerTag.tag, Answer.created_at)
            .join(AnswerTag, and_(AnswerTag.answer_id == Answer.id))
            .where(
                Answer.participant_id.in_(people),
                AnswerTag.tag.in_(themes),
                Answer.restricted.is_(False),
            )
            .order_by(Answer.created_at)
        )
        first: dict[tuple[str, str], dt.datetime] = {}
        for participant_id, tag, created_at in rows:
            first.setdefault((participant_id, tag), created_at)
        for job in themed:
            content = self._contents[job.update_id or 0]
            for theme in content.themes:
                if (job.participant_id, theme) in first:
                    job.context["you_said"] = [
                        theme,
                        first[(job.participant_id, theme)].isoformat(),
                    ]
                    break

    def _render(self, job: Job) -> Message | None:
        if job.kind == "answer":
            update_id = job.context.get("reply_update")
            content = self._contents.get(update_id) if update_id is not None else None
            if content is None or not job.context.get("answer"):
                return None
            return staff_answer_message(
                self.wording,
                content.id,
                content.title,
                job.context["answer"],
                job.language,
                job.easy,
            )
        if job.kind == "roundup":
            contents = [
                self._contents[int(u)]
                for u in job.context.get("updates", [])
                if int(u) in self._contents
            ]
            if not contents:
                return None
            return roundup_message(
                self.wording,
                contents,
                str(job.context.get("month", "")),
                language=job.language,
                easy=job.easy,
            )
        content = self._contents.get(job.update_id or -1)
        if content is None:
            return None
        personal = None
        if job.context.get("you_said"):
            theme, since = job.context["you_said"]
            topic = topic_label(self.wording, theme, job.language, job.easy)
            personal = you_said_line(
                self.wording, topic, dt.datetime.fromisoformat(since), job.language, job.easy
            )
        return update_message(
            self.wording, content, language=job.language, easy=job.easy, personal=personal
        )

    def _learn_picture(self, job: Job, file_id: str | None) -> None:
        if file_id and job.update_id in self._contents:
            content = self._contents[job.update_id or 0]
            if content.picture_file_id is None:
                self._contents[content.id] = UpdateContent(
                    content.id,
                    content.title,
                    content.text,
                    content.easy_text,
                    content.picture,
                    file_id,
                    content.kind,
                    content.themes,
                )


def _content(row: YouSaidUpdate) -> UpdateContent:
    return UpdateContent(
        row.id,
        row.title,
        row.text,
        row.easy_text,
        row.picture,
        row.picture_file_id,
        row.kind,
        tuple(row.themes or ()),
    )


def _limiter(config: SenderConfig) -> AsyncLimiter | None:
    """An aiolimiter leaky bucket that never lets more than ``rate`` through in one second.

    A leaky bucket of capacity ``c`` draining at ``r`` per second lets at most ``c + r``
    requests through in any one-second window. We drain at ``r = rate / (1 + margin)`` and
    give the bucket a capacity just over one, ``c = 1 + r·margin/2``, so that

    * ``c + r`` stays below ``rate + 1`` even when requests reach Telegram up to
      ``margin/2`` seconds late relative to each other (network jitter), and
    * a worker that wakes up to ``margin/2`` seconds late for its slot (event-loop timer
      granularity) does not push every later slot back: the small headroom absorbs it,
      so the achieved rate stays close to ``r``.
    """
    if not config.rate:
        return None
    drain = config.rate / (1 + config.pacing_margin)
    capacity = 1 + drain * config.pacing_margin / 2
    return AsyncLimiter(capacity, capacity / drain)
