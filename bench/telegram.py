"""Benchmark: simulated Telegram users answering a survey through the webhook, over real HTTP.

    python bench/telegram.py                       # 1,000 users on SQLite
    python bench/telegram.py --users 200 --database-url sqlite \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench

What runs: a fake Telegram Bot API in a child process of its own (it receives the bot's
replies, counts them and answers as Telegram would; see :func:`fake_telegram`); the real
service, ``python -m bot`` in webhook mode, in another; and N simulated people, each
sending their 13 updates one after the other (waiting for each answer, as a person waits for
the next question), with at most ``--concurrency`` requests open at once (Telegram's own
``max_connections`` is 40). Every update is a real POST to ``/telegram`` with the secret
header; the service only answers once the update is handled and its replies are sent.

Then the same load against a bare aiohttp handler that only answers 200: the ceiling this
machine and this load generator allow. Prints JSON: updates/s and p50/p99 latency for each,
and the ratio to the ceiling. Checks that every answer reached the database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
# This file is called telegram.py: its folder must not hide the python-telegram-bot package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

from bot.telegram._render import callback_data, question_tag  # noqa: E402
from surveys.engine import Action, Input  # noqa: E402
from tests.fakes.telegram_api import BOT_USER, callback_update, message_update  # noqa: E402

TOKEN = "123456:BENCH-TOKEN"
SECRET = "bench-secret_0123456789"
SURVEYS = ROOT / "tests" / "fixtures" / "surveys"
ANSWERS_PER_PERSON = 6  # questions of all_types.yaml answered by each simulated person


def script(user_id: int, update_ids: Iterator[int]) -> list[dict[str, Any]]:
    """One parent's 13 updates: deep link, onboarding taps, then every kind of answer."""

    def text(words: str) -> dict[str, Any]:
        return message_update(next(update_ids), user_id, words)

    def tap(given: Input, question: str | None = None) -> dict[str, Any]:
        tag = question_tag(question) if question else None
        return callback_update(next(update_ids), user_id, callback_data(given, tag))

    def choose(value: str, question: str | None = None) -> dict[str, Any]:
        return tap(Input(Action.CHOOSE, value), question)

    return [
        text("/start s_all_types-bench"),
        choose("yes"),
        choose("parent_carer"),
        choose("words"),
        choose("en"),
        choose("on_behalf"),
        choose("mainstream", "school"),
        text("yes"),
        choose("4", "feel"),
        choose("senco", "help"),
        tap(Input(Action.DONE), "help"),
        text("6"),
        text("More time with the SENCO, please."),
    ]


# ---------------------------------------------------------------------- the load


async def load(
    url: str,
    people: list[list[dict[str, Any]]],
    concurrency: int,
    carried: list[str] | None = None,
) -> dict[str, Any]:
    """Each person sends their updates in turn; returns throughput and latency.

    With ``carried``, the method named in each webhook answer that carries a call is listed
    there (Telegram would make that call; the bench only counts it).
    """
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    failures: list[int] = []
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def person(updates: list[dict[str, Any]]) -> None:
            for update in updates:
                body = json.dumps(update).encode()
                async with gate:
                    started = time.perf_counter()
                    async with session.post(url, data=body, headers=headers) as response:
                        answer = await response.read()
                        latencies.append(time.perf_counter() - started)
                        if response.status != 200:
                            failures.append(response.status)
                        elif carried is not None and response.content_type == "application/json":
                            carried.append(json.loads(answer)["method"])

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(person(updates) for updates in people))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    latencies.sort()
    return {
        "updates": len(latencies),
        "seconds": round(elapsed, 2),
        "updates_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "failed_requests": len(failures),
        # This process: the simulated people only (the fake Telegram has a process of its own).
        "load_generator_cpu_s": round(cpu, 2),
    }


# ---------------------------------------------------------------------- the servers


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (Linux): was it CPU-bound?"""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(process_cpu_seconds(child) for child in _children(pid))


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            children += [int(child) for child in task.read_text().split()]
    return children


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_until_up(
    url: str, want: str | None = None, processes: int = 1, timeout: float = 90.0
) -> None:
    """Until every one of ``processes`` listens on the port and says ``want``.

    Each request goes on a new connection, which the kernel gives to any of the processes
    sharing the port: 20 good answers in a row leave a process not ready a 2**-20 chance.
    """
    deadline = time.monotonic() + timeout
    port = int(url.split(":")[2].split("/")[0])
    in_a_row = 0
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        while time.monotonic() < deadline:
            ready = False
            try:
                async with session.get(url) as response:
                    body = await response.text()
                    ready = response.status == 200 and (want is None or want in body)
            except aiohttp.ClientError:
                pass
            ready = ready and listening(port) >= processes
            in_a_row = in_a_row + 1 if ready else 0
            if in_a_row >= (1 if processes == 1 else 20):
                return
            await asyncio.sleep(0.05 if ready else 0.2)
    raise RuntimeError(f"{url} did not come up")


def listening(port: int) -> int:
    """How many sockets listen on ``port`` (one per process sharing it)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(
        1 for row in rows if row.split()[1].endswith(f":{port:04X}") and row.split()[3] == "0A"
    )


