"""The themed summary the VIC work group reads: who took part, what they chose, what they said.

:func:`build_summary` reads the store once for a scope (a survey, several, all, or the
replies to updates), a date range and an audience, works out every raw figure, and passes
them all through :func:`analysis.disclosure.protect` together. What comes back, a
:class:`Summary`, holds only published figures — so the dashboard, the bot and every file
format show the same numbers and none can show more than the rule allows.

What never reaches a summary: answers marked ``restricted`` (possible safeguarding
disclosures), anything from ``safeguarding_alert``, a tag an analyst rejected, and any quote
from someone who did not say yes to being quoted.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import (
    DateTime,
    Integer,
    Select,
    String,
    and_,
    column,
    func,
    or_,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession

from analysis.disclosure import Count, DisclosureRule, Figures, Shown, protect
from analysis.models import QuoteReview, TagReview
from surveys.database import Database
from surveys.definition import CHOICE_TYPES, QuestionType, Survey, SurveyCatalog
from surveys.models import Answer, AnswerAnalysis, AnswerTag, Participant, SurveyRun

log = logging.getLogger(__name__)

# Replies to "you said, we did" updates are stored as answers under survey ids with this prefix.
UPDATE_REPLY_PREFIX = "update"
STRATEGY_FILE = Path(__file__).resolve().parent.parent / "config" / "strategy.yaml"

AUDIENCES = {
    "parent_carer": "Parents and carers",
    "young_person": "Young people",
    "practitioner": "Practitioners",
}
AGE_BANDS = {"under_13": "Under 13", "13_15": "13 to 15", "16_17": "16 to 17", "18_25": "18 to 25"}
NOT_SAID = "not_said"
NO_LINK = "No link (came straight to the chat)"
KIND_ORDER = ("priority", "three_i", "value", "work_group", "cross")
KIND_LABELS = {
    "priority": "Strategy priorities",
    "three_i": "The 3Is",
    "value": "Values",
    "work_group": "Work-group themes",
    "cross": "Cross-cutting themes",
}
SENTIMENTS = ("negative", "neutral", "positive")
QUOTES_PER_THEME = 3
KEY_PHRASES_PER_THEME = 8


class FilterError(ValueError):
    """A filter value the summary cannot use; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Filters:
    """Which answers a summary covers. Empty ``survey_ids`` with ``updates`` False means all."""

    survey_ids: tuple[str, ...] = ()
    updates: bool = False
    start: dt.date | None = None
    end: dt.date | None = None
    audience: str | None = None
    age_band: str | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, str], catalog: Mapping[str, Survey]) -> Filters:
        """Read filters from a web form or bot choice, refusing anything unknown by name."""
        survey = (query.get("survey") or "all").strip()
        updates = survey == "updates"
        survey_ids: tuple[str, ...] = ()
        if survey not in ("all", "updates"):
            survey_ids = tuple(s for s in survey.split(",") if s)
            unknown = [s for s in survey_ids if s not in catalog]
            if unknown:
                raise FilterError(f"There is no survey called {', '.join(unknown)}.")
        audience = query.get("audience") or None
        if audience and audience not in AUDIENCES:
            raise FilterError("Audience must be parents and carers, young people or practitioners.")
        age_band = query.get("age_band") or None
        if age_band and age_band not in AGE_BANDS:
            raise FilterError("Age band must be one of " + ", ".join(AGE_BANDS.values()) + ".")
        start, end = _date(query.get("start"), "From"), _date(query.get("end"), "To")
        if start and end and start > end:
            raise FilterError("The 'from' date is after the 'to' date.")
        return cls(survey_ids, updates, start, end, audience, age_band)

    def as_query(self) -> dict[str, str]:
        query = {"survey": "updates" if self.updates else ",".join(self.survey_ids) or "all"}
        for name in ("audience", "age_band"):
            if getattr(self, name):
                query[name] = getattr(self, name)
        if self.start:
            query["start"] = self.start.isoformat()
        if self.end:
            query["end"] = self.end.isoformat()
        return query

    def describe(self) -> dict[str, str]:
        """The filters in words, for a file's front page and the audit log."""
        return {
            "surveys": "replies to updates"
            if self.updates
            else ", ".join(self.survey_ids) or "all surveys",
            "from": self.start.isoformat() if self.start else "the start",
            "to": self.end.isoformat() if self.end else "today",
            "audience": AUDIENCES.get(self.audience or "", "everyone"),
            "age band": AGE_BANDS.get(self.age_band or "", "all ages"),
        }


def _date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"'{name}' must be a date like 2026-01-31.") from None


# ---------------------------------------------------------------------------- published shape


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    cells: tuple[Shown, ...]
    key: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    """One table of published figures; ``chart`` marks tables drawn as bar charts."""

    id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    note: str = ""
    chart: bool = True
    percent_of: str = ""


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    sentiment: str | None
    audience: str


@dataclass(frozen=True, slots=True)
class Theme:
    id: str
    label: str
    kind: str
    answers: Shown
    people: Shown
    verified: Shown
    sentiment: dict[str, Shown]
    key_phrases: tuple[str, ...]
    quotes: tuple[Quote, ...]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind.replace("_", " ").capitalize())


