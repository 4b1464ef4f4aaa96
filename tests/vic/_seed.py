"""A small, hand-checked data set for the summary tests (and the browser test).

30 people answer the ``vic_voice`` survey (tests/vic/fixtures/vic_voice.yaml):

=============  ===================================================================
parents        p01–p16 (16); runs p01–p08 start 2026-03-10, p09–p16 2026-04-10
young people   y01–y12 (12); y01–y07 aged 13–15, y08–y12 aged 16–17; start 2026-04-15
practitioners  x01–x02 (2); start 2026-05-02
completed      everyone except p15, p16, y11, y12, x01, x02 (24 of 30)
school         mainstream: p01–p10, y01–y08 (18); special: p11–p15, y09–y12 (9);
               none: p16 (1); x01, x02 rather not say. p01 first said "special", then
               changed it (the first answer is superseded)
ehcp           yes: p01–p12, y01–y08 (20); no: p13–p16, y09–y10 (6); the rest skipped
help           senco: p01–p03 (multiple choice)
story          p01–p14 and y01–y10 write (24); p05's words are a possible disclosure:
               restricted, with a safeguarding alert — so 23 written answers count
tags           P1: p01–p04, p06–p10, y01–y04, but y04's P1 was rejected by an analyst
               → 12; verified by an analyst: p01–p03. P5: p11–p14, y05–y08 → 8.
               W-vic: p01, p02, p06–p09, y01, y02, y05, y06, y09, y10 → 12. No theme: y04.
sentiment      negative: p01–p04, p06–p10; positive: y01–y08; neutral: p11–p14, y09, y10;
               an analyst changed p06 from negative to positive.
quote consent  yes: p01, p02, y01; everyone else no. Quotes approved: p01, y01, p03
               (p03 did not consent, so is never quoted).
=============  ===================================================================
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from analysis.models import QuoteReview, TagReview
from surveys.database import Database
from surveys.models import (
    Answer,
    AnswerAnalysis,
    AnswerTag,
    Participant,
    SafeguardingAlert,
    SurveyRun,
)

PARENTS = [f"p{i:02d}" for i in range(1, 17)]
YOUNG = [f"y{i:02d}" for i in range(1, 13)]
PRACTITIONERS = ["x01", "x02"]
NOT_COMPLETED = {"p15", "p16", "y11", "y12", "x01", "x02"}
SCHOOL = {
    **{p: "mainstream" for p in PARENTS[:10] + YOUNG[:8]},
    **{p: "special" for p in PARENTS[10:15] + YOUNG[8:]},
    "p16": "none",
}
EHCP_YES = set(PARENTS[:12] + YOUNG[:8])
EHCP_NO = set(PARENTS[12:] + YOUNG[8:10])
WRITERS = PARENTS[:14] + YOUNG[:10]
RESTRICTED_WRITER = "p05"
P1 = ["p01", "p02", "p03", "p04", "p06", "p07", "p08", "p09", "p10", "y01", "y02", "y03", "y04"]
P1_REJECTED = "y04"
P1_VERIFIED = {"p01", "p02", "p03"}
P5 = ["p11", "p12", "p13", "p14", "y05", "y06", "y07", "y08"]
WVIC = ["p01", "p02", "p06", "p07", "p08", "p09", "y01", "y02", "y05", "y06", "y09", "y10"]
SENTIMENT = {
    **{p: "negative" for p in ["p01", "p02", "p03", "p04", "p06", "p07", "p08", "p09", "p10"]},
    **{p: "positive" for p in ["y01", "y02", "y03", "y04", "y05", "y06", "y07", "y08"]},
    **{p: "neutral" for p in ["p11", "p12", "p13", "p14", "y09", "y10"]},
}
REVIEWED_SENTIMENT = {"p06": "positive"}
QUOTE_YES = {"p01", "p02", "y01"}
QUOTES_APPROVED = {"p01", "y01", "p03"}
RESTRICTED_WORDS = "RESTRICTED-WORDS my dad hurts me when nobody is home"
ALERT_EXCERPT = "ALERT-EXCERPT hurts me"
TAGGER = "lex-test-1"


def story(person: str) -> str:
    if person == RESTRICTED_WRITER:
        return RESTRICTED_WORDS
    return (
        f"Story from {person}: we waited far too long for the assessment and the SENCO "
        "never called back, but the youth club on Fridays really helps."
    )


def _start(person: str) -> dt.datetime:
    if person in PARENTS[:8]:
        day = dt.date(2026, 3, 10)
    elif person in PARENTS:
        day = dt.date(2026, 4, 10)
    elif person in YOUNG:
        day = dt.date(2026, 4, 15)
    else:
        day = dt.date(2026, 5, 2)
    return dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)


def _role(person: str) -> tuple[str, str | None]:
    if person in PARENTS:
        return "parent_carer", None
    if person in YOUNG:
        return "young_person", "13_15" if person in YOUNG[:7] else "16_17"
    return "practitioner", None


async def seed(db: Database) -> dict[str, int]:
    """Write the data set; return each writer's story answer id by person."""
    story_ids: dict[str, int] = {}
    async with db.transaction() as session:
        people = PARENTS + YOUNG + PRACTITIONERS
        for person in people:
            role, band = _role(person)
            start = _start(person)
            session.add(Participant(id=person, role=role, age_band=band, created_at=start))
            session.add(
                SurveyRun(
                    id=f"run-{person}",
                    participant_id=person,
                    survey_id="vic_voice",
                    survey_version=3,
                    status="in_progress" if person in NOT_COMPLETED else "completed",
                    role=role,
                    age_band=band,
                    answering_as="parent_view" if role == "parent_carer" else "self",
                    started_at=start,
                    completed_at=None if person in NOT_COMPLETED else start,
                )
            )
        # Someone in another survey, outside the vic_voice scope.
        session.add(Participant(id="z01", role="parent_carer"))
        session.add(
            SurveyRun(
                id="run-z01",
                participant_id="z01",
                survey_id="elsewhere",
                survey_version=1,
                role="parent_carer",
                started_at=_start("p01"),
            )
        )
        await session.flush()

        async def answer(person: str, question: str, value: object = None, **extra: object) -> int:
            values = {
                "run_id": f"run-{person}",
                "participant_id": person,
                "survey_id": "vic_voice",
                "survey_version": 3,
                "question_id": question,
                "status": "answered",
                "value": value,
                "created_at": _start(person),
                "restricted": False,
                **extra,
            }
            result = await session.execute(insert(Answer).values(**values).returning(Answer.id))
            return int(result.scalar_one())

        await answer("z01", "anything", "x", run_id="run-z01", survey_id="elsewhere")
        await answer("p01", "school", "special", superseded_at=_start("p01"))
        for person in people:
            if person in PRACTITIONERS:
                await answer(person, "school", None, status="rather_not_say")
            else:
                await answer(person, "school", SCHOOL[person])
            if person in EHCP_YES or person in EHCP_NO:
                await answer(person, "ehcp", "yes" if person in EHCP_YES else "no")
            else:
                await answer(person, "ehcp", None, status="skipped")
            if person in ("p01", "p02", "p03"):
                await answer(person, "help", ["senco"])
            if person in WRITERS:
                story_ids[person] = await answer(
                    person,
                    "story",
                    None,
                    text=story(person),
                    restricted=person == RESTRICTED_WRITER,
                )
            await answer(person, "quote_ok", "yes" if person in QUOTE_YES else "no")

        for person, answer_id in story_ids.items():
            tags = [("P1", "priority")] if person in P1 or person == RESTRICTED_WRITER else []
            tags += [("P5", "priority")] if person in P5 else []
            tags += [("W-vic", "work_group")] if person in WVIC else []
            for tag, kind in tags:
                verified = None
                if tag == "P1" and person == P1_REJECTED:
                    verified = False
                elif tag == "P1" and person in P1_VERIFIED:
                    verified = True
                session.add(
                    AnswerTag(
                        answer_id=answer_id,
                        tag=tag,
                        kind=kind,
                        score=0.9,
                        reasons=["test"],
                        tagger_version=TAGGER,
                        verified=verified,
                        verified_by="ana" if verified is not None else None,
                    )
                )
            if person in SENTIMENT:
                session.add(
                    AnswerAnalysis(
                        answer_id=answer_id,
                        sentiment=SENTIMENT[person],
                        sentiment_score=0.5,
                        key_phrases=["far too long", "youth club", person],
                        tagger_version=TAGGER,
                    )
                )
        for person, sentiment in REVIEWED_SENTIMENT.items():
            session.add(
                TagReview(
                    answer_id=story_ids[person],
                    labels=["P1", "W-vic"],
                    sentiment=sentiment,
                    machine_labels=["P1", "W-vic"],
                    machine_sentiment=SENTIMENT[person],
                    reviewer="ana",
                )
            )
        for person in QUOTES_APPROVED:
            session.add(
                QuoteReview(
                    answer_id=story_ids[person],
                    approved=True,
                    text=story(person),
                    reviewer="ana",
                )
            )
        session.add(
            SafeguardingAlert(
                participant_id=RESTRICTED_WRITER,
                answer_id=story_ids[RESTRICTED_WRITER],
                category="abuse",
                level="concern",
                excerpt=ALERT_EXCERPT,
            )
        )
    return story_ids
