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
    ValidationInfo,
    field_validator,
    model_validator,
)

from surveys._yaml import StrictLoader

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
        return _as_value(value)


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
    # Checked even when absent, so that a choice question without options is reported.
    options: list[OptionSpec] | None = Field(default=None, validate_default=True)
    required: bool = False
    rather_not_say: bool = True
    max_length: Annotated[int, Field(ge=1, le=10_000)] | None = None
    min: float | None = None
    max: float | None = None
    show_if: ShowIf | None = None
    priorities: list[Literal["P1", "P2", "P3", "P4", "P5", "P6"]] = []
    collects: str | None = None  # what personal data the answer holds, e.g. postcode_district
    quote_consent: bool = False  # the answer is the person's consent to be quoted

    # Each check is a field validator (not one model validator) so that an error names the
    # field to fix: "question 'story', field options: …". They run after ``type`` is
    # validated; when the type itself is wrong, only that is reported.

    @field_validator("options")
    @classmethod
    def _options_fit_the_type(
        cls, options: list[OptionSpec] | None, info: ValidationInfo
    ) -> list[OptionSpec] | None:
        kind = info.data.get("type")
        if kind is None:
            return options
        if kind in CHOICE_TYPES | {QuestionType.RATING}:
            if not options or len(options) < 2:
                raise ValueError(f"a {kind} question needs at least two options")
        elif options is not None:
            hint = " (its Yes, No and Not sure are built in)" if kind is QuestionType.YES_NO else ""
            raise ValueError(f"a {kind} question cannot have options{hint}")
        if options:
            values = [option.value for option in options]
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"option values repeat: {', '.join(repeated)}")
            if kind is QuestionType.RATING:
                missing = [o.value for o in options if not o.emoji]
                if missing:
                    raise ValueError(
                        f"every rating point needs an emoji face (missing: {', '.join(missing)})"
                    )
        return options

    @field_validator("max_length")
    @classmethod
    def _max_length_for_free_text(cls, value: int | None, info: ValidationInfo) -> int | None:
        kind = info.data.get("type")
        if value is not None and kind is not None and kind is not QuestionType.FREE_TEXT:
            raise ValueError("max_length is only for free_text questions")
        return value

    @field_validator("quote_consent")
    @classmethod
    def _consent_is_a_yes(cls, value: bool, info: ValidationInfo) -> bool:
        kind = info.data.get("type")
        if value and kind is not None and kind is not QuestionType.YES_NO:
            raise ValueError("consent to be quoted must be a yes_no question (only Yes consents)")
        return value

    @field_validator("min", "max")
    @classmethod
    def _bounds_for_numbers(cls, value: float | None, info: ValidationInfo) -> float | None:
        kind = info.data.get("type")
        if value is not None and kind is not None and kind is not QuestionType.NUMBER:
            raise ValueError("min and max are only for number questions")
        low = info.data.get("min")
        if info.field_name == "max" and value is not None and low is not None and value < low:
            raise ValueError(f"max ({value:g}) is less than min ({low:g})")
        return value


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
        if isinstance(given, list):
            chosen = {str(v) for v in given}
        else:  # a number answer of 0 is an answer too
            chosen = set() if given is None or given == "" else {_as_value(given)}
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
    collects: str | None = None  # personal data the answer holds: "postcode_district"…

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
# The longest postcode district is 4 characters ("LS27"); a 5th allows "LS 9". A full
# postcode ("LS9 8AB") cannot fit, so it can never be stored by mistake.
POSTCODE_DISTRICT_LIMIT = 5
_ALLOWED_COLLECTS = {"postcode_district", "age_band", "none", "school_type", "local_area"}
_FORBIDDEN_WORDING = [
    (re.compile(r"\b(phone|mobile|telephone|contact)\s+(number|no\.?)\b", re.I), "a phone number"),
    (re.compile(r"\b(full|whole|complete)\s+post\s?code\b", re.I), "a full postcode"),
    (re.compile(r"\b(your|home|house)\s+(address|street|house number)\b", re.I), "an address"),
]


class _Problems:
    def __init__(self, spec: dict[str, Any]) -> None:
        questions = spec.get("questions") if isinstance(spec, dict) else None
        self._questions: list[Any] = questions if isinstance(questions, list) else []
        self._ids = [
            q.get("id", f"#{i + 1}") if isinstance(q, dict) else f"#{i + 1}"
            for i, q in enumerate(self._questions)
        ]

    def where(self, loc: tuple[Any, ...]) -> str:
        """``question 'id', option 'value', field text`` for a pydantic error location."""
        rest = list(_without_union_members(loc))
        parts: list[str] = []
        if len(rest) >= 2 and rest[0] == "questions" and isinstance(rest[1], int):
            index = rest[1]
            name = self._ids[index] if index < len(self._ids) else f"#{index + 1}"
            parts.append(f"question {name!r}")
            question = self._questions[index] if index < len(self._questions) else None
            rest = rest[2:]
            if len(rest) >= 2 and rest[0] == "options" and isinstance(rest[1], int):
                parts.append(_option_name(question, rest[1]))
                rest = rest[2:]
        else:
            parts.append("survey")
        if rest:
            parts.append("field " + ".".join(str(p) for p in rest))
        return ", ".join(parts)