@dataclass(frozen=True, slots=True)
class Summary:
    """Everything a reader may see for one scope: published figures and their provenance."""

    title: str
    filters: Filters
    rule: DisclosureRule
    generated_at: dt.datetime
    survey_versions: dict[str, list[int]]
    tagger_versions: list[str]
    first_answer: dt.date | None
    last_answer: dt.date | None
    too_few: bool
    tables: tuple[Table, ...] = ()
    themes: tuple[Theme, ...] = ()
    caveats: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        return "Too few responses to show." if self.too_few else ""

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables if t.id == table_id), None)

    def provenance(self) -> dict[str, Any]:
        """What every file carries: versions, dates, tagger and the suppression rule."""
        return {
            "title": self.title,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "filters": self.filters.describe(),
            "survey_versions": {k: v for k, v in sorted(self.survey_versions.items())},
            "answers_from": self.first_answer.isoformat() if self.first_answer else None,
            "answers_to": self.last_answer.isoformat() if self.last_answer else None,
            "tagger_versions": self.tagger_versions,
            "suppression_rule": self.rule.describe(),
            "suppression": self.rule.as_dict(),
        }


# ---------------------------------------------------------------------------- loading


@dataclass(slots=True)
class _Run:
    id: str
    person: str
    survey_id: str
    version: int
    completed: bool
    role: str
    age_band: str | None
    started: dt.datetime
    source: str | None = None  # the deep-link code: a setting or service, never a person


@dataclass(slots=True)
class _Answer:
    id: int
    run_id: str | None
    person: str
    survey_id: str
    version: int
    question_id: str
    status: str
    value: Any
    text: str | None
    created: dt.datetime
    role: str
    age_band: str | None
    tags: dict[str, float] = field(default_factory=dict)
    verified: set[str] = field(default_factory=set)
    sentiment: str | None = None
    phrases: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Data:
    runs: list[_Run]
    answers: list[_Answer]
    tag_kinds: dict[str, str]
    tagger_versions: set[str]
    consenting_runs: set[str]
    approved_quotes: dict[int, str]
    updates: list[_UpdateSent] = field(default_factory=list)  # issue 6, "replies to updates"


@dataclass(slots=True)
class _UpdateSent:
    """One "you said, we did" update and the people it reached, by what happened (issue 6)."""

    id: int
    title: str
    sent: dt.datetime | None
    reached: set[str] = field(default_factory=set)
    delivered: set[str] = field(default_factory=set)
    reactions: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    replied: set[str] = field(default_factory=set)


# The update tables (bot/updates/models.py), named here so analysis need not import bot/.
_you_said = table(
    "you_said_update",
    column("id", Integer),
    column("title", String),
    column("sent_at", DateTime(timezone=True)),
    column("status", String),
)
_outbox = table(
    "outbox",
    column("id"),
    column("update_id"),
    column("participant_id"),
    column("state"),
    column("roundup_id"),
)
_reaction = table(
    "update_reaction", column("update_id"), column("participant_id"), column("reaction")
)
_reply = table("update_reply", column("update_id"), column("participant_id"))


def _scope(query: Select[Any], filters: Filters, role: Any, age_band: Any) -> Select[Any]:
    conditions = [Answer.superseded_at.is_(None), Answer.restricted.is_(False)]
    if filters.updates:
        conditions.append(Answer.survey_id.like(f"{UPDATE_REPLY_PREFIX}%"))
    elif filters.survey_ids:
        conditions.append(Answer.survey_id.in_(filters.survey_ids))
    if filters.start:
        conditions.append(Answer.created_at >= _midnight(filters.start))
    if filters.end:
        conditions.append(Answer.created_at < _midnight(filters.end + dt.timedelta(days=1)))
    if filters.audience:
        conditions.append(role == filters.audience)
    if filters.age_band:
        conditions.append(age_band == filters.age_band)
    return query.where(and_(*conditions))


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _joined(query: Select[Any]) -> Select[Any]:
    return query.outerjoin(SurveyRun, SurveyRun.id == Answer.run_id).join(
        Participant, Participant.id == Answer.participant_id
    )


