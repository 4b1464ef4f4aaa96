"""The conversation state machine: given where a person is and what they sent, what next.

The engine is pure. It knows nothing of Telegram, the web or the database: a channel turns
what a person did into an :class:`Input`, the service loads the :class:`Conversation`,
calls :func:`advance`, stores the :class:`Event` list it returns and hands the
:class:`Prompt` list back to the channel to show. Because the whole state is plain data,
any process can take the next message and a restart loses nothing.

A conversation goes: privacy message and consent → who you are (role, age band for young
people, format, language) → who the answers are about → the survey's questions, one at a
time → thanks. ``back``, ``skip``, "I'd rather not say", "I don't understand", ``pause``
and ``resume`` work at any question; nothing has a time limit.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from babel import UnknownLocaleError
from babel.numbers import format_decimal

from surveys.definition import (
    Question,
    QuestionType,
    Survey,
    SurveyCatalog,
    Text,
)
from surveys.reading import choose_text
from surveys.wording import Wording

# --------------------------------------------------------------------------- inputs


class Action(StrEnum):
    START = "start"  # value: a survey id, or "" for "show me what I can answer"
    TEXT = "text"  # value: what the person typed
    CHOOSE = "choose"  # value: an option's value (a tap)
    DONE = "done"  # finish a multiple-choice question
    BACK = "back"
    SKIP = "skip"
    RATHER_NOT_SAY = "rns"
    NOT_UNDERSTOOD = "nu"
    PAUSE = "pause"
    RESUME = "resume"
    LANGUAGE = "lang"  # value: a language code; may be sent at any time
    FORMAT = "fmt"  # value: words | easy | listen; may be sent at any time
    OTHER = "other"  # a sticker, photo or voice note: nothing we can read


@dataclass(frozen=True, slots=True)
class Input:
    """One thing a person did: a tap, a typed message, a command."""

    action: Action
    value: str = ""

    def encode(self) -> str:
        """A compact form for a button's payload (Telegram allows 64 bytes)."""
        return f"{self.action.value}:{self.value}"[:64]

    @classmethod
    def decode(cls, data: str) -> Input:
        action, _, value = data.partition(":")
        try:
            return cls(Action(action), value)
        except ValueError:
            return cls(Action.OTHER, "")


# --------------------------------------------------------------------------- state


class Step(StrEnum):
    NEW = "new"
    CONSENT = "consent"
    ROLE = "role"
    AGE_BAND = "age_band"
    FORMAT = "format"
    LANGUAGE = "language"
    ANSWERING_AS = "answering_as"
    MENU = "menu"
    QUESTION = "question"
    PAUSED = "paused"
    IDLE = "idle"


ROLES = ("parent_carer", "young_person", "practitioner")
AGE_BANDS = ("under_13", "13_15", "16_17", "18_25")
FORMATS = ("words", "easy", "listen")
ANSWERING_AS = {
    "parent_carer": ("parent_view", "on_behalf"),
    "young_person": ("self", "with_help"),
}


@dataclass(slots=True)
class Profile:
    """What a person told us about themselves: never a name, never a birthday."""

    role: str | None = None
    age_band: str | None = None
    format: str | None = None
    language: str | None = None

    @property
    def easy(self) -> bool:
        return self.format == "easy" or self.age_band == "under_13"

    @property
    def listen(self) -> bool:
        return self.format == "listen"


@dataclass(slots=True)
class RunState:
    """One person's way through one survey."""

    id: str
    survey_id: str
    version: int
    current: str | None
    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    answering_as: str | None = None
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "survey_id": self.survey_id,
            "version": self.version,
            "current": self.current,
            "answers": dict(self.answers),
            "history": list(self.history),
            "selected": list(self.selected),
            "answering_as": self.answering_as,
            "source": self.source,
        }