# pydantic names the member of a union it tried ("str", "dict[str,str]"); they only confuse.
_UNION_MEMBERS = frozenset({"str", "dict[str,str]", "function-after", "list[str]"})


def _without_union_members(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    for i, part in enumerate(loc):
        if part in _UNION_MEMBERS:
            return loc[:i]
    return loc


def _option_name(question: Any, index: int) -> str:
    options = question.get("options") if isinstance(question, dict) else None
    if isinstance(options, list) and index < len(options):
        option = options[index]
        if isinstance(option, dict) and option.get("value") is not None:
            return f"option {_as_value(option['value'])!r}"
    return f"option #{index + 1}"


def _as_value(value: Any) -> Any:
    """An answer or option value as the text the engine stores ("yes", "3")."""
    if isinstance(value, bool):  # YAML 1.1 reads a bare yes/no as a boolean
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:g}"
    return value


def _message(error: Any) -> str:
    """A pydantic error, said the way a person editing a survey file needs to hear it."""
    kind, loc = error["type"], error["loc"]
    if kind == "enum" and loc and loc[-1] == "type":
        return f"unknown question type {error['input']!r} (known: {', '.join(QuestionType)})"
    if kind == "enum" and loc and loc[-1] == "audience":
        return f"unknown audience {error['input']!r} (known: {', '.join(Audience)})"
    if kind == "extra_forbidden":
        return "is not a field a survey knows (check the spelling and the indentation)"
    if kind == "missing":
        return "is missing"
    if kind == "string_pattern_mismatch":
        allowed = "lower-case letters a-z, digits 0-9 and _"
        if "\\-" in str(error.get("ctx", {}).get("pattern", "")):
            allowed += " or -"
        return f"{error['input']!r} may only use {allowed}, and must start with a letter or digit"
    if kind == "literal_error" and "priorities" in loc:
        return f"{error['input']!r} is not a priority (use {', '.join(PRIORITY_IDS)})"
    if _without_union_members(loc) != tuple(loc):
        return "should be text, or texts by language, like {en: ..., pl: ...}"
    return str(error["msg"]).removeprefix("Value error, ")


def _texts(
    value: LocalText | None, languages: tuple[str, ...], where: str, warnings: list[str]
) -> Text | None:
    if value is None:
        return None
    base = languages[0]
    by_language = {base: value} if isinstance(value, str) else dict(value)
    if not by_language.get(base, "").strip():
        raise ValueError(f"{where}: has no text in the base language {base!r}")
    for language in languages[1:]:
        if not by_language.get(language, "").strip():
            # An easy-read field ("easy", "intro_easy"…) gives way to the plain words in that
            # language, not to easy words in the base one (surveys/reading.py).
            used = f"the plain {language!r} text" if where.endswith("easy") else repr(base)
            warnings.append(f"{where}: no {language!r} translation; {used} is used")
    strangers = sorted(set(by_language) - set(languages))
    if strangers:
        warnings.append(
            f"{where}: has text in {', '.join(map(repr, strangers))}, which is not in the "
            f"survey's languages ({', '.join(languages)}), so it is never shown"
        )
    return Text({k: v for k, v in by_language.items() if v.strip()}, base)


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
        messages = [f"{problems.where(error['loc'])}: {_message(error)}" for error in exc.errors()]
        raise SurveyDefinitionError(source, _dedupe(messages)) from None
    return _build(spec, source)