async def _load(session: AsyncSession, filters: Filters, catalog: SurveyCatalog) -> _Data:
    role = func.coalesce(SurveyRun.role, Participant.role)
    age_band = func.coalesce(SurveyRun.age_band, Participant.age_band)
    answer_rows = await session.execute(
        _scope(
            _joined(
                select(
                    Answer.id,
                    Answer.run_id,
                    Answer.participant_id,
                    Answer.survey_id,
                    Answer.survey_version,
                    Answer.question_id,
                    Answer.status,
                    Answer.value,
                    Answer.text,
                    Answer.created_at,
                    role,
                    age_band,
                )
            ),
            filters,
            role,
            age_band,
        )
    )
    answers = [
        _Answer(*row[:10], role=row[10] or NOT_SAID, age_band=row[11]) for row in answer_rows
    ]
    by_id = {a.id: a for a in answers}
    run_ids = {a.run_id for a in answers if a.run_id}
    runs = await _runs(session, filters, role, age_band)
    runs = [r for r in runs if r.id in run_ids]

    tag_kinds: dict[str, str] = {}
    tagger_versions: set[str] = set()
    tag_query = _scope(
        _joined(
            select(
                AnswerTag.answer_id,
                AnswerTag.tag,
                AnswerTag.kind,
                AnswerTag.score,
                AnswerTag.verified,
                AnswerTag.tagger_version,
            ).join(Answer, Answer.id == AnswerTag.answer_id)
        ),
        filters,
        role,
        age_band,
    )
    for answer_id, tag, kind, score, verified, version in await session.execute(tag_query):
        answer = by_id.get(answer_id)
        tagger_versions.add(version)
        if answer is None or verified is False:
            continue  # an analyst said this tag is wrong: it is not counted
        answer.tags[tag] = score
        tag_kinds.setdefault(tag, kind)
        if verified:
            answer.verified.add(tag)

    analysis_query = _scope(
        _joined(
            select(
                AnswerAnalysis.answer_id,
                AnswerAnalysis.sentiment,
                AnswerAnalysis.key_phrases,
                AnswerAnalysis.tagger_version,
            ).join(Answer, Answer.id == AnswerAnalysis.answer_id)
        ),
        filters,
        role,
        age_band,
    )
    for answer_id, sentiment, phrases, version in await session.execute(analysis_query):
        answer = by_id.get(answer_id)
        tagger_versions.add(version)
        if answer is not None:
            answer.sentiment = sentiment
            answer.phrases = list(phrases or [])

    review_query = _scope(
        _joined(
            select(TagReview.answer_id, TagReview.sentiment)
            .join(Answer, Answer.id == TagReview.answer_id)
            .order_by(TagReview.id)
        ),
        filters,
        role,
        age_band,
    )
    for answer_id, sentiment in await session.execute(review_query):
        if answer_id in by_id and sentiment:
            by_id[answer_id].sentiment = sentiment  # the newest review wins

    consenting = await _consenting_runs(session, catalog, run_ids)
    approved = await _approved_quotes(session, filters, role, age_band)
    updates = await _updates_sent(session, filters) if filters.updates else []
    return _Data(runs, answers, tag_kinds, tagger_versions, consenting, approved, updates)


async def _updates_sent(session: AsyncSession, filters: Filters) -> list[_UpdateSent]:
    """Who each update sent in the date range reached, and what came back (issue 6)."""
    sent = select(_you_said.c.id, _you_said.c.title, _you_said.c.sent_at).where(
        _you_said.c.status.in_(("sent", "cancelled")), _you_said.c.sent_at.is_not(None)
    )
    if filters.start:
        sent = sent.where(_you_said.c.sent_at >= _midnight(filters.start))
    if filters.end:
        sent = sent.where(_you_said.c.sent_at < _midnight(filters.end + dt.timedelta(days=1)))
    updates = {
        row.id: _UpdateSent(row.id, row.title, row.sent_at)
        for row in await session.execute(sent.order_by(_you_said.c.sent_at))
    }
    if not updates:
        return []
    ids = list(updates)

    def people(query: Select[Any], person: Any) -> Select[Any]:
        query = query.join(Participant, Participant.id == person)
        if filters.audience:
            query = query.where(Participant.role == filters.audience)
        if filters.age_band:
            query = query.where(Participant.age_band == filters.age_band)
        return query

    roundup = _outbox.alias("roundup")
    effective = func.coalesce(roundup.c.state, _outbox.c.state)
    rows = await session.execute(
        people(
            select(_outbox.c.update_id, _outbox.c.participant_id, effective)
            .select_from(_outbox)
            .outerjoin(roundup, roundup.c.id == _outbox.c.roundup_id)
            .where(_outbox.c.update_id.in_(ids)),
            _outbox.c.participant_id,
        )
    )
    for update_id, person, state in rows:
        updates[update_id].reached.add(person)
        if state == "delivered":
            updates[update_id].delivered.add(person)
    reactions = await session.execute(
        people(
            select(_reaction.c.update_id, _reaction.c.participant_id, _reaction.c.reaction).where(
                _reaction.c.update_id.in_(ids)
            ),
            _reaction.c.participant_id,
        )
    )
    for update_id, person, reaction in reactions:
        updates[update_id].reactions[reaction].add(person)
    replies = await session.execute(
        people(
            select(_reply.c.update_id, _reply.c.participant_id).where(_reply.c.update_id.in_(ids)),
            _reply.c.participant_id,
        )
    )
    for update_id, person in replies:
        updates[update_id].replied.add(person)
    return list(updates.values())


async def _runs(session: AsyncSession, filters: Filters, role: Any, age_band: Any) -> list[_Run]:
    query = select(
        SurveyRun.id,
        SurveyRun.participant_id,
        SurveyRun.survey_id,
        SurveyRun.survey_version,
        SurveyRun.status,
        role,
        age_band,
        SurveyRun.started_at,
        SurveyRun.source,
    ).join(Participant, Participant.id == SurveyRun.participant_id)
    if filters.updates:
        return []
    if filters.survey_ids:
        query = query.where(SurveyRun.survey_id.in_(filters.survey_ids))
    if filters.audience:
        query = query.where(role == filters.audience)
    if filters.age_band:
        query = query.where(age_band == filters.age_band)
    rows = await session.execute(query)
    return [
        _Run(rid, person, survey, ver, status == "completed", r or NOT_SAID, band, at, source)
        for rid, person, survey, ver, status, r, band, at, source in rows
    ]