async def run(*command: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(*command, env=env, cwd=str(ROOT))


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 60)
        except TimeoutError:
            process.kill()
            await process.wait()


def service_env(database_url: str, port: int, telegram_url: str, work: Path) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": telegram_url,
        "TELEGRAM_MODE": "webhook",
        "WEBHOOK_URL": "https://bench.invalid",
        "WEBHOOK_SECRET": SECRET,
        "PSEUDONYM_KEY": "bench-pseudonym-key",
        "SURVEYS_DIR": str(SURVEYS),
        "VOICE_CACHE_DIR": str(work / "voice"),
        "LOG_LEVEL": "WARNING",
    }


@contextlib.asynccontextmanager
async def telegram_process() -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """The fake Bot API (:func:`fake_telegram`) in a process of its own: its URL and process."""
    port = free_port()
    process = await run(
        sys.executable,
        str(Path(__file__).resolve()),
        "--fake-telegram",
        str(port),
        env=dict(os.environ),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_until_up(f"{url}/stats")
        yield url, process
    finally:
        await stop(process)


async def measured_load(
    bot_url: str,
    bot: asyncio.subprocess.Process,
    telegram: tuple[str, asyncio.subprocess.Process],
    people: list[list[dict[str, Any]]],
    concurrency: int,
) -> dict[str, Any]:
    """:func:`load` through a bot, with the CPU it and the fake Telegram used, and its calls."""
    telegram_url, telegram_pid = telegram[0], telegram[1].pid
    before = await telegram_stats(telegram_url)
    cpu_before = process_cpu_seconds(bot.pid), process_cpu_seconds(telegram_pid)
    carried: list[str] = []
    result = await load(bot_url, people, concurrency, carried)
    result["service_cpu_s"] = round(process_cpu_seconds(bot.pid) - cpu_before[0], 2)
    result["service_cpu_ms_per_update"] = round(
        1000 * result["service_cpu_s"] / max(1, result["updates"]), 3
    )
    result["fake_telegram_cpu_s"] = round(process_cpu_seconds(telegram_pid) - cpu_before[1], 2)
    calls = Counter(await telegram_stats(telegram_url))
    calls.subtract(before)
    result["replies_sent"] = calls["sendMessage"]
    result["bot_api_requests"] = sum(calls.values())
    result["bot_api_calls_in_webhook_answers"] = len(carried)
    return result


async def bench_service(
    name: str,
    database_url: str,
    users: int,
    concurrency: int,
    work: Path,
    processes: int = 1,
    profile_dir: Path | None = None,
) -> dict[str, Any]:
    port = free_port()
    async with telegram_process() as telegram:
        env = service_env(database_url, port, f"{telegram[0]}/bot", work)
        env |= {"WEB_CONCURRENCY": str(processes)}
        migrate = await run(sys.executable, "-m", "bot", "migrate", env=env)
        if await migrate.wait() != 0:
            raise RuntimeError(f"migrating {database_url} failed")
        profile = ["-m", "cProfile", "-o", str(profile_dir / f"{name}.prof")] if profile_dir else []
        server = await run(sys.executable, *profile, "-m", "bot", env=env)
        try:
            await wait_until_up(
                f"http://127.0.0.1:{port}/healthz",
                want='"telegram": "webhook"',
                processes=processes,
            )
            base = random.randrange(10**9, 2 * 10**9)  # fresh people and update ids every run
            update_ids = iter(range(base * 100, base * 100 + users * 100))
            people = [script(base + i, update_ids) for i in range(users)]
            result: dict[str, Any] = {"processes": processes}
            url = f"http://127.0.0.1:{port}/telegram"
            result |= await measured_load(url, server, telegram, people, concurrency)
            result["answers_stored"] = await count_answers(database_url, base, users)
            result["answers_expected"] = users * ANSWERS_PER_PERSON
        finally:
            await stop(server)
    return result


async def bench_floor(
    kind: str, users: int, concurrency: int, calls_per_update: float
) -> dict[str, Any]:
    """The least a bot that replies must do (:func:`floor_bot`), through the same load."""
    port = free_port()
    async with telegram_process() as telegram:
        bot = await run(
            sys.executable,
            str(Path(__file__).resolve()),
            "--floor-bot",
            f"{port},{kind},{calls_per_update},{telegram[0]}/bot",
            env=dict(os.environ),
        )
        try:
            await wait_until_up(f"http://127.0.0.1:{port}/healthz")
            update_ids = iter(range(1, users * 100))
            people = [script(10**9 + i, update_ids) for i in range(users)]
            url = f"http://127.0.0.1:{port}/telegram"
            return {"kind": kind} | await measured_load(url, bot, telegram, people, concurrency)
        finally:
            await stop(bot)


async def count_answers(database_url: str, base: int, users: int) -> int:
    from sqlalchemy import func, select

    from surveys.database import Database
    from surveys.models import Answer
    from surveys.service import ChannelRef, Pseudonymiser

    pseudonym = Pseudonymiser(b"bench-pseudonym-key")
    ids = [pseudonym(ChannelRef("telegram", str(base + i))) for i in range(users)]
    db = Database.from_url(database_url)
    try:
        async with db.reading() as session:
            total = 0
            for start in range(0, len(ids), 500):
                total += int(
                    await session.scalar(
                        select(func.count())
                        .select_from(Answer)
                        .where(
                            Answer.participant_id.in_(ids[start : start + 500]),
                            Answer.superseded_at.is_(None),
                        )
                    )
                    or 0
                )
            return total
    finally:
        await db.dispose()


async def bench_ceiling(users: int, concurrency: int, processes: int = 1) -> dict[str, Any]:
    port = free_port()
    servers = [
        await run(
            sys.executable,
            str(Path(__file__).resolve()),
            "--bare-server",
            str(port),
            env=dict(os.environ) | {"WEB_CONCURRENCY": str(processes)},
        )
        for _ in range(processes)
    ]
    try:
        await wait_until_up(f"http://127.0.0.1:{port}/healthz", processes=processes)
        update_ids = iter(range(1, users * 100))
        people = [script(10**9 + i, update_ids) for i in range(users)]
        result = {"processes": processes}
        return result | await load(f"http://127.0.0.1:{port}/telegram", people, concurrency)
    finally:
        for server in servers:
            await stop(server)


async def telegram_stats(url: str) -> dict[str, int]:
    async with aiohttp.ClientSession() as session, session.get(f"{url}/stats") as response:
        return dict(await response.json())


def fake_telegram(port: int) -> None:
    """The Bot API the service talks to: answers every call as Telegram would, and counts it.

    A process of its own, as lean as an aiohttp handler can be: Telegram's servers are not
    on the service's machine, so what they cost here should hold the service back as little
    as possible (in the bench's own process it took 0.45 ms of CPU per call, and with the
    simulated people on the same core it capped the service near a quarter of the ceiling).
    ``tests.fakes.telegram_api`` is the full fake the tests use.
    """
    import itertools

    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    calls: Counter[str] = Counter()
    message_ids = itertools.count(1000)
    token = f"bot{TOKEN}"

    async def method(request: web.Request) -> web.Response:
        if request.match_info["token"] != token:
            return web.json_response({"ok": False, "error_code": 401}, status=401)
        name = request.match_info["method"]
        calls[name] += 1
        params = await request.json() if request.can_read_body else {}
        result: Any = True
        if name == "getMe":
            result = BOT_USER
        elif name.startswith(("send", "edit")):
            chat = {"id": int(params.get("chat_id", 0)), "type": "private"}
            result = {"message_id": next(message_ids), "date": int(time.time()), "chat": chat}
        return web.json_response({"ok": True, "result": result})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(dict(calls))

    app = web.Application()
    app.router.add_post("/{token}/{method}", method)
    app.router.add_get("/stats", stats)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


QUESTION = "Question 2 of 6\nDoes your child have an EHC plan?\n\nTap an answer, or type yes or no."
KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Yes", "callback_data": "a:yes"}, {"text": "No", "callback_data": "a:no"}],
        [
            {"text": "Skip", "callback_data": "a:skip"},
            {"text": "Pause", "callback_data": "a:pause"},
        ],
    ]
}