@dataclass(slots=True)
class Conversation:
    """Everything the engine needs to know about a person to take their next input."""

    step: Step = Step.NEW
    consented: bool = False
    profile: Profile = field(default_factory=Profile)
    pending_survey: str | None = None
    source: str | None = None
    run: RunState | None = None

    def to_json(self) -> dict[str, Any]:
        profile, run = self.profile, self.run
        return {
            "step": self.step.value,
            "consented": self.consented,
            "profile": {
                "role": profile.role,
                "age_band": profile.age_band,
                "format": profile.format,
                "language": profile.language,
            },
            "pending_survey": self.pending_survey,
            "source": self.source,
            "run": run.to_json() if run else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Conversation:
        if not data:
            return cls()
        run = data.get("run")
        return cls(
            step=Step(data.get("step", Step.NEW)),
            consented=bool(data.get("consented")),
            profile=Profile(**data.get("profile") or {}),
            pending_survey=data.get("pending_survey"),
            source=data.get("source"),
            run=RunState(**run) if run else None,
        )


# --------------------------------------------------------------------------- outputs


class AnswerStatus(StrEnum):
    ANSWERED = "answered"
    SKIPPED = "skipped"
    RATHER_NOT_SAY = "rather_not_say"


@dataclass(frozen=True, slots=True)
class Event:
    """Something the store must record. ``kind`` names it; the rest depends on it.

    Kinds: ``consented``, ``profile`` (field, value), ``run_started``, ``answer``
    (question_id, value, status), ``answer_withdrawn`` (question_id), ``not_understood``
    (question_id), ``run_paused``, ``run_resumed``, ``run_completed``.
    """

    kind: str
    run_id: str | None = None
    survey_id: str | None = None
    survey_version: int | None = None
    question_id: str | None = None
    value: Any = None
    status: AnswerStatus | None = None
    field: str | None = None


class PromptKind(StrEnum):
    INFO = "info"
    QUESTION = "question"
    CONFIRMATION = "confirmation"
    PROBLEM = "problem"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    input: Input
    selected: bool = False


@dataclass(frozen=True, slots=True)
class Prompt:
    """Something to show the person, already in their language and reading level."""

    kind: PromptKind
    text: str
    buttons: tuple[Button, ...] = ()  # the answers to choose from
    controls: tuple[Button, ...] = ()  # back, skip, "I'd rather not say"…
    progress: str | None = None  # "Question 3 of 8"
    question_id: str | None = None
    question_type: QuestionType | None = None
    multiple: bool = False  # buttons toggle, then Done
    accepts_text: bool = False  # a typed answer is expected
    speak: bool = False  # the person chose "listen": channels read it aloud
    easy: bool = False
    language: str = "en"
    # The help-now card, after the text (the reply to a possible disclosure): apart from the
    # text so each channel shows it once, as chat text or as a card of its own.
    card: str = ""


@dataclass(slots=True)
class Outcome:
    conversation: Conversation
    prompts: list[Prompt]
    events: list[Event]
    paused_run: RunState | None = None  # a run set aside when another survey started


@dataclass(frozen=True, slots=True)
class PastRuns:
    """The person's earlier runs, which the store looks up when a survey may start.

    ``unfinished`` holds runs set aside unfinished, by survey id, so choosing the survey
    again carries on where they left off; ``completed`` the surveys they have finished, which
    are not offered again (a second run would count one person's view twice).
    """

    unfinished: Mapping[str, RunState] = field(default_factory=dict)
    completed: frozenset[str] = frozenset()


NO_PAST_RUNS = PastRuns()


@dataclass(frozen=True, slots=True)
class Context:
    surveys: SurveyCatalog
    wording: Wording


def surveys_to_offer(
    surveys: Iterable[Survey], role: str | None, completed: Collection[str]
) -> list[Survey]:
    """The surveys a menu offers someone: the unfinished ones written for their role.

    Anyone's are offered only where no survey is written for the role at all (nothing is yet
    for people who work with children), never because a person has finished their own: a child
    who has done theirs must not be offered a parent's survey about "your child".
    """
    catalog = list(surveys)
    for_role = [s for s in catalog if s.audience in ("any", role)]
    return [s for s in (for_role or catalog) if s.id not in completed]


def menu_title(wording: Wording, survey: Survey, language: str) -> str:
    """A survey's title in a menu; one not written in the reader's language says which it is
    in, so nobody taps into a survey they cannot read without being told."""
    title = survey.title.get(language)
    only_in = f"menu.only_in.{survey.base_language}"
    if language in survey.languages or not wording.has(only_in):
        return title
    return wording.say(only_in, language, title=title)


# --------------------------------------------------------------------------- typed answers

_YES = {
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "ya",
    "yh",
    "ye",
    "sure",
    "ok",
    "okay",
    "true",
    "👍",
    "aye",
}
_NO = {"no", "n", "nope", "nah", "na", "not really", "never", "false", "👎"}
_NOT_SURE = {
    "not sure",
    "unsure",
    "dunno",
    "idk",
    "don't know",
    "dont know",
    "maybe",
    "🤷",
    "not sure yet",
}
_CONTROL_WORDS = {
    "back": Action.BACK,
    "go back": Action.BACK,
    "skip": Action.SKIP,
    "pass": Action.SKIP,
    "pause": Action.PAUSE,
    "i'd rather not say": Action.RATHER_NOT_SAY,
    "id rather not say": Action.RATHER_NOT_SAY,
    "rather not say": Action.RATHER_NOT_SAY,
    "prefer not to say": Action.RATHER_NOT_SAY,
    "i don't understand": Action.NOT_UNDERSTOOD,
    "i dont understand": Action.NOT_UNDERSTOOD,
    "don't understand": Action.NOT_UNDERSTOOD,
    "dont understand": Action.NOT_UNDERSTOOD,
    "what does that mean": Action.NOT_UNDERSTOOD,
    "?": Action.NOT_UNDERSTOOD,
    "??": Action.NOT_UNDERSTOOD,
}
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|\+|/)\s*|\s+(?=\d)")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower().strip(".!")).replace("’", "'")


