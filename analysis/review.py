"""An analyst's review of themes, sentiment and quotes, and the labelled set it builds.

A review never overwrites: each is a new :class:`~analysis.models.TagReview` row, and the
answer's tags are marked verified (kept) or rejected, with any theme the tagger missed added
as a verified tag. Summaries then count verified tags as verified and drop rejected ones. The
newest review of each answer is exported as JSONL in the evaluation format
``{"id", "text", "labels", "sentiment"}`` so the tagger can be measured on checked data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import exists, select

from analysis.models import QuoteReview, TagReview
from analysis.summary import SENTIMENTS, _said_yes, theme_catalogue
from surveys.database import Database
from surveys.definition import SurveyCatalog
from surveys.models import Answer, AnswerAnalysis, AnswerTag, utcnow

ANALYST_TAGGER = "analyst"


class ReviewError(ValueError):
    """A review that cannot be saved; the message says why."""


@dataclass(slots=True)
class PendingAnswer:
    id: int
    text: str
    survey_id: str
    tags: dict[str, list[str]] = field(default_factory=dict)  # tag -> reasons
    sentiment: str | None = None
    may_quote: bool = False


def deidentified(text: str, settings_names: Sequence[str] = ()) -> str:
    """The words as an analyst may see and quote them: de-identified when that is available."""
    try:
        from analysis.deidentify import deidentify
    except ImportError:
        return text
    return deidentify(text, settings_names=tuple(settings_names))


def theme_choices(extra: Sequence[str] = ()) -> list[tuple[str, str, str]]:
    """(id, label, kind) for every theme an analyst may pick, codebook first."""
    catalogue = theme_catalogue()
    choices = [(t.id, t.label, t.kind) for t in sorted(catalogue.values(), key=lambda t: t.order)]
    known = {c[0] for c in choices}
    for tag in sorted(set(extra) - known):
        choices.append((tag, tag, "cross"))
    if not choices:
        choices = [(f"P{i}", f"Priority {i}", "priority") for i in range(1, 7)]
    return choices


async def pending(
    db: Database, catalog: SurveyCatalog, *, limit: int = 20, settings_names: Sequence[str] = ()
) -> list[PendingAnswer]:
    """Written answers not yet reviewed, newest first. Restricted answers never appear."""
    reviewed = exists().where(TagReview.answer_id == Answer.id)
    async with db.reading() as session:
        rows = (
            await session.execute(
                select(Answer.id, Answer.text, Answer.survey_id, Answer.run_id)
                .where(
                    Answer.text.is_not(None),
                    Answer.restricted.is_(False),
                    Answer.superseded_at.is_(None),
                    ~reviewed,
                )
                .order_by(Answer.id.desc())
                .limit(limit)
            )
        ).all()
        ids = [row.id for row in rows]
        tags = (
            await session.execute(
                select(AnswerTag.answer_id, AnswerTag.tag, AnswerTag.reasons).where(
                    AnswerTag.answer_id.in_(ids), AnswerTag.verified.is_not(False)
                )
            )
        ).all()
        sentiments = dict(
            (
                await session.execute(
                    select(AnswerAnalysis.answer_id, AnswerAnalysis.sentiment).where(
                        AnswerAnalysis.answer_id.in_(ids)
                    )
                )
            ).all()
        )
        consenting = await _consenting(session, catalog, {row.run_id for row in rows if row.run_id})
    found = {
        row.id: PendingAnswer(
            row.id,
            deidentified(row.text or "", settings_names),
            row.survey_id,
            sentiment=sentiments.get(row.id),
            may_quote=row.run_id in consenting,
        )
        for row in rows
    }
    for answer_id, tag, reasons in tags:
        found[answer_id].tags[tag] = list(reasons or [])
    return list(found.values())


async def _consenting(session, catalog: SurveyCatalog, run_ids: set[str]) -> set[str]:  # type: ignore[no-untyped-def]
    pairs = [(s.id, q.id) for s in catalog.values() for q in s.questions if q.quote_consent]
    if not pairs or not run_ids:
        return set()
    rows = await session.execute(
        select(Answer.run_id, Answer.value, Answer.survey_id, Answer.question_id).where(
            Answer.run_id.in_(run_ids), Answer.superseded_at.is_(None)
        )
    )
    return {r.run_id for r in rows if (r.survey_id, r.question_id) in pairs and _said_yes(r.value)}


async def apply_review(
    db: Database,
    catalog: SurveyCatalog,
    answer_id: int,
    *,
    labels: Sequence[str],
    sentiment: str | None,
    reviewer: str,
    quote: str | None = None,
    approve_quote: bool | None = None,
) -> TagReview:
    """Save an analyst's verdict on one answer: labels, sentiment, and the quote decision."""
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise ReviewError("Sentiment must be negative, neutral or positive.")
    kinds = {tag: kind for tag, _label, kind in theme_choices()}
    now = utcnow()
    async with db.transaction() as session:
        answer = await session.get(Answer, answer_id)
        if answer is None or answer.text is None or answer.restricted:
            raise ReviewError("There is no written answer to review with that number.")
        tags = {
            t.tag: t
            for t in (
                await session.scalars(select(AnswerTag).where(AnswerTag.answer_id == answer_id))
            ).all()
        }
        unknown = [label for label in labels if label not in kinds and label not in tags]
        if unknown:
            raise ReviewError(f"Unknown theme: {', '.join(unknown)}.")
        machine = sorted(t for t, row in tags.items() if row.tagger_version != ANALYST_TAGGER)
        analysis = await session.get(AnswerAnalysis, answer_id)
        for tag, row in tags.items():
            row.verified = tag in labels
            row.verified_by, row.verified_at = reviewer, now
        for label in labels:
            if label not in tags:
                session.add(
                    AnswerTag(
                        answer_id=answer_id,
                        tag=label,
                        kind=kinds.get(label, "cross"),
                        score=1.0,
                        reasons=["added by an analyst"],
                        tagger_version=ANALYST_TAGGER,
                        verified=True,
                        verified_by=reviewer,
                        verified_at=now,
                    )
                )
        review = TagReview(
            answer_id=answer_id,
            labels=sorted(set(labels)),
            sentiment=sentiment,
            machine_labels=machine,
            machine_sentiment=analysis.sentiment if analysis else None,
            reviewer=reviewer,
            reviewed_at=now,
        )
        session.add(review)
        if approve_quote is not None:
            consenting = await _consenting(
                session, catalog, {answer.run_id} if answer.run_id else set()
            )
            if approve_quote and not consenting:
                raise ReviewError("This person did not agree to be quoted.")
            session.add(
                QuoteReview(
                    answer_id=answer_id,
                    approved=approve_quote,
                    text=((quote or "").strip() or deidentified(answer.text))
                    if approve_quote
                    else None,
                    reviewer=reviewer,
                    reviewed_at=now,
                )
            )
    return review


async def labelled_jsonl(db: Database, settings_names: Sequence[str] = ()) -> tuple[bytes, int]:
    """The newest review of each answer, one JSON line each, in the evaluation format."""
    async with db.reading() as session:
        rows = (
            await session.execute(
                select(TagReview.answer_id, TagReview.labels, TagReview.sentiment, Answer.text)
                .join(Answer, Answer.id == TagReview.answer_id)
                .where(Answer.restricted.is_(False), Answer.text.is_not(None))
                .order_by(TagReview.id)
            )
        ).all()
    latest = {row.answer_id: row for row in rows}
    lines = [
        json.dumps(
            {
                "id": f"a{answer_id}",
                "text": deidentified(row.text, settings_names),
                "labels": list(row.labels),
                "sentiment": row.sentiment,
            },
            ensure_ascii=False,
        )
        for answer_id, row in sorted(latest.items())
    ]
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"), len(lines)