def floor_bot(port: int, kind: str, calls_per_update: float, telegram_url: str) -> None:
    """A bot that does only what any bot answering through the webhook must: read the update,
    make as many Bot API calls per update as the service did, answer 200. No database, no
    survey, no handlers.

    ``relay``: aiohttp's client and the standard JSON module, nothing else. ``ptb``: the same
    through python-telegram-bot, as the service uses it: the update read into PTB's objects
    (minimised first) and each reply sent by :meth:`ChatBot.send_text` over
    :class:`AiohttpRequest`. What the service spends beyond ``ptb`` is its own work.
    """
    import uvloop
    from telegram import Update

    from bot.telegram._chatbot import ChatBot
    from bot.telegram._http import AiohttpRequest
    from bot.telegram._minimise import minimise

    uvloop.install()
    owed = 0.0  # calls owed so far: whole ones are made, the fraction carries on
    bot = ChatBot(TOKEN, base_url=telegram_url, request=AiohttpRequest(128))
    session: list[aiohttp.ClientSession] = []
    headers = {"Content-Type": "application/json"}

    async def start(app: web.Application) -> None:
        await bot.initialize()
        session.append(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=128)))

    async def finish(app: web.Application) -> None:
        await bot.shutdown()
        await session[0].close()

    async def send(chat_id: int) -> None:
        if kind == "ptb":
            await bot.send_text(chat_id, QUESTION, KEYBOARD)
            return
        body = json.dumps({"chat_id": chat_id, "text": QUESTION, "reply_markup": KEYBOARD})
        url = f"{telegram_url}{TOKEN}/sendMessage"
        async with session[0].post(url, data=body.encode(), headers=headers) as response:
            if not json.loads(await response.read())["ok"]:
                raise RuntimeError("the Bot API refused a reply")

    async def handle(request: web.Request) -> web.Response:
        nonlocal owed
        data = await request.json()
        if kind == "ptb":
            update = Update.de_json(minimise(data), bot)
            chat_id = update.effective_user.id if update.effective_user else 0
        else:
            part = data.get("message") or data.get("callback_query") or {}
            chat_id = part["from"]["id"]
        owed += calls_per_update
        while owed >= 1:
            owed -= 1
            await send(chat_id)
        return web.Response(text="ok")

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.on_startup.append(start)
    app.on_cleanup.append(finish)
    app.router.add_post("/telegram", handle)
    app.router.add_get("/healthz", ok)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