def control_word(text: str) -> Action | None:
    """The control a typed message asks for ("back", "skip"…), if it is one."""
    said = _norm(text)
    return _CONTROL_WORDS.get(said) or _CONTROL_WORDS.get(said.rstrip("?").strip())


def match_option(labels: Sequence[tuple[str, Sequence[str]]], text: str) -> str | None:
    """Which option a typed answer means: its number, its words, or a yes/no synonym.

    ``labels`` pairs each option's value with the wordings shown for it.
    """
    said = _norm(text)
    if not said:
        return None
    number = _NUMBER_WORDS.get(said)
    if said.isascii() and said.isdigit():  # not "¹" or "٣", which isdigit() also accepts
        number = int(said)
    if number is not None and 1 <= number <= len(labels):
        return labels[number - 1][0]
    for value, wordings in labels:
        names = {_norm(value.replace("_", " "))} | {_norm(w) for w in wordings if w}
        if said in names or any(_strip_emoji(said) == _strip_emoji(n) for n in names):
            return value
    values = {value for value, _ in labels}
    for synonyms, value in ((_YES, "yes"), (_NO, "no"), (_NOT_SURE, "not_sure")):
        if value in values and said in synonyms:
            return value
    if len(said) >= 3:  # a word or two from one option's label ("parent", "special")
        pattern = re.compile(rf"\b{re.escape(said)}\b")
        partial = {
            v for v, wordings in labels if any(pattern.search(_norm(w)) for w in wordings if w)
        }
        if len(partial) == 1:
            return partial.pop()
    for value, wordings in labels:  # an emoji alone picks the option that shows it
        if any(said and said == w.strip() for w in wordings):
            return value
    return None


def _strip_emoji(text: str) -> str:
    return re.sub(r"[^\w\s']", "", text).strip()


def parse_number(text: str) -> float | None:
    said = _norm(text)
    if said in _NUMBER_WORDS:
        return _NUMBER_WORDS[said]
    try:
        value = float(said.replace(",", ""))
    except ValueError:
        return None
    return value if value == value and abs(value) < 1e12 else None  # not NaN, not silly


# --------------------------------------------------------------------------- the machine


