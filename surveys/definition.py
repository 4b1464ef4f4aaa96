"""Survey definitions: the YAML files in ``config/surveys/`` and their schema.

A definition is data. It is validated once, when it is loaded, with errors that name the
file, the question and the field, so that a VIC officer editing YAML can fix it alone.
Loaded definitions are immutable and shared by every conversation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

PRIORITY_IDS = ("P1", "P2", "P3", "P4", "P5", "P6")
_ID = r"^[a-z0-9][a-z0-9_\-]*$"


class QuestionType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"
    RATING = "rating"
    FREE_TEXT = "free_text"
    NUMBER = "number"


CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})
BUTTON_TYPES = CHOICE_TYPES | {QuestionType.YES_NO, QuestionType.RATING}


class Audience(StrEnum):
    PARENT_CARER = "parent_carer"
    YOUNG_PERSON = "young_person"
    PRACTITIONER = "practitioner"
    ANY = "any"


class SurveyDefinitionError(Exception):
    """A survey file that cannot be used; ``problems`` lists every reason, each located."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: {problem}" for problem in problems))


# A text is either a plain string (in the survey's base language) or a mapping of
# language code to string.
LocalText = str | dict[str, str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptionSpec(_Strict):
    value: Annotated[str, Field(pattern=_ID)]
    text: LocalText
    easy: LocalText | None = None
    emoji: str | None = None
    exclusive: bool = False  # in multiple choice, choosing it clears the others ("None of these")

    @field_validator("value", mode="before")
    @classmethod
    def _value_as_text(cls, value: Any) -> Any:
        return str(value).lower() if isinstance(value, int | bool) else value


class ShowIf(_Strict):
    """Show a question only when an earlier answer matches."""

    question: str
    equals: str | None = None
    any_of: list[str] | None = None
    not_equals: str | None = None
    answered: bool | None = None

    @model_validator(mode="after")
    def _one_condition(self) -> ShowIf:
        given = [
            name
            for name in ("equals", "any_of", "not_equals", "answered")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError("give exactly one of equals, any_of, not_equals, answered")
        return self


class QuestionSpec(_Strict):
    id: Annotated[str, Field(pattern=_ID)]
    type: QuestionType
    text: LocalText
    easy: LocalText | None = None
    hint: LocalText | None = None
    options: list[OptionSpec] | None = None
    required: bool = False
    rather_not_say: bool = True
    max_length: Annotated[int, Field(ge=1, le=10_000)] | None = None
    min: float | None = None
    max: float | None = None
    show_if: ShowIf | None = None
    priorities: list[Literal["P1", "P2", "P3", "P4", "P5", "P6"]] = []
    collects: str | None = None  # what personal data the answer holds, e.g. postcode_district
    quote_consent: bool = False  # the answer is the person's consent to be quoted

    @model_validator(mode="after")
    def _fits_its_type(self) -> QuestionSpec:
        kind = self.type
        if kind in CHOICE_TYPES | {QuestionType.RATING}:
            if not self.options or len(self.options) < 2:
                raise ValueError(f"a {kind} question needs at least two options")
        elif self.options is not None:
            raise ValueError(f"a {kind} question cannot have options")
        if self.max_length is not None and kind is not QuestionType.FREE_TEXT:
            raise ValueError("max_length is only for free_text questions")
        if (self.min is not None or self.max is not None) and kind is not QuestionType.NUMBER:
            raise ValueError("min and max are only for number questions")
        if self.options:
            values = [option.value for option in self.options]
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"option values repeat: {', '.join(repeated)}")
        if kind is QuestionType.RATING and self.options:
            missing = [o.value for o in self.options if not o.emoji]
            if missing:
                raise ValueError(f"every rating point needs an emoji (missing: {missing})")
        return self


class SurveySpec(_Strict):
    # No hyphen: a Telegram deep link "s_<id>-<source>" uses it to name where people came from.
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=40)]
    version: Annotated[int, Field(ge=1)]
    title: LocalText
    audience: Audience
    languages: Annotated[list[str], Field(min_length=1)] = ["en"]
    intro: LocalText
    intro_easy: LocalText | None = None
    thanks: LocalText
    thanks_easy: LocalText | None = None
    description: LocalText | None = None
    questions: Annotated[list[QuestionSpec], Field(min_length=1)]