def _dedupe(messages: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for message in messages:
        seen.setdefault(message)
    return list(seen)


def _normalise_yes_no(raw: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads bare yes/no as booleans and 3 as a number; in show_if they mean the
    # option values "yes" and "3".
    questions = raw.get("questions")
    if not isinstance(questions, list):
        return raw
    fixed = []
    for question in questions:
        if isinstance(question, dict) and isinstance(question.get("show_if"), dict):
            show_if = dict(question["show_if"])
            for key in ("equals", "not_equals"):
                if key in show_if:
                    show_if[key] = _as_value(show_if[key])
            if isinstance(show_if.get("any_of"), list):
                show_if["any_of"] = [_as_value(v) for v in show_if["any_of"]]
            question = {**question, "show_if": show_if}
        fixed.append(question)
    return {**raw, "questions": fixed}


YES_NO_OPTIONS = (("yes", "Yes", "👍"), ("no", "No", "👎"), ("not_sure", "Not sure", "🤷"))
# The built-in yes/no/not sure labels in the languages the bot offers, so that a typed "tak"
# is understood and a translated survey shows no English on its buttons.
YES_NO_LABELS: Mapping[str, tuple[str, str, str]] = {
    "en": ("Yes", "No", "Not sure"),
    "pl": ("Tak", "Nie", "Nie wiem"),
    "cy": ("Ie", "Na", "Ddim yn siŵr"),
    "ro": ("Da", "Nu", "Nu știu"),
    "ur": ("ہاں", "نہیں", "پتا نہیں"),
    "ar": ("نعم", "لا", "لست متأكدًا"),
}


def _yes_no_options(languages: tuple[str, ...]) -> tuple[Option, ...]:
    options = []
    for index, (value, label, emoji) in enumerate(YES_NO_OPTIONS):
        by_language = {languages[0]: label}
        by_language.update(
            {code: YES_NO_LABELS[code][index] for code in languages if code in YES_NO_LABELS}
        )
        options.append(Option(value, Text(by_language, languages[0]), None, emoji, False))
    return tuple(options)


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
            problems.append(
                f"{where}, field id: the id is used twice; every question needs its own id"
            )
            continue
        if q.show_if is not None:
            problems.extend(f"{where}, {p}" for p in _show_if_problems(q, spec.questions, seen))
        problems.extend(f"{where}, {p}" for p in _privacy_problems(q))
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
            options = _yes_no_options(languages)
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
                collects=q.collects.lower() if q.collects else None,
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


def _show_if_problems(
    q: QuestionSpec,
    questions: list[QuestionSpec],
    earlier: set[str],
) -> Iterator[str]:
    """A ``show_if`` must name an earlier question, and values that question can have."""
    show_if = q.show_if
    assert show_if is not None
    named = show_if.question
    target = next((other for other in questions if other.id == named), None)
    if named == q.id:
        yield f"field show_if.question: a question cannot depend on its own answer ({named!r})"
        return
    if target is None:
        yield f"field show_if.question: there is no question {named!r} in this survey"
        return
    if named not in earlier:
        yield (
            f"field show_if.question: {named!r} comes later in the survey; "
            "show_if can only look at earlier answers"
        )
        return
    if target.type in BUTTON_TYPES:
        allowed = (
            [value for value, _, _ in YES_NO_OPTIONS]
            if target.type is QuestionType.YES_NO
            else [o.value for o in target.options or ()]
        )
        for name in ("equals", "not_equals", "any_of"):
            given = getattr(show_if, name)
            values = given if isinstance(given, list) else [given] if given is not None else []
            unknown = [v for v in values if v not in allowed]
            if unknown:
                yield (
                    f"field show_if.{name}: {', '.join(map(repr, unknown))} is not an answer to "
                    f"{named!r} (its answers: {', '.join(allowed)})"
                )


_PRIVACY_RULE = (
    "surveys may ask for no more than a postcode district (like LS9), never a phone number"
)


def _too_long_for_a_district(q: QuestionSpec) -> bool:
    if q.type is not QuestionType.FREE_TEXT:
        return False
    return q.max_length is None or q.max_length > POSTCODE_DISTRICT_LIMIT


def _privacy_problems(q: QuestionSpec) -> Iterator[str]:
    if q.collects:
        kind = q.collects.lower()
        if kind in _FORBIDDEN_COLLECTS:
            yield f"field collects: asks for {_FORBIDDEN_COLLECTS[kind]}; {_PRIVACY_RULE}"
        elif kind not in _ALLOWED_COLLECTS:
            yield (
                f"field collects: {q.collects!r} is not one of "
                f"{', '.join(sorted(_ALLOWED_COLLECTS))}"
            )
        elif kind == "postcode_district" and _too_long_for_a_district(q):
            yield (
                f"field max_length: a postcode district question needs max_length "
                f"{POSTCODE_DISTRICT_LIMIT} or less (LS27 is 4), so that a full postcode "
                "cannot be typed in"
            )
    for name in ("text", "easy", "hint"):
        value = getattr(q, name)
        wordings = [] if value is None else [value] if isinstance(value, str) else value.values()
        for wording in wordings:
            for pattern, what in _FORBIDDEN_WORDING:
                if pattern.search(wording):
                    yield f"field {name}: seems to ask for {what}; {_PRIVACY_RULE}"
                    return


def load_survey(path: str | Path) -> Survey:
    """Read, parse and validate one survey file."""
    path = Path(path)
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SurveyDefinitionError(str(path), [f"cannot be read ({exc})"]) from None
    try:
        raw = yaml.load(content, Loader=StrictLoader)  # a SafeLoader: no arbitrary objects
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
                first = self._surveys[survey.id].source
                raise SurveyDefinitionError(
                    survey.source,
                    [f"survey, field id: {survey.id!r} is already used by {first}"],
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