class _Turn:
    """One call of :func:`advance`: the state being changed and what it produced."""

    def __init__(self, ctx: Context, conversation: Conversation, past: PastRuns) -> None:
        self.ctx = ctx
        self.conv = conversation
        self.past = past
        self.prompts: list[Prompt] = []
        self.events: list[Event] = []
        self.paused_run: RunState | None = None

    # ---- wording

    @property
    def language(self) -> str:
        return self.conv.profile.language or self.ctx.wording.base_language

    @property
    def easy(self) -> bool:
        return self.conv.profile.easy

    def say(self, key: str, **values: object) -> str:
        return self.ctx.wording.say(key, self.language, self.easy, **values)

    def read(self, plain: Text, easy: Text | None, *, wants_easy: bool | None = None) -> str:
        """A survey's words for this person, by the same rule as the wording and help card."""
        found = choose_text(
            plain.by_language,
            easy.by_language if easy else None,
            language=self.language,
            base=plain.base,
            wants_easy=self.easy if wants_easy is None else wants_easy,
        )
        assert found is not None, "loading guarantees a base-language text"
        return found[0]

    def show(self, kind: PromptKind, text: str, **more: Any) -> None:
        self.prompts.append(
            Prompt(
                kind=kind,
                text=text,
                speak=self.conv.profile.listen,
                easy=self.easy,
                language=self.language,
                **more,
            )
        )

    def button(self, key: str, action: Action, value: str = "") -> Button:
        return Button(self.say(key), Input(action, value))

    # ---- onboarding

    def start(self, survey_id: str) -> None:
        if survey_id:
            self.conv.pending_survey = survey_id
        if not self.conv.consented:
            self.conv.step = Step.CONSENT
            self.ask_consent()
            return
        self.continue_onboarding()

    def ask_consent(self) -> None:
        self.show(
            PromptKind.QUESTION,
            self.say("privacy", area_name=self.ctx.wording.say("area_name", self.language)),
            buttons=(
                self.button("button.start", Action.CHOOSE, "yes"),
                self.button("button.not_now", Action.CHOOSE, "no"),
                *self.other_languages(),
            ),
            accepts_text=True,
        )

    def other_languages(self) -> list[Button]:
        """The survey's other languages, each named in itself ("Polski"), on the privacy
        message: someone who reads Polish should not have to get through the privacy message,
        the role and the format in English before being asked which language they want."""
        survey = self.pending()
        if survey is None or len(survey.languages) < 2:
            return []
        return [
            Button(self.label(code, f"language.{code}"), Input(Action.LANGUAGE, code))
            for code in survey.languages
            if code != self.language
        ]

    def onboarding_choices(self, step: Step) -> list[tuple[str, str]]:
        """(value, wording key) pairs for an onboarding step."""
        profile = self.conv.profile
        if step is Step.CONSENT:
            return [("yes", "button.start"), ("no", "button.not_now")]
        if step is Step.ROLE:
            return [(r, f"role.{r}") for r in ROLES]
        if step is Step.AGE_BAND:
            return [(a, f"age_band.{a}") for a in AGE_BANDS]
        if step is Step.FORMAT:
            return [(f, f"format.{f}") for f in FORMATS]
        if step is Step.LANGUAGE:
            survey = self.pending()
            languages = survey.languages if survey else (self.ctx.wording.base_language,)
            return [(code, f"language.{code}") for code in languages]
        if step is Step.ANSWERING_AS:
            return [(a, f"answering_as.{a}") for a in ANSWERING_AS.get(profile.role or "", ())]
        if step is Step.MENU:
            return [(s.id, "") for s in self.menu_surveys()]
        return []

    def label(self, value: str, key: str) -> str:
        if key.startswith("language."):
            wording = self.ctx.wording
            return wording.say(key) if wording.has(key) else value
        if not key:  # a survey in the menu
            return menu_title(self.ctx.wording, self.ctx.surveys[value], self.language)
        return self.say(key)

    def ask_step(self, step: Step) -> None:
        self.conv.step = step
        if step is Step.CONSENT:
            self.ask_consent()
            return
        if step is Step.MENU:
            surveys = self.menu_surveys()
            if not surveys:
                self.conv.step = Step.IDLE
                self.show(PromptKind.INFO, self.say("no_surveys"))
                return
        question_key = {
            Step.ANSWERING_AS: f"ask.answering_as.{self.conv.profile.role}",
            Step.MENU: self.menu_question(),
        }.get(step, f"ask.{step.value}")
        choices = self.onboarding_choices(step)
        self.show(
            PromptKind.QUESTION,
            self.say(question_key),
            buttons=tuple(
                Button(
                    self.label(v, k), Input(Action.START if step is Step.MENU else Action.CHOOSE, v)
                )
                for v, k in choices
            ),
            accepts_text=True,
        )

    def pending(self) -> Survey | None:
        survey_id = self.conv.pending_survey
        return self.ctx.surveys.get(survey_id) if survey_id else None

    def menu_question(self) -> str:
        """Someone offered surveys written for others (nothing is yet for people who work
        with children) is told so, rather than left wondering why they are asked about
        "your child"."""
        role = self.conv.profile.role
        own = any(s.audience in ("any", role) for s in self.ctx.surveys.values())
        key = f"ask.survey.others.{role}"
        return key if not own and self.ctx.wording.has(key) else "ask.survey"

    def menu_surveys(self) -> list[Survey]:
        return surveys_to_offer(
            self.ctx.surveys.values(), self.conv.profile.role, self.past.completed
        )

    def continue_onboarding(self) -> None:
        profile = self.conv.profile
        survey = self.pending()
        if self.conv.pending_survey and survey is None:
            self.conv.pending_survey = None
        if profile.role is None:
            self.ask_step(Step.ROLE)
        elif profile.role == "young_person" and profile.age_band is None:
            self.ask_step(Step.AGE_BAND)
        elif profile.format is None:
            self.ask_step(Step.FORMAT)
        elif survey and len(survey.languages) > 1 and profile.language not in survey.languages:
            self.ask_step(Step.LANGUAGE)
        elif survey is None:
            if self.conv.run is not None:
                self.resume()
            else:
                self.ask_step(Step.MENU)
        else:
            self.begin(survey)

    def begin(self, survey: Survey) -> None:
        """Start the survey, or carry on with it if this person left it unfinished."""
        run = self.conv.run
        if run is not None and run.survey_id == survey.id:
            self.resume()
            return
        if survey.id in self.past.completed and survey.id not in self.past.unfinished:
            self.conv.pending_survey = None
            self.show(PromptKind.INFO, self.say("completed_already"))
            if run is not None:
                self.resume()
            else:
                self.ask_step(Step.MENU)
            return
        if run is not None:  # another survey was under way: set it aside, unfinished
            self.paused_run = run
            self.events.append(Event("run_paused", run_id=run.id, survey_id=run.survey_id))
            self.conv.run = None
        unfinished = self.past.unfinished.get(survey.id)
        if unfinished is not None:
            self.conv.run = unfinished
            self.conv.pending_survey = None
            self.resume()
            return
        if (
            ANSWERING_AS.get(self.conv.profile.role or "")
            and self.conv.step is not Step.ANSWERING_AS
        ):
            self.ask_step(Step.ANSWERING_AS)
            return
        self.new_run(survey, answering_as=None)

    def new_run(self, survey: Survey, answering_as: str | None) -> None:
        first = _next_question(survey, {}, after=None)
        run = RunState(
            id=uuid.uuid4().hex,
            survey_id=survey.id,
            version=survey.version,
            current=first.id if first else None,
            answering_as=answering_as or "self",
            source=self.conv.source,
        )
        self.conv.run = run
        self.conv.pending_survey = None
        self.events.append(
            Event("run_started", run_id=run.id, survey_id=survey.id, survey_version=survey.version)
        )
        intro = self.read(survey.intro, survey.intro_easy)
        self.show(PromptKind.INFO, f"{survey.title.get(self.language)}\n\n{intro}")
        if first is None:
            self.complete(survey)
        else:
            self.conv.step = Step.QUESTION
            self.ask(survey)

    def choose_onboarding(self, value: str) -> None:
        step = self.conv.step
        valid = {v for v, _ in self.onboarding_choices(step)}
        if value not in valid:
            self.show(PromptKind.PROBLEM, self.say("invalid.choice"))
            self.ask_step(step)
            return
        profile = self.conv.profile
        if step is Step.CONSENT:
            if value == "no":
                self.conv.step = Step.NEW
                self.conv.pending_survey = None
                self.show(PromptKind.INFO, self.say("not_now"))
                return
            self.conv.consented = True
            self.events.append(Event("consented"))
        elif step is Step.ROLE:
            profile.role = value
            if value != "young_person":
                profile.age_band = None
            self.events.append(Event("profile", field="role", value=value))
        elif step is Step.AGE_BAND:
            profile.age_band = value
            self.events.append(Event("profile", field="age_band", value=value))
            if value == "under_13":
                self.show(PromptKind.INFO, self.say("under_13_help"))
        elif step is Step.FORMAT:
            profile.format = value
            self.events.append(Event("profile", field="format", value=value))
        elif step is Step.LANGUAGE:
            profile.language = value
            self.events.append(Event("profile", field="language", value=value))
        elif step is Step.ANSWERING_AS:
            survey = self.pending()
            if survey is None:
                self.ask_step(Step.MENU)
                return
            self.new_run(survey, answering_as=value)
            return
        self.continue_onboarding()

    # ---- questions

    def survey(self) -> Survey | None:
        run = self.conv.run
        return self.ctx.surveys.get(run.survey_id) if run else None

    def question_text(self, question: Question) -> str:
        return self.read(question.text, question.easy)

    def option_label(self, question: Question, value: str) -> str:
        option = question.option(value)
        if option is None:
            return value
        if question.type is QuestionType.YES_NO:
            return option.text.get(self.language)
        label = self.read(option.text, option.easy)
        return f"{option.emoji} {label}" if option.emoji else label

    def ask(self, survey: Survey, lead: str = "") -> None:
        run = self.conv.run
        assert run is not None and run.current is not None
        question = survey.question(run.current)
        applicable = _applicable(survey, run.answers)
        n = next((i for i, q in enumerate(applicable, 1) if q.id == question.id), len(applicable))
        previous = run.answers.get(question.id)
        chosen = (
            set(run.selected)
            if question.type is QuestionType.MULTIPLE_CHOICE
            else ({previous} if isinstance(previous, str) else set())
        )
        buttons = tuple(
            Button(
                self.option_label(question, option.value),
                Input(Action.CHOOSE, option.value),
                selected=option.value in chosen,
            )
            for option in question.options
        )
        controls = [self.button("button.back", Action.BACK)] if run.history else []
        if question.type is QuestionType.MULTIPLE_CHOICE:
            controls.insert(0, self.button("button.done", Action.DONE))
        controls.append(self.button("button.skip", Action.SKIP))
        if question.rather_not_say:
            controls.append(self.button("button.rather_not_say", Action.RATHER_NOT_SAY))
        controls.append(self.button("button.not_understood", Action.NOT_UNDERSTOOD))
        controls.append(self.button("button.pause", Action.PAUSE))
        text = self.question_text(question)
        if lead:
            text = f"{lead}\n\n{text}"
        self.show(
            PromptKind.QUESTION,
            text,
            buttons=buttons,
            controls=tuple(controls),
            progress=self.say("progress", n=n, total=len(applicable)),
            question_id=question.id,
            question_type=question.type,
            multiple=question.type is QuestionType.MULTIPLE_CHOICE,
            accepts_text=True,
        )

    def record(self, survey: Survey, question: Question, value: Any, status: AnswerStatus) -> None:
        run = self.conv.run
        assert run is not None
        self.events.append(
            Event(
                "answer",
                run_id=run.id,
                survey_id=survey.id,
                survey_version=survey.version,
                question_id=question.id,
                value=value,
                status=status,
            )
        )
        run.answers[question.id] = value if status is AnswerStatus.ANSWERED else None
        run.selected = []
        if not run.history or run.history[-1] != question.id:
            run.history.append(question.id)
        for other in survey.questions:  # an answer changed by "back" may close a branch
            if other.id in run.answers and other.show_if and not other.show_if.holds(run.answers):
                del run.answers[other.id]
                self.events.append(
                    Event(
                        "answer_withdrawn", run_id=run.id, survey_id=survey.id, question_id=other.id
                    )
                )
        following = _next_question(survey, run.answers, after=question.id)
        if following is None:
            self.complete(survey)
        else:
            run.current = following.id
            self.ask(survey)

    def complete(self, survey: Survey) -> None:
        run = self.conv.run
        assert run is not None
        self.events.append(Event("run_completed", run_id=run.id, survey_id=survey.id))
        self.conv.run = None
        self.conv.step = Step.IDLE
        self.show(PromptKind.DONE, self.read(survey.thanks, survey.thanks_easy))

    def answer(self, survey: Survey, question: Question, action: Action, value: str) -> None:
        run = self.conv.run
        assert run is not None
        kind = question.type
        if kind is QuestionType.MULTIPLE_CHOICE:
            self.answer_many(survey, question, action, value)
            return
        if kind in (QuestionType.SINGLE_CHOICE, QuestionType.YES_NO, QuestionType.RATING):
            chosen = (
                value if action is Action.CHOOSE else match_option(self.labels(question), value)
            )
            if chosen is None or question.option(chosen) is None:
                self.show(PromptKind.PROBLEM, self.say("invalid.choice"))
                self.ask(survey)
                return
            self.show(
                PromptKind.CONFIRMATION,
                self.say("chose", answer=self.option_label(question, chosen)),
            )
            self.record(survey, question, chosen, AnswerStatus.ANSWERED)
            return
        if action is Action.CHOOSE:  # a stale button from an earlier question
            self.ask(survey)
            return
        if kind is QuestionType.NUMBER:
            self.answer_number(survey, question, value)
            return
        text = without_control_characters(value).strip()
        if not text:
            self.show(PromptKind.PROBLEM, self.say("invalid.empty"))
            self.ask(survey)
            return
        if len(text) > question.max_length:
            self.show(PromptKind.PROBLEM, self.too_long(question, text))
            self.ask(survey)
            return
        self.record(survey, question, text, AnswerStatus.ANSWERED)

    def too_long(self, question: Question, text: str) -> str:
        """Why an answer was too long. A postcode is never too long by accident: it is a
        whole one, where only the part before the space is asked for (and kept)."""
        if question.collects == "postcode_district":
            return self.say("invalid.postcode_district")
        length, limit = len(text), question.max_length
        language = self.language
        return self.say(
            "invalid.too_long", length=_count(length, language), limit=_count(limit, language)
        )

    def labels(self, question: Question) -> list[tuple[str, list[str]]]:
        out = []
        for option in question.options:
            wordings = [option.text.get(self.language), str(option.text)]
            if option.easy:
                wordings += [option.easy.get(self.language), str(option.easy)]
            if option.emoji:
                wordings.append(option.emoji)
            out.append((option.value, wordings))
        return out

    def answer_number(self, survey: Survey, question: Question, value: str) -> None:
        number = parse_number(value)
        low, high = question.min, question.max
        if number is None:
            self.show(PromptKind.PROBLEM, self.say("invalid.number"))
        elif (low is not None and number < low) or (high is not None and number > high):
            self.show(
                PromptKind.PROBLEM,
                self.say("invalid.number_range", min=_fmt(low, "…"), max=_fmt(high, "…")),
            )
        else:
            stored: float | int = int(number) if number == int(number) else number
            self.show(PromptKind.CONFIRMATION, self.say("chose", answer=_fmt(stored, "")))
            self.record(survey, question, stored, AnswerStatus.ANSWERED)
            return
        self.ask(survey)

    def answer_many(self, survey: Survey, question: Question, action: Action, value: str) -> None:
        run = self.conv.run
        assert run is not None
        if action is Action.CHOOSE:
            option = question.option(value)
            if option is None:
                self.ask(survey)
                return
            if value in run.selected:
                run.selected.remove(value)
            elif option.exclusive:
                run.selected = [value]
            else:
                run.selected = [v for v in run.selected if not _is_exclusive(question, v)] + [value]
            self.ask(survey)
            return
        if action is Action.DONE:
            chosen = list(run.selected)
        else:
            parts = [p for p in _SPLIT.split(value) if p and p.strip()]
            labels = self.labels(question)
            matches = [match_option(labels, part) for part in parts] or [None]
            if None in matches:
                self.show(PromptKind.PROBLEM, self.say("invalid.many"))
                self.ask(survey)
                return
            chosen = list(dict.fromkeys(m for m in matches if m))
        if not chosen:
            self.show(PromptKind.PROBLEM, self.say("chose_none"))
            self.ask(survey)
            return
        chosen = [v for v in (o.value for o in question.options) if v in chosen]
        labels_text = ", ".join(self.option_label(question, v) for v in chosen)
        self.show(PromptKind.CONFIRMATION, self.say("chose_many", answer=labels_text))
        self.record(survey, question, chosen, AnswerStatus.ANSWERED)

    def back(self, survey: Survey) -> None:
        run = self.conv.run
        assert run is not None
        if not run.history:
            self.show(PromptKind.INFO, self.say("nothing_to_go_back_to"))
            self.ask(survey)
            return
        run.current = run.history.pop()
        previous = run.answers.get(run.current)
        run.selected = list(previous) if isinstance(previous, list) else []
        self.ask(survey, lead=self.say("going_back"))

    def not_understood(self, survey: Survey, question: Question) -> None:
        run = self.conv.run
        assert run is not None
        self.events.append(
            Event("not_understood", run_id=run.id, survey_id=survey.id, question_id=question.id)
        )
        parts = []
        # Easier words only if they are not what the person just read (easy read already on,
        # or no easy version in their language).
        easier = self.read(question.text, question.easy, wants_easy=True)
        if easier != self.question_text(question):
            parts.append(f"{self.say('not_understood.easy_version')}\n{easier}")
        if question.hint is not None:
            parts.append(f"{self.say('not_understood.hint')}\n{question.hint.get(self.language)}")
        lead = "\n\n".join(parts) or self.say("not_understood.none")
        self.show(PromptKind.INFO, lead)
        self.ask(survey)

    def control_in_own_words(self, text: str) -> Action | None:
        """A control typed as its button reads in the person's language ("Pomiń")."""
        said = _strip_emoji(_norm(text))
        for key, action in _CONTROL_BUTTONS.items():
            if said and said == _strip_emoji(_norm(self.say(key))):
                return action
        return None

    def pause(self) -> None:
        run = self.conv.run
        self.conv.step = Step.PAUSED
        if run is not None:
            self.events.append(Event("run_paused", run_id=run.id, survey_id=run.survey_id))
        self.show(
            PromptKind.INFO,
            self.say("paused"),
            buttons=(self.button("button.resume", Action.RESUME),),
        )

    def resume(self) -> None:
        survey = self.survey()
        run = self.conv.run
        if (
            survey is None
            or run is None
            or run.current is None
            or not survey.has_question(run.current)
        ):
            self.conv.run = None
            self.ask_step(Step.MENU)
            return
        self.conv.step = Step.QUESTION
        self.events.append(Event("run_resumed", run_id=run.id, survey_id=run.survey_id))
        self.ask(survey, lead=self.say("resume"))

    def in_question(self, action: Action, value: str) -> None:
        survey = self.survey()
        run = self.conv.run
        if (
            survey is None
            or run is None
            or run.current is None
            or not survey.has_question(run.current)
        ):
            self.conv.run = None  # the survey was withdrawn while this person was away
            self.ask_step(Step.MENU)
            return
        question = survey.question(run.current)
        if action is Action.TEXT:
            action = control_word(value) or self.control_in_own_words(value) or action
        if action is Action.BACK:
            self.back(survey)
        elif action is Action.SKIP:
            if question.required:
                self.show(PromptKind.INFO, self.say("required_skipped"))
            else:
                self.show(PromptKind.CONFIRMATION, self.say("skipped"))
            self.record(survey, question, None, AnswerStatus.SKIPPED)
        elif action is Action.RATHER_NOT_SAY:
            self.show(PromptKind.CONFIRMATION, self.say("rather_not_say_noted"))
            self.record(survey, question, None, AnswerStatus.RATHER_NOT_SAY)
        elif action is Action.NOT_UNDERSTOOD:
            self.not_understood(survey, question)
        elif action is Action.PAUSE:
            self.pause()
        elif action is Action.RESUME:
            self.resume()
        elif action is Action.OTHER:
            self.show(PromptKind.PROBLEM, self.say("invalid.not_text"))
            self.ask(survey)
        else:
            self.answer(survey, question, action, value)

    def change_setting(self, action: Action, value: str) -> None:
        profile = self.conv.profile
        if action is Action.LANGUAGE:
            survey = self.survey() or self.pending()
            allowed = survey.languages if survey else (self.ctx.wording.base_language,)
            if value in allowed:
                profile.language = value
                if self.conv.consented:  # before, it is only where the chat is up to
                    self.events.append(Event("profile", field="language", value=value))
        elif value in FORMATS:
            profile.format = value
            self.events.append(Event("profile", field="format", value=value))
            # Said, not only shown: a changed keyboard is easy to miss, and "Listen" has no
            # screen change at all until the next question.
            self.show(
                PromptKind.INFO, self.say("format_changed", value=self.say(f"format.{value}"))
            )
        self.repeat()

    def repeat(self) -> None:
        """Show again whatever the person is being asked now."""
        step = self.conv.step
        survey = self.survey()
        if step is Step.QUESTION and survey is not None and self.conv.run and self.conv.run.current:
            self.ask(survey)
        elif step in (
            Step.CONSENT,
            Step.ROLE,
            Step.AGE_BAND,
            Step.FORMAT,
            Step.LANGUAGE,
            Step.ANSWERING_AS,
            Step.MENU,
        ):
            self.ask_step(step)
        elif step is Step.PAUSED:
            self.pause()
        else:
            self.show(PromptKind.INFO, self.say("idle"))


