"""Time and peak memory (peak resident set) to build a summary and each file format, as JSON.

    python bench/summary.py                 # 100,000 answers from 20,000 people (target:
                                            # all formats < 15 s together, < 1 GB)
    python bench/summary.py --people 2000   # a quick check

It writes a fresh SQLite database (or ``--database-url``) with a realistic mix: five
answers per person (a single choice, a yes/no, a multiple choice, a written answer with
one to three themes and a sentiment, and quote consent), three roles, four age bands,
twelve months.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from analysis.disclosure import DisclosureRule  # noqa: E402
from analysis.exports import Format, export  # noqa: E402
from analysis.summary import Filters, build_summary  # noqa: E402
from surveys.database import Database  # noqa: E402
from surveys.definition import SurveyCatalog  # noqa: E402
from surveys.migrate import upgrade  # noqa: E402
from surveys.models import Answer, AnswerAnalysis, AnswerTag, Participant, SurveyRun  # noqa: E402

SURVEYS = ROOT / "tests" / "vic" / "fixtures"
THEMES = [
    ("P1", "priority"),
    ("P2", "priority"),
    ("P3", "priority"),
    ("P4", "priority"),
    ("P5", "priority"),
    ("P6", "priority"),
    ("I-inclusion", "three_i"),
    ("V-voice", "value"),
    ("W-vic", "work_group"),
    ("X-transport", "cross"),
]
WORDS = [
    "waited far too long for the assessment",
    "the SENCO really listened",
    "transport never came",
    "short breaks helped our family",
    "school refusal is exhausting",
    "the annual review was late",
]


async def generate(db: Database, people: int, seed: int = 5) -> int:
    rng = random.Random(seed)
    roles = ["parent_carer"] * 6 + ["young_person"] * 3 + ["practitioner"]
    bands = ["under_13", "13_15", "16_17", "18_25"]
    answers = 0
    batch = 2000
    import datetime as dt

    for start in range(0, people, batch):
        participants, runs, rows = [], [], []
        for i in range(start, min(start + batch, people)):
            pid = f"person-{i:06d}"
            role = rng.choice(roles)
            band = rng.choice(bands) if role == "young_person" else None
            when = dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
                minutes=rng.randrange(365 * 24 * 60)
            )
            participants.append(
                {
                    "id": pid,
                    "role": role,
                    "age_band": band,
                    "created_at": when,
                    "last_seen_at": when,
                    "conversation": {},
                    "reachable": True,
                }
            )
            runs.append(
                {
                    "id": f"run-{i:06d}",
                    "participant_id": pid,
                    "survey_id": "vic_voice",
                    "survey_version": 3,
                    "status": "completed" if rng.random() < 0.8 else "in_progress",
                    "role": role,
                    "age_band": band,
                    "started_at": when,
                    "updated_at": when,
                    "state": {},
                }
            )
            base = {
                "run_id": f"run-{i:06d}",
                "participant_id": pid,
                "survey_id": "vic_voice",
                "survey_version": 3,
                "status": "answered",
                "created_at": when,
                "restricted": False,
            }
            rows += [
                {
                    **base,
                    "question_id": "school",
                    "value": rng.choice(["mainstream", "special", "none"]),
                    "text": None,
                },
                {
                    **base,
                    "question_id": "ehcp",
                    "value": rng.choice(["yes", "no", "not_sure"]),
                    "text": None,
                },
                {
                    **base,
                    "question_id": "help",
                    "value": rng.sample(["senco", "camhs"], rng.randint(1, 2)),
                    "text": None,
                },
                {
                    **base,
                    "question_id": "story",
                    "value": None,
                    "text": " and ".join(rng.sample(WORDS, 2)) + ".",
                },
                {
                    **base,
                    "question_id": "quote_ok",
                    "value": "yes" if rng.random() < 0.3 else "no",
                    "text": None,
                },
            ]
        async with db.transaction() as session:
            await session.execute(insert(Participant), participants)
            await session.execute(insert(SurveyRun), runs)
            await session.execute(insert(Answer), rows)
            from sqlalchemy import select

            story_ids = (
                (
                    await session.execute(
                        select(Answer.id).where(
                            Answer.question_id == "story",
                            Answer.participant_id.in_([p["id"] for p in participants]),
                        )
                    )
                )
                .scalars()
                .all()
            )
            tags, analyses = [], []
            for answer_id in story_ids:
                for tag, kind in rng.sample(THEMES, rng.randint(1, 3)):
                    tags.append(
                        {
                            "answer_id": answer_id,
                            "tag": tag,
                            "kind": kind,
                            "score": rng.random(),
                            "reasons": ["bench"],
                            "tagger_version": "bench-1",
                        }
                    )
                analyses.append(
                    {
                        "answer_id": answer_id,
                        "sentiment": rng.choice(["negative", "neutral", "positive"]),
                        "sentiment_score": 0.0,
                        "key_phrases": rng.sample(
                            ["far too long", "senco", "transport", "short breaks"], 2
                        ),
                        "tagger_version": "bench-1",
                        "analysed_at": dt.datetime.now(dt.UTC),
                    }
                )
            await session.execute(insert(AnswerTag), tags)
            await session.execute(insert(AnswerAnalysis), analyses)
        answers += len(rows)
    return answers


async def measure(url: str, people: int) -> dict[str, object]:
    db = Database.from_url(url)
    started = time.perf_counter()
    answers = await generate(db, people)
    generated = time.perf_counter() - started
    catalog = SurveyCatalog.from_paths(SURVEYS)
    results: dict[str, object] = {
        "people": people,
        "answers": answers,
        "generate_s": round(generated, 2),
    }
    t0 = time.perf_counter()
    summary = await build_summary(
        db, catalog, Filters(), DisclosureRule(), require_quote_approval=False
    )
    results["summary_s"] = round(time.perf_counter() - t0, 3)
    formats: dict[str, dict[str, float]] = {}
    for fmt in Format:
        t = time.perf_counter()
        file = export(summary, fmt)
        formats[fmt.value] = {"seconds": round(time.perf_counter() - t, 3), "bytes": len(file.body)}
    results["formats"] = formats
    results["all_formats_s"] = round(sum(f["seconds"] for f in formats.values()), 3)
    results["summary_and_formats_s"] = round(results["summary_s"] + results["all_formats_s"], 3)  # type: ignore[operator]
    results["process_peak_rss_mib"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    results["target_met"] = (
        results["summary_and_formats_s"] < 15 and results["process_peak_rss_mib"] < 1024
    )  # type: ignore[operator]
    await db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
        upgrade(url)
        print(json.dumps(asyncio.run(measure(url, args.people)), indent=1))


if __name__ == "__main__":
    main()
