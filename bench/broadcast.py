"""Broadcast benchmark: N recipients through the real sender to the fake Bot API.

    python bench/broadcast.py                  # 10,000 people at 30/s, then with no limit
    python bench/broadcast.py --count 1000     # a quick run
    python bench/broadcast.py --database postgresql://postgres@127.0.0.1:5432/bench

The fake Bot API (tests/fakes/telegram_api.py) runs in its own process, so the sender and
the server each have a core. Every figure is measured where Telegram would measure it: at
the server, from the time each request arrived. Prints JSON: for each run, the achieved rate
and its fraction of the limit, the busiest one-second window, duplicates and losses.
Targets: ≥ 0.95 of the limit with 0 duplicates and 0 lost; ≥ 1,000 messages/s with the
limit lifted. At 30/s, 10,000 people take about six minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import datetime as dt
import itertools
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ comes first on the path, where bench/telegram.py would shadow the
# python-telegram-bot package: put the project root there instead.
sys.path[0] = str(ROOT)


# --------------------------------------------------------------------------- the fake server


async def _serve_fake() -> None:
    """Child process: serve the fake Bot API and report its calls on ``GET /_calls``."""
    from aiohttp import web

    from tests.fakes.telegram_api import FakeTelegramAPI

    fake = FakeTelegramAPI()

    async def calls(_: web.Request) -> web.Response:
        sends = [[int(c.params["chat_id"]), c.at] for c in fake.calls if c.method == "sendMessage"]
        return web.json_response(sends)

    async def forget(_: web.Request) -> web.Response:
        fake.calls.clear()
        return web.json_response(True)

    fake.app.router.add_get("/_calls", calls)
    fake.app.router.add_post("/_forget", forget)
    await fake.start()
    print(json.dumps({"base_url": fake.base_url, "token": fake.token}), flush=True)
    await asyncio.Event().wait()


# --------------------------------------------------------------------------- the store


async def _people(db: Any, count: int) -> None:
    """Opted-in people; first removes what an earlier run of this benchmark left."""
    from sqlalchemy import delete, insert

    from bot.updates.models import SubscriptionTopic, UpdateSubscription, YouSaidUpdate
    from surveys.models import ChannelAddress, Participant

    async with db.transaction() as session:
        await session.execute(delete(YouSaidUpdate).where(YouSaidUpdate.created_by == "bench"))
        await session.execute(delete(Participant).where(Participant.id.like("bench-%")))

    now = dt.datetime.now(dt.UTC)
    ids = [f"bench-{n:07d}" for n in range(count)]
    tables = (
        (
            Participant,
            [
                {
                    "id": i,
                    "created_at": now,
                    "last_seen_at": now,
                    "consented_at": now,
                    "conversation": {},
                    "reachable": True,
                    "role": "parent_carer",
                }
                for i in ids
            ],
        ),
        (
            ChannelAddress,
            [
                {"participant_id": i, "channel": "telegram", "address": str(10**6 + n)}
                for n, i in enumerate(ids)
            ],
        ),
        (
            UpdateSubscription,
            [
                {
                    "participant_id": i,
                    "active": True,
                    "frequency": "each",
                    "chosen_at": now,
                    "changed_at": now,
                }
                for i in ids
            ],
        ),
        (SubscriptionTopic, [{"participant_id": i, "topic": "all"} for i in ids]),
    )
    async with db.transaction() as session:
        for model, rows in tables:
            for start in range(0, len(rows), 5000):
                await session.execute(insert(model), rows[start : start + 5000])


async def _update(db: Any, wording: Any, title: str) -> int:
    from bot.updates import compose

    draft = compose.parse_draft(
        wording,
        title=title,
        text="You told us that getting to school was hard. From January, taxis wait for "
        "children who need more time, and drivers have had autism awareness training.",
        themes=["P5"],
    )
    return await compose.save(db, draft, by="bench")


# --------------------------------------------------------------------------- one run


async def _run(
    db: Any,
    wording: Any,
    fake: dict[str, str],
    *,
    title: str,
    rate: float | None,
    concurrency: int,
    count: int,
) -> dict[str, Any]:
    import aiohttp

    from bot.updates.sender import Sender, SenderConfig
    from bot.updates.transport import BotAPITransport

    server = fake["base_url"].rsplit("/bot", 1)[0]
    async with aiohttp.ClientSession() as client:
        await client.post(f"{server}/_forget")
    await _update(db, wording, title)
    config = SenderConfig(
        rate=rate,
        concurrency=concurrency,
        quiet=None,
        idle_sleep=0.05,
        tick_seconds=0.5,
    )
    transport = BotAPITransport(fake["token"], fake["base_url"], connections=concurrency)
    left: list[float] = []
    sender = Sender(db, transport, wording, config, on_send=lambda _: left.append(time.monotonic()))
    started = time.perf_counter()
    await sender.run(until_done=True)
    wall = time.perf_counter() - started
    await transport.close()
    async with aiohttp.ClientSession() as client, client.get(f"{server}/_calls") as response:
        sends = await response.json()
    chats = Counter(chat for chat, _ in sends)
    times = sorted(at for _, at in sends)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    achieved = (len(times) - 1) / span if span else 0.0
    result: dict[str, Any] = {
        "recipients": count,
        "limit_per_s": rate,
        "concurrency": concurrency,
        "sent": len(sends),
        "delivered_once": sum(1 for n in chats.values() if n == 1),
        "duplicates": sum(n - 1 for n in chats.values() if n > 1),
        "lost": count - len(chats),
        "achieved_per_s": round(achieved, 2),
        "busiest_second_sent": _busiest(sorted(left)),
        "busiest_second_arrived": _busiest(times),
        "longest_pause_s": round(max(_pauses(times), default=0.0), 3),
        "wall_seconds": round(wall, 2),
    }
    if rate:
        result["fraction_of_limit"] = round(achieved / rate, 4)
    return result


def _pauses(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def _busiest(times: list[float]) -> int:
    best = 0
    for i, start in enumerate(times):
        best = max(best, bisect.bisect_left(times, start + 1.0) - i)
    return best


# --------------------------------------------------------------------------- main


async def _bench(args: argparse.Namespace) -> dict[str, Any]:
    from surveys.database import Database
    from surveys.migrate import upgrade
    from surveys.wording import Wording

    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve-fake",
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"},
    )
    try:
        assert child.stdout is not None
        fake = json.loads(await asyncio.wait_for(child.stdout.readline(), timeout=30))
        with tempfile.TemporaryDirectory() as folder:
            url = args.database or f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
            await asyncio.to_thread(upgrade, url)
            db = Database.from_url(url)
            wording = Wording.load()
            try:
                await _people(db, args.count)
                runs = {}
                if not args.lifted_only:
                    runs["limited"] = await _run(
                        db,
                        wording,
                        fake,
                        title="Limited",
                        rate=args.rate,
                        concurrency=args.concurrency,
                        count=args.count,
                    )
                if not args.limited_only:
                    runs["lifted"] = await _run(
                        db,
                        wording,
                        fake,
                        title="Lifted",
                        rate=None,
                        concurrency=args.lifted_concurrency,
                        count=args.count,
                    )
            finally:
                await db.dispose()
    finally:
        child.kill()
        await child.wait()
    database = "postgresql" if args.database and "postgres" in args.database else "sqlite"
    return {"benchmark": "broadcast", "database": database, **runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--lifted-concurrency", type=int, default=64)
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--limited-only", action="store_true")
    parser.add_argument("--lifted-only", action="store_true")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        asyncio.run(_serve_fake())
        return
    import logging

    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(asyncio.run(_bench(args)), indent=2))


if __name__ == "__main__":
    main()