_CONTROL_BUTTONS = {
    "button.back": Action.BACK,
    "button.skip": Action.SKIP,
    "button.rather_not_say": Action.RATHER_NOT_SAY,
    "button.not_understood": Action.NOT_UNDERSTOOD,
    "button.pause": Action.PAUSE,
}
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_control_characters(text: str) -> str:
    # A NUL or other control character is never meant, and PostgreSQL refuses NUL in text.
    return _CONTROL_CHARACTERS.sub("", text)


def _is_exclusive(question: Question, value: str) -> bool:
    option = question.option(value)
    return bool(option and option.exclusive)


def _fmt(number: float | int | None, missing: str) -> str:
    if number is None:
        return missing
    return str(int(number)) if float(number).is_integer() else str(number)


def _count(number: int, language: str) -> str:
    """A count as the reader writes numbers: English 1,200 is 1 200 in Polish, where
    "1,200" would read as one and a fifth."""
    try:
        return format_decimal(number, locale=language)
    except (UnknownLocaleError, ValueError):
        return f"{number:,}"


def _applicable(survey: Survey, answers: dict[str, Any]) -> list[Question]:
    return [q for q in survey.questions if q.show_if is None or q.show_if.holds(answers)]


def _next_question(survey: Survey, answers: dict[str, Any], after: str | None) -> Question | None:
    start = 0 if after is None else survey.position(after) + 1
    for question in survey.questions[start:]:
        if question.show_if is None or question.show_if.holds(answers):
            return question
    return None


