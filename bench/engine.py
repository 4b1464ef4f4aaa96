"""Benchmark: many people answering a survey at once through the service and store.

Drives ``--people`` participants (1,000 by default) concurrently through the engine, service
and database, on SQLite and (with ``--postgres URL`` or ``TEST_DATABASE_URL``) PostgreSQL.
Each person first agrees, chooses a role and format (not timed), then answers every question of
the survey; each answer's latency is the time ``SurveyService.handle`` took.

Two modes per database:
- ``paced``: people pause between answers, as people do, so that together they offer
  ``--rate`` answers a second (1,500 by default; each pause is uniformly 0.2× to 1.8× the
  mean, and each person's first pause is the rest of one already under way, so the offered
  rate is steady from the first second); this is the latency a person would feel at that
  load. Its ``answers_per_s`` (whole run) is lower than the offered rate because people
  finish at different times and the last few answer alone; ``answers_per_s_while_all_answer``
  is the rate until the first person has finished.
- ``flat-out``: no pauses; every person fires their next answer as soon as the last returns.
  This shows the most answers per second the store can take.

Prints one JSON object. Example::

    python bench/engine.py --people 1000 --postgres postgresql://postgres@127.0.0.1/test
    python bench/engine.py --only postgresql --processes 2   # two service processes
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The script's own folder holds telegram.py, which must not shadow the real package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

try:
    import uvloop
except ImportError:  # pragma: no cover - not on Windows
    uvloop = None

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from surveys.database import Database  # noqa: E402
from surveys.definition import SurveyCatalog  # noqa: E402
from surveys.engine import Action, Input  # noqa: E402
from surveys.migrate import upgrade  # noqa: E402
from surveys.service import ChannelRef, Pseudonymiser, SurveyService  # noqa: E402
from surveys.wording import Wording  # noqa: E402

SURVEY = ROOT / "tests" / "fixtures" / "surveys" / "all_types.yaml"
ANSWERS = [
    Input(Action.TEXT, "3"),
    Input(Action.TEXT, "We moved and there was no place for him for six months"),
    Input(Action.CHOOSE, "yes"),
    Input(Action.CHOOSE, "2"),
    Input(Action.CHOOSE, "senco"),
    Input(Action.CHOOSE, "short_breaks"),
    Input(Action.DONE),
    Input(Action.TEXT, "14"),
    Input(Action.TEXT, "Someone who rings back when they say they will"),
]
ONBOARDING = [
    Input(Action.START, "all_types"),
    Input(Action.CHOOSE, "yes"),
    Input(Action.CHOOSE, "parent_carer"),
    Input(Action.CHOOSE, "words"),
    Input(Action.CHOOSE, "en"),
    Input(Action.CHOOSE, "parent_view"),
]


async def _onboard(service: SurveyService, index: int, tag: str) -> None:
    ref = ChannelRef("bench", f"{tag}-{index}", address=str(index))
    for given in ONBOARDING:
        await service.handle(ref, given)


def _pause(rng: random.Random) -> float:
    """A pause between answers, as a share of the mean: uniformly 0.2× to 1.8×."""
    return rng.uniform(0.2, 1.8)


def _first_pause(rng: random.Random) -> float:
    """The pause before someone's first timed answer, as if they had been answering a while.

    If everyone started their first pause at the same instant, the answers would bunch up
    for the first seconds (above the offered rate) before settling. Drawing the first pause
    as the remainder of a pause already under way (a length-weighted pause, cut at a uniform
    point) makes the offered rate steady from the start.
    """
    low, high = 0.2, 1.8
    length = (low * low + rng.random() * (high * high - low * low)) ** 0.5
    return rng.uniform(0.0, length)


async def _person(
    service: SurveyService,
    index: int,
    think: float,
    latencies: list[tuple[float, float]],
    tag: str,
) -> float:
    """One person answering every question; returns when they finished."""
    ref = ChannelRef("bench", f"{tag}-{index}", address=str(index))
    rng = random.Random(index)
    for number, given in enumerate(ANSWERS):
        if think:
            await asyncio.sleep(think * (_first_pause(rng) if number == 0 else _pause(rng)))
        started = time.perf_counter()
        await service.handle(ref, given)
        latencies.append((time.time(), time.perf_counter() - started))
    return time.time()


async def _answer_phase(
    url: str, people: range, think: float, tag: str, ready: Callable[[], None]
) -> tuple[list[tuple[float, float]], float, float, float]:
    surveys = SurveyCatalog.from_paths(SURVEY)
    db = Database.from_url(url)
    service = SurveyService(db, surveys, Wording.load(), Pseudonymiser(b"bench"))
    # As the service does once it has started (bot.__main__): what was loaded at start-up is
    # never garbage, so the collector need not walk it again and again (a full collection
    # over it took 110 ms, measured, stalling every answer in flight).
    gc.freeze()
    latencies: list[tuple[float, float]] = []  # (when it was answered, how long it took)
    # Everyone agrees and chooses a role first; only the answering phase is timed.
    await asyncio.gather(*(_onboard(service, i, tag) for i in people))
    ready()
    started = time.time()
    finished = await asyncio.gather(*(_person(service, i, think, latencies, tag) for i in people))
    ended = time.time()
    await db.dispose()
    return latencies, started, ended, min(finished)


def _worker(url: str, people: range, think: float, tag: str, barrier: Any, out: Any) -> None:
    # The service runs on uvloop where it is installed (see bot.__main__); so does its bench.
    run = getattr(uvloop, "run", asyncio.run) if uvloop else asyncio.run
    out.put(run(_answer_phase(url, people, think, tag, barrier.wait)))


def _run(url: str, people: int, think: float, tag: str, processes: int) -> dict[str, object]:
    """Drive ``people`` through the survey from ``processes`` processes (web processes, say)."""
    context = multiprocessing.get_context("fork")
    barrier, out = context.Barrier(processes), context.Queue()
    workers = [
        context.Process(
            target=_worker, args=(url, range(p, people, processes), think, tag, barrier, out)
        )
        for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    results = [out.get() for _ in workers]
    for worker in workers:
        worker.join()
    answered = [entry for result in results for entry in result[0]]
    latencies = sorted(latency for _, latency in answered)
    # While all the people are still answering (until the first of them has finished): the
    # rate the store kept up with everyone there.
    first_done = min(result[3] for result in results)
    begun = min(result[1] for result in results)
    while_all = sum(1 for moment, _ in answered if moment <= first_done)
    elapsed = max(r[2] for r in results) - min(r[1] for r in results)
    return {
        "processes": processes,
        "answers": len(latencies),
        "answers_per_s": round(len(latencies) / elapsed, 1),
        "answers_per_s_while_all_answer": round(while_all / max(first_done - begun, 1e-9), 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2),
        "elapsed_s": round(elapsed, 2),
    }


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def _database(kind: str, postgres: str | None, folder: str) -> str:
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
    else:
        from config.settings import normalise_database_url

        url = normalise_database_url(postgres or "")
        asyncio.run(_reset_postgres(url))
    upgrade(url)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument(
        "--rate",
        type=float,
        default=1500.0,
        help="answers/s the people offer together in the paced run (sets their pauses)",
    )
    parser.add_argument("--processes", type=int, default=1, help="service processes")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    kinds = [k for k in ("sqlite", "postgresql") if args.only in (None, k)]
    if not args.postgres and "postgresql" in kinds:
        kinds.remove("postgresql")
    think = args.people / args.rate
    results: dict[str, object] = {
        "people": args.people,
        "questions": len(ANSWERS),
        "paced_offered_answers_per_s": args.rate,
        "mean_pause_s": round(think, 3),
    }
    for kind in kinds:
        with tempfile.TemporaryDirectory() as folder:
            url = _database(kind, args.postgres, folder)
            paced = _run(url, args.people, think, "paced", args.processes)
            flat_out = _run(url, args.people, 0.0, "flat", args.processes)
            results[kind] = {"paced": paced, "flat_out": flat_out}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