# ---------------------------------------------------------------------------
# Loaded, immutable forms used by the engine


@dataclass(frozen=True, slots=True)
class Text:
    """A wording in several languages, falling back to the base language."""

    by_language: Mapping[str, str]
    base: str

    def get(self, language: str) -> str:
        return self.by_language.get(language) or self.by_language[self.base]

    def __str__(self) -> str:
        return self.by_language[self.base]


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    text: Text
    easy: Text | None
    emoji: str | None
    exclusive: bool


@dataclass(frozen=True, slots=True)
class Condition:
    question: str
    equals: str | None = None
    any_of: tuple[str, ...] | None = None
    not_equals: str | None = None
    answered: bool | None = None

    def holds(self, answers: Mapping[str, Any]) -> bool:
        given = answers.get(self.question)
        chosen = set(given) if isinstance(given, list) else {str(given)} if given else set()
        if self.answered is not None:
            return (given is not None) is self.answered
        if self.equals is not None:
            return self.equals in chosen
        if self.any_of is not None:
            return bool(chosen & set(self.any_of))
        return self.not_equals not in chosen


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    type: QuestionType
    text: Text
    easy: Text | None
    hint: Text | None
    options: tuple[Option, ...]
    required: bool
    rather_not_say: bool
    max_length: int
    min: float | None
    max: float | None
    show_if: Condition | None
    priorities: tuple[str, ...]
    quote_consent: bool

    def option(self, value: str) -> Option | None:
        return next((option for option in self.options if option.value == value), None)


@dataclass(frozen=True, slots=True)
class Survey:
    id: str
    version: int
    title: Text
    audience: Audience
    languages: tuple[str, ...]
    intro: Text
    intro_easy: Text | None
    thanks: Text
    thanks_easy: Text | None
    description: Text | None
    questions: tuple[Question, ...]
    source: str = ""
    warnings: tuple[str, ...] = ()
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({q.id: i for i, q in enumerate(self.questions)})

    @property
    def base_language(self) -> str:
        return self.languages[0]

    def question(self, question_id: str) -> Question:
        return self.questions[self._index[question_id]]

    def position(self, question_id: str) -> int:
        return self._index[question_id]

    def has_question(self, question_id: str) -> bool:
        return question_id in self._index


DEFAULT_FREE_TEXT_LIMIT = 2000

# Location finer than a postcode district, and phone numbers, are never asked for.
_FORBIDDEN_COLLECTS = {
    "phone": "a phone number",
    "phone_number": "a phone number",
    "mobile": "a phone number",
    "postcode": "a full postcode",
    "full_postcode": "a full postcode",
    "address": "a home address",
    "street": "a street",
    "location": "a precise location",
}
_ALLOWED_COLLECTS = {"postcode_district", "age_band", "none", "school_type", "local_area"}
_FORBIDDEN_WORDING = [
    (re.compile(r"\b(phone|mobile|telephone|contact)\s+(number|no\.?)\b", re.I), "a phone number"),
    (re.compile(r"\b(full|whole|complete)\s+post\s?code\b", re.I), "a full postcode"),
    (re.compile(r"\b(your|home|house)\s+(address|street|house number)\b", re.I), "an address"),
]


class _Problems:
    def __init__(self, spec: dict[str, Any]) -> None:
        questions = spec.get("questions") if isinstance(spec, dict) else None
        self._ids = [
            q.get("id", f"#{i + 1}") if isinstance(q, dict) else f"#{i + 1}"
            for i, q in enumerate(questions if isinstance(questions, list) else [])
        ]

    def where(self, loc: tuple[Any, ...]) -> str:
        parts: list[str] = []
        rest = list(loc)
        if len(rest) >= 2 and rest[0] == "questions" and isinstance(rest[1], int):
            index = rest[1]
            name = self._ids[index] if index < len(self._ids) else f"#{index + 1}"
            parts.append(f"question {name!r}")
            rest = rest[2:]
        # pydantic adds the union member tried ("str", "dict[str,str]"); they only confuse.
        fields = [str(p) for p in rest if p not in ("str", "dict[str,str]", "function-after")]
        if fields:
            parts.append("field " + ".".join(fields))
        return ", ".join(parts) if parts else "survey"