_ONBOARDING = {
    Step.CONSENT,
    Step.ROLE,
    Step.AGE_BAND,
    Step.FORMAT,
    Step.LANGUAGE,
    Step.ANSWERING_AS,
    Step.MENU,
}


def advance(
    ctx: Context,
    conversation: Conversation,
    given: Input,
    past: PastRuns = NO_PAST_RUNS,
) -> Outcome:
    """Take one input and return the new state, what to record and what to say.

    ``conversation`` is changed in place and returned in the outcome. ``past`` holds the
    person's earlier runs, looked up by the store when a survey may start
    (see :func:`needs_past_runs`).
    """
    turn = _Turn(ctx, conversation, past)
    step = conversation.step
    action, value = given.action, given.value
    if action is Action.START:
        turn.start(value)
    elif action in (Action.LANGUAGE, Action.FORMAT):
        turn.change_setting(action, value)
    elif step in _ONBOARDING:
        _onboarding_input(turn, step, action, value)
    elif step is Step.QUESTION:
        turn.in_question(action, value)
    elif step is Step.PAUSED:
        if action is Action.TEXT and control_word(value) is None and value.strip():
            turn.resume()  # a person who writes after pausing wants to carry on
        elif action in (Action.RESUME, Action.TEXT, Action.CHOOSE, Action.DONE, Action.BACK):
            turn.resume()
        else:
            turn.pause()
    elif action is Action.RESUME and conversation.run is not None:
        turn.resume()
    else:  # NEW or IDLE: nothing is being asked
        if step is Step.NEW:
            turn.start("")
        else:
            turn.show(PromptKind.INFO, turn.say("idle"))
    return Outcome(conversation, turn.prompts, turn.events, turn.paused_run)


