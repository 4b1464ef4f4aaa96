"""Killing the sender mid-broadcast, and running two side by side: nobody missed, nobody twice.

The sender runs as a real process (``python -m bot updates sender``) against the fake Bot
API. The fake kills it with SIGKILL while it is waiting for Telegram's answer to one message
(so that message never went out) with more rows claimed and not yet sent; a second process
then carries on once the dead one's leases run out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.updates import compose
from bot.updates.models import Outbox
from surveys.database import Database
from surveys.wording import Wording
from tests.fakes.telegram_api import Failure
from tests.updates.support import Person, ScriptedFake, add_people

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def fake() -> AsyncIterator[ScriptedFake]:
    server = ScriptedFake()
    await server.start()
    yield server
    await server.stop()


def _environment(database_url: str, fake: ScriptedFake, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UPDATES_", "TELEGRAM_"))}
    env.update(
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        PSEUDONYM_KEY="test-key",
        QUIET_HOURS="00:00-00:00",  # no quiet hours: the test must pass at any hour
        UPDATES_LEASE_SECONDS="2",
        UPDATES_CONCURRENCY="4",
        LOG_LEVEL="WARNING",
        NO_PROXY="127.0.0.1,localhost",
    )
    env.update(more)
    return env


async def _sender(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "updates",
        "sender",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _broadcast(db: Database, wording: Wording, people: int) -> int:
    await add_people(db, [Person(n) for n in range(people)])
    draft = compose.parse_draft(
        wording, title="Transport", text="Taxis to school now wait for children.", themes=["P5"]
    )
    return await compose.save(db, draft, by="vic")


async def _states(db: Database, update_id: int) -> dict[str, int]:
    async with db.reading() as session:
        rows = await session.execute(
            select(Outbox.state, func.count())
            .where(Outbox.update_id == update_id)
            .group_by(Outbox.state)
        )
        return dict(rows.all())


async def test_a_sender_killed_mid_broadcast_then_restarted_sends_to_everyone_once(
    database_url: str, db: Database, fake: ScriptedFake, wording: Wording
) -> None:
    people = 150
    update_id = await _broadcast(db, wording, people)
    # One message in flight at a time: then the only message a crash can leave in doubt is
    # the one being sent, which here died with the process (see bot.updates.sender).
    env = _environment(database_url, fake, UPDATES_RATE="40", UPDATES_CONCURRENCY="1")
    first = await _sender(env, "--until-done")
    killed: dict[str, Any] = {}

    def kill_at_the_60th(method: str, params: dict[str, Any]) -> Failure | None:
        if method != "sendMessage" or killed or len(fake.sends()) < 60:
            return None
        os.kill(first.pid, signal.SIGKILL)  # while it waits for this answer
        killed["chat"] = int(params["chat_id"])
        fake.failed.append(fake.calls[-1])  # the process died with it: never delivered
        return Failure(500, delay=0.2)

    fake.rules.insert(0, kill_at_the_60th)
    assert await asyncio.wait_for(first.wait(), timeout=60) == -signal.SIGKILL

    states = await _states(db, update_id)
    assert 0 < states.get("delivered", 0) < people
    assert states.get("sending", 0) >= 1  # claimed by the dead process, not yet sent

    second = await _sender(env, "--until-done")
    out, err = await asyncio.wait_for(second.communicate(), timeout=90)
    assert second.returncode == 0, err.decode()[-2000:]

    received = fake.received()
    assert set(received) == {Person(n).chat for n in range(people)}
    assert max(received.values()) == 1, [c for c, n in received.items() if n > 1]
    assert received[killed["chat"]] == 1
    assert await _states(db, update_id) == {"delivered": people}


async def test_two_senders_side_by_side_never_send_twice(
    database_url: str, db: Database, fake: ScriptedFake, wording: Wording
) -> None:
    people = 200
    await add_people(db, [Person(n) for n in range(people)])
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    draft = compose.parse_draft(
        wording, title="Transport", text="Taxis now wait.", themes=["P5"], send_at=later
    )
    update_id = await compose.save(db, draft, by="vic")
    env = _environment(
        database_url, fake, UPDATES_RATE="50", UPDATES_LEASE_SECONDS="10", LOG_LEVEL="INFO"
    )
    senders = [await _sender(env, "--until-done") for _ in range(2)]
    await asyncio.gather(*(_running(s) for s in senders))
    await compose.schedule(db, update_id)  # both are up: send it now
    results = await asyncio.wait_for(
        asyncio.gather(*(s.communicate() for s in senders)), timeout=90
    )
    for sender, (_, err) in zip(senders, results, strict=True):
        assert sender.returncode == 0, err.decode()[-2000:]

    received = fake.received()
    assert len(received) == people
    assert max(received.values()) == 1
    assert await _states(db, update_id) == {"delivered": people}
    # Both took part: the work was shared, not done by one while the other idled.
    by_sender = [json.loads(out.strip().splitlines()[-1])["delivered"] for out, _ in results]
    assert sum(by_sender) == people and min(by_sender) > 0


async def _running(process: asyncio.subprocess.Process) -> None:
    """Wait for the sender's "running" line on its log."""
    assert process.stderr is not None
    while True:
        line = await asyncio.wait_for(process.stderr.readline(), timeout=60)
        assert line, "the sender exited before it started"
        if b"running" in line:
            return