def _texts(
    value: LocalText | None, languages: tuple[str, ...], where: str, warnings: list[str]
) -> Text | None:
    if value is None:
        return None
    base = languages[0]
    by_language = {base: value} if isinstance(value, str) else dict(value)
    if base not in by_language:
        raise ValueError(f"{where}: has no text in the base language {base!r}")
    for language in languages[1:]:
        if language not in by_language:
            warnings.append(f"{where}: no {language!r} translation; {base!r} is used")
    return Text(by_language, base)


def parse_survey(raw: Any, source: str = "<survey>") -> Survey:
    """Validate a parsed YAML document and build the engine's immutable :class:`Survey`.

    Raises:
        SurveyDefinitionError: naming each problem's question and field.
    """
    if not isinstance(raw, dict):
        raise SurveyDefinitionError(
            source, ["the file must hold a mapping with id, version, questions…"]
        )
    raw = _normalise_yes_no(raw)
    try:
        spec = SurveySpec.model_validate(raw)
    except ValidationError as exc:
        problems = _Problems(raw)
        messages = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "enum" and error["loc"][-1] == "type":
                message = (
                    f"unknown question type {error['input']!r} (known: {', '.join(QuestionType)})"
                )
            elif error["type"] == "extra_forbidden":
                message = "is not a field a survey knows"
            messages.append(f"{problems.where(error['loc'])}: {message}")
        raise SurveyDefinitionError(source, _dedupe(messages)) from None
    return _build(spec, source)