def _onboarding_input(turn: _Turn, step: Step, action: Action, value: str) -> None:
    if action is Action.CHOOSE:
        turn.choose_onboarding(value)
    elif action is Action.TEXT:
        choices = [(v, [turn.label(v, k)]) for v, k in turn.onboarding_choices(step)]
        matched = match_option(choices, value)
        if matched is None:
            turn.show(PromptKind.PROBLEM, turn.say("invalid.choice"))
            turn.ask_step(step)
        elif step is Step.MENU:
            turn.start(matched)
        else:
            turn.choose_onboarding(matched)
    elif action is Action.RESUME and turn.conv.run is not None and step is not Step.CONSENT:
        turn.resume()
    else:
        turn.ask_step(step)


def needs_past_runs(conversation: Conversation, given: Input) -> bool:
    """Whether :func:`advance` may start a survey, and so needs the unfinished runs."""
    return given.action is Action.START or conversation.step in _ONBOARDING


# --------------------------------------------------------------------------- showing again


def show_again(
    ctx: Context, conversation: Conversation, past: PastRuns = NO_PAST_RUNS
) -> list[Prompt]:
    """What the person is being asked now, shown again without changing anything.

    For a channel that draws a whole page from the state (a web page being reloaded, or opened
    on another device). A person who has not started yet is shown the privacy message.
    """
    turn = _Turn(ctx, Conversation.from_json(conversation.to_json()), past)
    if conversation.step is Step.NEW:
        turn.ask_consent()
    else:
        turn.repeat()
    return turn.prompts