async def _consenting_runs(
    session: AsyncSession, catalog: SurveyCatalog, run_ids: set[str]
) -> set[str]:
    """Runs whose person said yes to being quoted (a separate question, off by default)."""
    pairs = [
        (survey.id, question.id)
        for survey in catalog.values()
        for question in survey.questions
        if question.quote_consent
    ]
    if not pairs or not run_ids:
        return set()
    rows = await session.execute(
        select(Answer.run_id, Answer.value).where(
            Answer.superseded_at.is_(None),
            Answer.status == "answered",
            or_(*(and_(Answer.survey_id == s, Answer.question_id == q) for s, q in pairs)),
        )
    )
    return {run_id for run_id, value in rows if run_id in run_ids and _said_yes(value)}


def _said_yes(value: Any) -> bool:
    if isinstance(value, list):
        return "yes" in value
    return value is True or str(value).lower() in ("yes", "true")


async def _approved_quotes(
    session: AsyncSession, filters: Filters, role: Any, age_band: Any
) -> dict[int, str]:
    query = _scope(
        _joined(
            select(QuoteReview.answer_id, QuoteReview.approved, QuoteReview.text)
            .join(Answer, Answer.id == QuoteReview.answer_id)
            .order_by(QuoteReview.id)
        ),
        filters,
        role,
        age_band,
    )
    latest: dict[int, str | None] = {}
    for answer_id, approved, text in await session.execute(query):
        latest[answer_id] = text if approved else None
    return {answer_id: text for answer_id, text in latest.items() if text}


# ---------------------------------------------------------------------------- themes catalogue


@dataclass(frozen=True, slots=True)
class ThemeInfo:
    id: str
    label: str
    kind: str
    order: int


@cache
def theme_catalogue(path: Path = STRATEGY_FILE) -> dict[str, ThemeInfo]:
    """Theme labels and order from the codebook (``config/strategy.yaml``) when it is there."""
    if not path.exists():
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        log.warning("cannot read %s for theme labels: %s", path, exc)
        return {}
    found: dict[str, ThemeInfo] = {}

    def walk(node: Any, kind: str | None) -> None:
        if isinstance(node, dict):
            ident = node.get("id")
            label = node.get("label") or node.get("name") or node.get("title")
            if isinstance(ident, str) and isinstance(label, str) and ident not in found:
                found[ident] = ThemeInfo(ident, label, str(node.get("kind") or kind), len(found))
            for key, value in node.items():
                walk(value, _kind_of(str(key)) or kind)
        elif isinstance(node, list):
            for item in node:
                walk(item, kind)

    walk(raw, None)
    return found


def _kind_of(key: str) -> str | None:
    key = key.lower()
    for kind, words in (
        ("priority", ("priorit",)),
        ("three_i", ("three_i", "3i", "three-i")),
        ("value", ("value",)),
        ("work_group", ("work_group", "workgroup", "work-group")),
        ("cross", ("cross",)),
    ):
        if any(word in key for word in words):
            return kind
    return None


def theme_order(tag: str, kind: str, catalogue: Mapping[str, ThemeInfo]) -> tuple[int, int, str]:
    kind_rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    info = catalogue.get(tag)
    return (kind_rank, info.order if info else 10_000, tag)


# ---------------------------------------------------------------------------- building