def _dedupe(messages: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for message in messages:
        seen.setdefault(message)
    return list(seen)


def _normalise_yes_no(raw: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads bare yes/no as booleans; in show_if they mean the option values.
    questions = raw.get("questions")
    if not isinstance(questions, list):
        return raw
    fixed = []
    for question in questions:
        if isinstance(question, dict) and isinstance(question.get("show_if"), dict):
            show_if = dict(question["show_if"])
            for key in ("equals", "not_equals"):
                if isinstance(show_if.get(key), bool):
                    show_if[key] = "yes" if show_if[key] else "no"
            if isinstance(show_if.get("any_of"), list):
                show_if["any_of"] = [
                    ("yes" if v else "no") if isinstance(v, bool) else str(v)
                    for v in show_if["any_of"]
                ]
            question = {**question, "show_if": show_if}
        fixed.append(question)
    return {**raw, "questions": fixed}


YES_NO_OPTIONS = (("yes", "Yes", "👍"), ("no", "No", "👎"), ("not_sure", "Not sure", "🤷"))


def _build(spec: SurveySpec, source: str) -> Survey:
    languages = tuple(dict.fromkeys(spec.languages))
    warnings: list[str] = []
    problems: list[str] = []
    questions: list[Question] = []
    seen: set[str] = set()

    def text(value: LocalText | None, where: str) -> Text | None:
        try:
            return _texts(value, languages, where, warnings)
        except ValueError as exc:
            problems.append(str(exc))
            return None

    for q in spec.questions:
        where = f"question {q.id!r}"
        if q.id in seen:
            problems.append(f"{where}: the id is used twice; every question needs its own id")
            continue
        if q.show_if is not None and q.show_if.question not in seen:
            problems.append(
                f"{where}, field show_if.question: {q.show_if.question!r} is not an earlier question"
            )
        problems.extend(f"{where}: {p}" for p in _privacy_problems(q))
        seen.add(q.id)
        options = tuple(
            Option(
                value=o.value,
                text=text(o.text, f"{where}, option {o.value!r}, field text") or Text({}, ""),
                easy=text(o.easy, f"{where}, option {o.value!r}, field easy"),
                emoji=o.emoji,
                exclusive=o.exclusive,
            )
            for o in q.options or ()
        )
        if q.type is QuestionType.YES_NO:
            options = tuple(
                Option(value, Text({languages[0]: label}, languages[0]), None, emoji, False)
                for value, label, emoji in YES_NO_OPTIONS
            )
        questions.append(
            Question(
                id=q.id,
                type=q.type,
                text=text(q.text, f"{where}, field text") or Text({}, ""),
                easy=text(q.easy, f"{where}, field easy"),
                hint=text(q.hint, f"{where}, field hint"),
                options=options,
                required=q.required,
                rather_not_say=q.rather_not_say,
                max_length=q.max_length or DEFAULT_FREE_TEXT_LIMIT,
                min=q.min,
                max=q.max,
                show_if=_condition(q.show_if),
                priorities=tuple(q.priorities),
                quote_consent=q.quote_consent,
            )
        )
    for name in ("title", "intro", "intro_easy", "thanks", "thanks_easy", "description"):
        text(getattr(spec, name), f"survey, field {name}")
    if problems:
        raise SurveyDefinitionError(source, _dedupe(problems))
    return Survey(
        id=spec.id,
        version=spec.version,
        title=_must(text(spec.title, "survey, field title")),
        audience=spec.audience,
        languages=languages,
        intro=_must(text(spec.intro, "survey, field intro")),
        intro_easy=text(spec.intro_easy, "survey, field intro_easy"),
        thanks=_must(text(spec.thanks, "survey, field thanks")),
        thanks_easy=text(spec.thanks_easy, "survey, field thanks_easy"),
        description=text(spec.description, "survey, field description"),
        questions=tuple(questions),
        source=source,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _must(value: Text | None) -> Text:
    assert value is not None
    return value


def _condition(show_if: ShowIf | None) -> Condition | None:
    if show_if is None:
        return None
    return Condition(
        question=show_if.question,
        equals=show_if.equals,
        any_of=tuple(show_if.any_of) if show_if.any_of is not None else None,
        not_equals=show_if.not_equals,
        answered=show_if.answered,
    )


def _privacy_problems(q: QuestionSpec) -> Iterator[str]:
    if q.collects:
        kind = q.collects.lower()
        if kind in _FORBIDDEN_COLLECTS:
            yield (
                f"field collects: asks for {_FORBIDDEN_COLLECTS[kind]}; surveys may ask for no "
                "more than a postcode district (e.g. LS9) and never a phone number"
            )
        elif kind not in _ALLOWED_COLLECTS:
            yield f"field collects: {q.collects!r} is not one of {sorted(_ALLOWED_COLLECTS)}"
    wordings = [q.text] if isinstance(q.text, str) else list(q.text.values())
    for wording in wordings:
        for pattern, what in _FORBIDDEN_WORDING:
            if pattern.search(wording):
                yield (
                    f"field text: seems to ask for {what}; surveys may ask for no more than a "
                    "postcode district (e.g. LS9) and never a phone number"
                )
                return


def load_survey(path: str | Path) -> Survey:
    """Read, parse and validate one survey file."""
    path = Path(path)
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SurveyDefinitionError(str(path), [f"cannot be read ({exc})"]) from None
    try:
        raw = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SurveyDefinitionError(str(path), [f"is not valid YAML{at}: {problem}"]) from None
    return parse_survey(raw, str(path))


def survey_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into the YAML files they hold, in a stable order."""
    found: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            found.extend(sorted([*item.glob("*.yaml"), *item.glob("*.yml")]))
        else:
            found.append(item)
    return found


class SurveyCatalog(Mapping[str, Survey]):
    """The published surveys, by id. Refuses two files with the same survey id."""

    def __init__(self, surveys: Iterable[Survey] = ()) -> None:
        self._surveys: dict[str, Survey] = {}
        for survey in surveys:
            if survey.id in self._surveys:
                raise SurveyDefinitionError(
                    survey.source,
                    [
                        f"survey id {survey.id!r} is already used by {self._surveys[survey.id].source}"
                    ],
                )
            self._surveys[survey.id] = survey

    @classmethod
    def from_paths(cls, *paths: str | Path) -> SurveyCatalog:
        return cls(load_survey(path) for path in survey_files(paths))

    def __getitem__(self, survey_id: str) -> Survey:
        return self._surveys[survey_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._surveys)

    def __len__(self) -> int:
        return len(self._surveys)

    @property
    def warnings(self) -> list[str]:
        return [f"{s.source}: {w}" for s in self._surveys.values() for w in s.warnings]