def bare_server(port: int) -> None:
    """The ceiling: an aiohttp handler that answers 200 and does nothing else."""

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/telegram", ok)
    app.router.add_get("/healthz", ok)
    shared = int(os.environ.get("WEB_CONCURRENCY", "1")) > 1
    web.run_app(app, host="127.0.0.1", port=port, reuse_port=shared, print=None)


# ---------------------------------------------------------------------- command line


def database_url(given: str, work: Path) -> str:
    if given == "sqlite":
        return f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}"
    return given


async def main(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-telegram-") as tmp:
        work = Path(tmp)
        report: dict[str, Any] = {
            "users": args.users,
            "updates_per_person": len(script(0, iter(range(100)))),
            "concurrency": args.concurrency,
            "processes": args.processes,
            "service": {},
        }
        for given in args.database_url or ["sqlite"]:
            url = database_url(given, work)
            name = "postgresql" if url.startswith("postgres") else "sqlite"
            report["service"][name] = await bench_service(
                name,
                url,
                args.users,
                args.concurrency,
                work,
                args.processes,
                Path(args.profile).resolve() if args.profile else None,
            )
        ceiling = await bench_ceiling(args.users, args.concurrency, args.ceiling_processes)
        report["ceiling_bare_aiohttp"] = ceiling
        report["share_of_ceiling"] = {
            name: round(result["updates_per_s"] / ceiling["updates_per_s"], 3)
            for name, result in report["service"].items()
        }
        if args.floors:
            served = list(report["service"].values())
            calls = (
                sum(r["bot_api_requests"] for r in served) / sum(r["updates"] for r in served)
                if served
                else 1.46
            )
            floors = {
                kind: await bench_floor(kind, args.users, args.concurrency, round(calls, 3))
                for kind in ("relay", "ptb")
            }
            report["floor_bots"] = floors
            for kind, result in floors.items():
                share = result["updates_per_s"] / ceiling["updates_per_s"]
                report["share_of_ceiling"][f"floor_{kind}"] = round(share, 3)
        return report


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000, help="simulated people (1,000)")
    parser.add_argument(
        "--database-url",
        action="append",
        help="'sqlite' (a temporary file; the default) or a PostgreSQL URL; may be repeated",
    )
    parser.add_argument(
        "--concurrency", type=int, default=40, help="requests open at once (Telegram's 40)"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="service processes sharing the port (WEB_CONCURRENCY; 1)",
    )
    parser.add_argument(
        "--ceiling-processes",
        type=int,
        default=1,
        help="bare aiohttp processes sharing the port for the ceiling (1)",
    )
    parser.add_argument(
        "--profile", metavar="DIR", help="run the service under cProfile; write DIR/<db>.prof"
    )
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--floors",
        action="store_true",
        help="also measure the least any bot must do: a bare relay, and the same through PTB",
    )
    parser.add_argument("--fake-telegram", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--floor-bot", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    if arguments.bare_server:
        bare_server(arguments.bare_server)
    elif arguments.fake_telegram:
        fake_telegram(arguments.fake_telegram)
    elif arguments.floor_bot:
        floor_port, floor_kind, floor_calls, floor_telegram = arguments.floor_bot.split(",", 3)
        floor_bot(int(floor_port), floor_kind, float(floor_calls), floor_telegram)
    else:
        print(json.dumps(asyncio.run(main(arguments)), indent=2))