async def build_summary(
    db: Database,
    catalog: SurveyCatalog,
    filters: Filters | None = None,
    rule: DisclosureRule | None = None,
    *,
    require_quote_approval: bool = True,
    settings_names: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> Summary:
    """Read the store for ``filters`` and return the published, disclosure-controlled summary.

    Args:
        require_quote_approval: quote only answers an analyst cleared on the review page
            (R-SDC-06); when False, any de-identified answer from a consenting person may be
            quoted.
        settings_names: school and setting names for de-identification of quotes.
    """
    filters = filters or Filters()
    rule = rule or DisclosureRule()
    async with db.reading() as session:
        data = await _load(session, filters, catalog)
    return _Builder(data, catalog, filters, rule, require_quote_approval, settings_names).build(
        now or dt.datetime.now(dt.UTC)
    )


class _Builder:
    def __init__(
        self,
        data: _Data,
        catalog: SurveyCatalog,
        filters: Filters,
        rule: DisclosureRule,
        require_quote_approval: bool,
        settings_names: Sequence[str],
    ) -> None:
        self.data, self.catalog, self.filters, self.rule = data, catalog, filters, rule
        self.require_approval = require_quote_approval
        self.settings_names = tuple(settings_names)
        self.figures = Figures()
        self.themes_info = theme_catalogue()
        self.free_text = [a for a in data.answers if a.text and a.status == "answered"]

    def build(self, now: dt.datetime) -> Summary:
        answers = self.data.answers
        people = {a.person for a in answers} | {r.person for r in self.data.runs}
        versions: dict[str, set[int]] = defaultdict(set)
        for a in answers:
            versions[a.survey_id].add(a.version)
        dates = [a.created for a in answers]
        common = dict(
            title=self._title(),
            filters=self.filters,
            rule=self.rule,
            generated_at=now,
            survey_versions={k: sorted(v) for k, v in versions.items()},
            tagger_versions=sorted(self.data.tagger_versions),
            first_answer=min(dates).date() if dates else None,
            last_answer=max(dates).date() if dates else None,
        )
        if len(people) < self.rule.k:
            return Summary(**common, too_few=True, caveats=self._caveats())
        builders: list[Callable[[], list[_Plan]]] = [
            self._overview,
            self._audience,
            self._age_bands,
            self._reach,
            self._questions,
            self._theme_tables,
            self._months,
            self._comparison,
            self._updates,
        ]
        plans = [builder() for builder in builders]
        shown = protect(self.figures, self.rule)
        tables = tuple(table.resolve(shown) for plan in plans for table in plan)
        themes = tuple(self._theme_details(shown))
        return Summary(
            **common, too_few=False, tables=tables, themes=themes, caveats=self._caveats()
        )

    # -- sections: each registers raw figures and returns table plans resolved after protect()

    def _overview(self) -> list[_Plan]:
        f = self.figures
        runs = self.data.runs
        responders = {a.person for a in self.data.answers}
        started = f.add("runs.started", Count.of((r.id, r.person) for r in runs))
        completed = f.add(
            "runs.completed",
            Count.of((r.id, r.person) for r in runs if r.completed),
            base=started,
        )
        people = f.add("people", Count(len(responders), len(responders)))
        free = f.add("free_text", Count.of((a.id, a.person) for a in self.free_text))
        rows = [
            _PlanRow("People who answered", (people,)),
            _PlanRow("Surveys started", (started,)),
            _PlanRow("Surveys completed (share of those started)", (completed,)),
            _PlanRow("Written answers", (free,)),
        ]
        return [_Plan("overview", "Responses and completion", ("Number",), rows, chart=False)]

    def _audience(self) -> list[_Plan]:
        groups = self._group_people(lambda a: a.role)
        labels = {**AUDIENCES, NOT_SAID: "Did not say"}
        ordered = {labels[k]: groups.get(k, []) for k in labels if k in groups or k in AUDIENCES}
        return [
            self._distribution(
                "audience",
                "Who answered",
                ordered,
                total_label="Everyone",
                exact=True,
                total_key="people",
            )
        ]

    def _age_bands(self) -> list[_Plan]:
        young = self._group_people(lambda a: a.age_band or NOT_SAID, role="young_person")
        if not young:
            return []
        labels = {**AGE_BANDS, NOT_SAID: "Did not say"}
        ordered = {labels[k]: young.get(k, []) for k in labels if k in young or k in AGE_BANDS}
        return [
            self._distribution(
                "age_bands",
                "Young people by age",
                ordered,
                total_label="Young people",
                exact=True,
                total_key=f"audience.{AUDIENCES['young_person']}",
            )
        ]

    def _reach(self) -> list[_Plan]:
        """Where people came from: the link of a setting or service they started from.

        Each person is counted once, under the link of their first survey in these answers;
        a table only when some came by such a link. Codes are the ones staff gave out
        (``/start s_ehc-schoolA``), so they name a place, never a person.
        """
        first: dict[str, str] = {}
        for run in sorted(self.data.runs, key=lambda r: (r.started, r.id)):
            first.setdefault(run.person, run.source or NO_LINK)
        if set(first.values()) <= {NO_LINK}:
            return []
        groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for person, source in first.items():
            groups[source].append((person, person))
        links = sorted(g for g in groups if g != NO_LINK)
        ordered = {link: groups[link] for link in links}
        if NO_LINK in groups:
            ordered[NO_LINK] = groups[NO_LINK]
        return [
            self._distribution(
                "reach",
                "Where people came from (the link they used)",
                ordered,
                total_label="Everyone who started a survey",
                exact=True,
                note="Each person counted once, by the link of their first survey here.",
            )
        ]

    def _group_people(
        self, key: Callable[[_Answer], str], role: str | None = None
    ) -> dict[str, list[tuple[str, str]]]:
        """People by group, each counted once, in the group of their first answer."""
        seen: dict[str, str] = {}
        first_role: dict[str, str] = {}
        for a in sorted(self.data.answers, key=lambda a: a.id):
            first_role.setdefault(a.person, a.role)
            if role is None or first_role[a.person] == role:
                seen.setdefault(a.person, key(a))
        groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for person, group in seen.items():
            groups[group].append((person, person))
        return groups

    def _distribution(
        self,
        table_id: str,
        title: str,
        groups: Mapping[str, list[tuple[Any, str]]],
        *,
        total_label: str,
        exact: bool,
        total_items: Iterable[tuple[Any, str]] | None = None,
        note: str = "",
        total_key: str | None = None,
    ) -> _Plan:
        f = self.figures
        items = (
            list(total_items)
            if total_items is not None
            else [item for members in groups.values() for item in members]
        )
        total = total_key or f.add(f"{table_id}.total", Count.of(items))
        parts = [
            f.add(f"{table_id}.{label}", Count.of(members), base=total)
            for label, members in groups.items()
        ]
        if exact:
            f.line(total, parts, class_check=True)
        rows = [_PlanRow(label, (key,)) for label, key in zip(groups, parts, strict=True)]
        return _Plan(
            table_id,
            title,
            ("Number",),
            rows,
            total=_PlanRow(total_label, (total,)),
            note=note,
            percent_of=total_label.lower(),
        )

    def _questions(self) -> list[_Plan]:
        plans: list[_Plan] = []
        by_question: dict[tuple[str, str], list[_Answer]] = defaultdict(list)
        for a in self.data.answers:
            by_question[(a.survey_id, a.question_id)].append(a)
        for survey_id in sorted({s for s, _ in by_question}):
            survey = self.catalog.get(survey_id)
            if survey is None:
                continue
            for question in survey.questions:
                given = by_question.get((survey_id, question.id))
                if not given or question.quote_consent:
                    continue
                if question.type in CHOICE_TYPES | {QuestionType.YES_NO, QuestionType.RATING}:
                    plans.append(self._choice(survey, question.id, given))
        return plans

    def _choice(self, survey: Survey, question_id: str, given: list[_Answer]) -> _Plan:
        question = survey.question(question_id)
        answered = [a for a in given if a.status == "answered" and a.value not in (None, [])]
        chosen: dict[str, list[tuple[int, str]]] = {o.value: [] for o in question.options}
        for a in answered:
            for value in a.value if isinstance(a.value, list) else [a.value]:
                chosen.setdefault(str(value), []).append((a.id, a.person))
        labels = {o.value: str(o.text) for o in question.options}
        groups = {labels.get(v, v): members for v, members in chosen.items()}
        multiple = question.type is QuestionType.MULTIPLE_CHOICE
        not_say = [a for a in given if a.status == "rather_not_say"]
        note = "People could choose more than one answer." if multiple else ""
        if not_say:
            count = len({a.person for a in not_say})
            note += f" {_rough(count, self.rule)} chose not to say." if count else ""
        prefix = f"q.{survey.id}.{question_id}"
        return self._distribution(
            prefix,
            f"{survey.title}: {question.text}"
            if len(self._survey_ids()) > 1
            else str(question.text),
            groups,
            total_label="Everyone who answered this",
            exact=not multiple,
            total_items=[(a.id, a.person) for a in answered],
            note=note.strip(),
        )

    def _theme_tables(self) -> list[_Plan]:
        f = self.figures
        free = "free_text"
        by_theme = self._by_theme()
        rows, sentiment_rows = [], []
        for tag in by_theme:
            tagged = by_theme[tag]
            total = f.add(("theme", tag), Count.of((a.id, a.person) for a in tagged), base=free)
            f.add(("theme.people", tag), Count.of((a.person, a.person) for a in tagged))
            f.add(
                ("theme.verified", tag),
                Count.of((a.id, a.person) for a in tagged if tag in a.verified),
                base=("theme", tag),
            )
            rows.append(_PlanRow(self._label(tag), (total, ("theme.verified", tag)), key=tag))
            parts = []
            for sentiment in (*SENTIMENTS, None):
                members = [(a.id, a.person) for a in tagged if a.sentiment == sentiment]
                if sentiment is None and not members:
                    continue
                parts.append(f.add(("sentiment", tag, sentiment), Count.of(members), base=total))
            f.line(total, parts)
            sentiment_rows.append(_PlanRow(self._label(tag), tuple(parts), key=tag))
        none = [(a.id, a.person) for a in self.free_text if not a.tags]
        rows.append(
            _PlanRow("No theme found", (f.add("theme.none", Count.of(none), base=free), None))
        )
        has_unscored = any(len(r.keys) == 4 for r in sentiment_rows)
        sentiment_columns = ("Negative", "Neutral", "Positive") + (
            ("Not scored",) if has_unscored else ()
        )
        sentiment_rows = [
            _PlanRow(r.label, r.keys + (None,) * (len(sentiment_columns) - len(r.keys)), key=r.key)
            for r in sentiment_rows
        ]
        return [
            _Plan(
                "themes",
                "Themes in written answers",
                ("Answers", "Checked by an analyst"),
                rows,
                total=_PlanRow("Written answers", (free, None)),
                note="An answer can speak to more than one theme, so themes add up to more "
                "than the written answers. Shares are of all written answers.",
                percent_of="written answers",
            ),
            _Plan(
                "sentiment",
                "How people feel, by theme",
                sentiment_columns,
                sentiment_rows,
                note="Share of the theme's answers that read as negative, neutral or positive.",
                percent_of="the theme's answers",
            ),
        ]

    def _by_theme(self) -> dict[str, list[_Answer]]:
        grouped: dict[str, list[_Answer]] = defaultdict(list)
        for a in self.free_text:
            for tag in a.tags:
                grouped[tag].append(a)
        order = sorted(grouped, key=lambda t: theme_order(t, self._kind(t), self.themes_info))
        return {tag: grouped[tag] for tag in order}

    def _updates(self) -> list[_Plan]:
        """For replies to updates: each update sent, whom it reached, how it landed (issue 6)."""
        if not self.data.updates:
            return []
        f = self.figures
        rows = []
        for u in self.data.updates:
            groups = {
                "reached": u.reached,
                "delivered": u.delivered,
                "helps": u.reactions.get("helps", set()),
                "not_really": u.reactions.get("not_really", set()),
                "question": u.reactions.get("question", set()),
                "replied": u.replied,
            }
            keys = tuple(
                f.add(f"updates.{u.id}.{name}", Count(len(who), len(who)))
                for name, who in groups.items()
            )
            when = f" ({u.sent:%d %b %Y})" if u.sent else ""
            rows.append(_PlanRow(f"{u.title}{when}", keys, key=f"update.{u.id}"))
        columns = (
            "Sent to",
            "Delivered",
            "“This helps”",
            "“Not really”",
            "“I have a question”",
            "Wrote back",
        )
        note = (
            "People each update was sent to (everyone who asked for updates like it), and what "
            "came back. A person is counted once per update."
        )
        return [
            _Plan("updates", "Updates sent and how they landed", columns, rows, None, note, False)
        ]

    def _months(self) -> list[_Plan]:
        f = self.figures
        months: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for run in self.data.runs:
            months[run.started.strftime("%Y-%m")].append((run.id, run.person))
        plans: list[_Plan] = []
        if months:
            keys = [
                f.add(("month", m), Count.of(months[m]), base="runs.started")
                for m in sorted(months)
            ]
            f.line("runs.started", keys)
            plans.append(
                _Plan(
                    "months",
                    "Surveys started, by month",
                    ("Surveys started",),
                    [
                        _PlanRow(_month_label(m), (k,))
                        for m, k in zip(sorted(months), keys, strict=True)
                    ],
                    total=_PlanRow("All months", ("runs.started",)),
                    percent_of="all months",
                )
            )
        by_theme = self._by_theme()
        answer_months = sorted({a.created.strftime("%Y-%m") for a in self.free_text})
        if by_theme and len(answer_months) > 1:
            rows = []
            for tag, tagged in by_theme.items():
                per_month: dict[str, list[tuple[int, str]]] = defaultdict(list)
                for a in tagged:
                    per_month[a.created.strftime("%Y-%m")].append((a.id, a.person))
                keys = [
                    f.add(
                        ("theme.month", tag, m), Count.of(per_month.get(m, [])), base=("theme", tag)
                    )
                    for m in answer_months
                ]
                f.line(("theme", tag), keys)
                rows.append(_PlanRow(self._label(tag), tuple(keys), key=tag))
            plans.append(
                _Plan(
                    "theme_months",
                    "Themes over time: answers by month",
                    tuple(_month_label(m) for m in answer_months),
                    rows,
                    chart=False,
                    percent_of="the theme's answers",
                )
            )
        return plans

    def _comparison(self) -> list[_Plan]:
        f = self.figures
        by_theme = self._by_theme()
        roles = [r for r in (*AUDIENCES, NOT_SAID) if any(a.role == r for a in self.free_text)]
        if not by_theme or len(roles) < 2:
            return []
        bases = [
            f.add(
                ("free_text.role", r),
                Count.of((a.id, a.person) for a in self.free_text if a.role == r),
            )
            for r in roles
        ]
        rows = []
        for tag, tagged in by_theme.items():
            keys = [
                f.add(
                    ("theme.role", tag, r),
                    Count.of((a.id, a.person) for a in tagged if a.role == r),
                    base=("free_text.role", r),
                )
                for r in roles
            ]
            f.line(("theme", tag), keys)
            rows.append(_PlanRow(self._label(tag), tuple(keys), key=tag))
        labels = {**AUDIENCES, NOT_SAID: "Did not say"}
        return [
            _Plan(
                "comparison",
                "How groups differ: themes by who answered",
                tuple(labels[r] for r in roles),
                rows,
                total=_PlanRow("Written answers", tuple(bases)),
                note="Shares are of each group's written answers, so groups of different sizes "
                "can be compared.",
                chart=False,
                percent_of="each group's written answers",
            )
        ]

    # -- themes: phrases and quotes, only where the theme itself can be shown

    def _theme_details(self, shown: Mapping[Hashable, Shown]) -> Iterable[Theme]:
        for tag, tagged in self._by_theme().items():
            answers = shown[("theme", tag)]
            visible = not answers.suppressed
            sentiment = {
                s or "not scored": shown[("sentiment", tag, s)]
                for s in (*SENTIMENTS, None)
                if ("sentiment", tag, s) in shown
            }
            yield Theme(
                id=tag,
                label=self._label(tag),
                kind=self._kind(tag),
                answers=answers,
                people=shown[("theme.people", tag)],
                verified=shown[("theme.verified", tag)],
                sentiment=sentiment,
                key_phrases=self._phrases(tagged) if visible else (),
                quotes=self._quotes(tag, tagged) if visible else (),
            )

    def _phrases(self, tagged: list[_Answer]) -> tuple[str, ...]:
        """Phrases used by several people (never one person's words), de-identified."""
        minimum = max(3, self.rule.k // 2)
        people: dict[str, set[str]] = defaultdict(set)
        for a in tagged:
            for phrase in a.phrases:
                people[phrase.strip().lower()].add(a.person)
        if not people:
            people = _fallback_phrases(tagged)
        deidentify = _deidentifier()
        ranked = sorted(
            (p for p, who in people.items() if len(who) >= minimum and p),
            key=lambda p: (-len(people[p]), p),
        )
        kept: list[str] = []
        for phrase in ranked:
            if len(kept) >= KEY_PHRASES_PER_THEME or deidentify is None:
                break
            if deidentify(phrase, self.settings_names) == phrase:
                kept.append(phrase)
        return tuple(kept)

    def _quotes(self, tag: str, tagged: list[_Answer]) -> tuple[Quote, ...]:
        deidentify = _deidentifier()
        if deidentify is None:
            return ()  # without de-identification nothing is quoted
        candidates = []
        for a in tagged:
            if a.run_id not in self.data.consenting_runs:
                continue
            raw = self.data.approved_quotes.get(a.id)
            if raw is None:
                if self.require_approval:
                    continue
                raw = a.text or ""
            if 15 <= len(raw) <= 600:
                candidates.append((a, raw))
        # Best first; de-identify only those looked at (it is the costly step).
        candidates.sort(key=lambda c: (-c[0].tags.get(tag, 0.0), abs(len(c[1]) - 160), c[0].id))
        chosen: list[tuple[_Answer, str]] = []
        taken: set[int] = set()
        for wanted in ("negative", "positive", None):  # a spread of feeling, not only the loudest
            for a, raw in candidates:
                if len(chosen) >= QUOTES_PER_THEME:
                    break
                if a.id in taken or (wanted is not None and a.sentiment != wanted):
                    continue
                text = deidentify(raw, self.settings_names).strip()
                if not 15 <= len(text) <= 400:
                    continue
                chosen.append((a, text))
                taken.add(a.id)
                if wanted is not None:
                    break
        labels = {**AUDIENCES, NOT_SAID: "Someone"}
        singular = {
            "parent_carer": "A parent or carer",
            "young_person": "A young person",
            "practitioner": "A practitioner",
        }
        return tuple(
            Quote(text, a.sentiment, singular.get(a.role, labels.get(a.role, "Someone")))
            for a, text in chosen
        )

    # -- words

    def _survey_ids(self) -> list[str]:
        return sorted({a.survey_id for a in self.data.answers})

    def _title(self) -> str:
        if self.filters.updates:
            return "Replies to updates"
        if len(self.filters.survey_ids) == 1:
            survey = self.catalog.get(self.filters.survey_ids[0])
            return str(survey.title) if survey else self.filters.survey_ids[0]
        if self.filters.survey_ids:
            return f"{len(self.filters.survey_ids)} surveys"
        return "All surveys"

    def _label(self, tag: str) -> str:
        info = self.themes_info.get(tag)
        return f"{tag} {info.label}" if info and info.label != tag else tag

    def _kind(self, tag: str) -> str:
        info = self.themes_info.get(tag)
        return (info.kind if info else None) or self.data.tag_kinds.get(tag, "cross")

    def _caveats(self) -> tuple[str, ...]:
        return (
            "These are the views of the people who chose to answer, not a sample of everyone.",
            "Themes are found by software from the strategy's own words and checked by analysts "
            "where shown; some answers may be themed wrongly.",
            "Answers that may show someone is not safe are passed to the safeguarding lead "
            "and are not in any summary.",
            "Quotes come only from people who said yes to being quoted, with names, schools and "
            "other details taken out.",
            "A changed answer counts once, as it was last given.",
        )


def _rough(count: int, rule: DisclosureRule) -> str:
    return rule.fewer_than.capitalize() if count < rule.k else f"{rule.round(count):,}"


def _month_label(month: str) -> str:
    return dt.date.fromisoformat(month + "-01").strftime("%b %Y")


def _deidentifier() -> Callable[[str, tuple[str, ...]], str] | None:
    try:
        from analysis.deidentify import deidentify
    except ImportError:
        return None

    def run(text: str, names: tuple[str, ...]) -> str:
        return deidentify(text, settings_names=names)

    return run


def _fallback_phrases(tagged: list[_Answer]) -> dict[str, set[str]]:
    """When no phrases were stored at tagging time, find them now over de-identified text."""
    try:
        from analysis.keyphrases import key_phrases
    except ImportError:
        return {}
    texts = [a.text or "" for a in tagged]
    people: dict[str, set[str]] = defaultdict(set)
    for phrase in key_phrases(texts, limit=KEY_PHRASES_PER_THEME * 3):
        needle = phrase.lower()
        for a in tagged:
            if needle in (a.text or "").lower():
                people[needle].add(a.person)
    return people


# ---------------------------------------------------------------------------- plans


@dataclass(frozen=True, slots=True)
class _PlanRow:
    label: str
    keys: tuple[Hashable | None, ...]
    key: str = ""


@dataclass(frozen=True, slots=True)
class _Plan:
    """A table whose figures are known by key until disclosure control has run."""

    id: str
    title: str
    columns: tuple[str, ...]
    rows: Sequence[_PlanRow]
    total: _PlanRow | None = None
    note: str = ""
    chart: bool = True
    percent_of: str = ""

    def resolve(self, shown: Mapping[Hashable, Shown]) -> Table:
        def row(plan: _PlanRow) -> Row:
            return Row(
                plan.label, tuple(_BLANK if k is None else shown[k] for k in plan.keys), plan.key
            )

        return Table(
            self.id,
            self.title,
            self.columns,
            tuple(row(r) for r in self.rows),
            row(self.total) if self.total else None,
            self.note,
            self.chart,
            self.percent_of,
        )


_BLANK = Shown(None, None, None)
