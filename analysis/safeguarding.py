"""Noticing when someone may be saying they are not safe, and answering at once.

Every free-text answer passes :func:`screen` inside the same transaction that stores it (see
``SurveyService(screen=...)``). On a match the person gets, before anything else, a calm reply
with the signposting card (999 first when the danger sounds immediate) that says a person at
the council may need to help keep them safe — never that it is secret — and the service keeps
a restricted :class:`~surveys.models.SafeguardingAlert` and keeps the answer out of analysis.

Detection is rules over the same normalised words as the tagger (text-speak spelled out,
misspellings repaired), written for how children, young people and parents actually say
these things: directly ("I want to kill myself"), indirectly ("no one would notice if I was
gone"), literally ("he locks me in my room"), in dialect ("me mam's done me with the hoover
lead"). Each cue is strong (enough alone) or a hint (two needed), and figures of speech are
let go: "this wait is killing me", "I nearly died laughing", "I'd kill for a night's sleep".
It errs towards asking a person to look: a missed disclosure costs far more than a false one.

Polish has rules of its own (:mod:`analysis.safeguarding_pl`, still to be reviewed by a
Polish-speaking safeguarding lead), and every answer meets both tables whatever language the
person chose: people write in the language that comes to them, not the one they picked.
"""

# The rule table keeps each pattern on one line, so it reads as a list: long lines allowed.
# ruff: noqa: E501
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from analysis import safeguarding_pl
from analysis.text import Normaliser, sentences
from config.settings import CONFIG_DIR
from surveys.reading import choose_text
from surveys.service import RiskFinding
from surveys.wording import Wording

DEFAULT_SIGNPOSTING_PATH = CONFIG_DIR / "signposting.yaml"
STRONG, HINT = 1.0, 0.5
_EXCERPT_LIMIT = 400

# Words the screen cares about, so misspellings of them are repaired ("sucidal", "cuting").
RISK_VOCABULARY = [
    "suicide",
    "suicidal",
    "overdose",
    "overdosed",
    "harming",
    "harmed",
    "cutting",
    "bleeding",
    "bruises",
    "bruised",
    "strangled",
    "strangles",
    "choking",
    "touching",
    "touches",
    "frightened",
    "terrified",
    "scared",
    "hitting",
    "hits",
    "kicking",
    "punching",
    "punches",
    "slapping",
    "threatened",
    "threatens",
    "weapon",
    "knife",
    "tablets",
    "pills",
    "paracetamol",
    "hanging",
    "myself",
    "nobody",
    "anymore",
    "goodbye",
    "secret",
    "believe",
    "neglected",
    "hungry",
    "starving",
    "boyfriend",
    "stepdad",
    "packages",
    "county",
    "missing",
    "groomed",
    "grooming",
    "pictures",
    "nudes",
    "drunk",
    "smashed",
    "violent",
    "violence",
    "abuse",
    "abused",
    "abusing",
    "unsafe",
    "sleeping",
    "kicked",
]

_PERSON = (
    r"(?:dad|mum|mam|mom|mother|father|step ?dad|stepdad|step ?mum|stepmum|uncle|aunt|auntie|"
    r"grandad|grandpa|nan|brother|sister|cousin|boyfriend|girlfriend|fella|partner|husband|"
    r"wife|ex|carer|teacher|he|she|they|someone|somebody|a man|a lad|a woman|him|her)"
)
_VIOLENCE = (
    r"(?:hits?|hitting|beats?|beating|kicks?|kicked|kicking|punch(?:es|ed|ing)?|slap(?:s|ped|"
    r"ping)?|chokes?|choked|choking|strangles?|strangled|hurts?|hurting|burns?|burnt|burned|"
    r"shoves?|shoved|pushe[sd]|push|grab(?:s|bed)|bit|bites|battered|batters|leathered|belted|"
    r"lamped|smacks?|smacked|whack(?:s|ed)|throws things at)"
)


@dataclass(frozen=True, slots=True)
class _Rule:
    category: str
    weight: float
    pattern: re.Pattern[str]
    immediate: bool = False
    # Words that are never a figure of speech ("I don't feel safe at home"): no joke, game or
    # lesson in the same sentence lets them go.
    plain: bool = False


def _rule(
    category: str, weight: float, pattern: str, immediate: bool = False, plain: bool = False
) -> _Rule:
    return _Rule(category, weight, re.compile(rf"\b{pattern}\b"), immediate, plain)


_RULES: tuple[_Rule, ...] = (
    # suicide: direct, indirect, plans and means
    _rule(
        "suicide",
        STRONG,
        r"(?:kill|killing|end|ending|take|taking) (?:myself|my own life|my life|it all)",
    ),
    _rule("suicide", STRONG, r"suicid\w*"),
    _rule("suicide", STRONG, r"unalive\w*"),
    _rule("suicide", STRONG, r"(?:want|wanted|wanting|wish|going|ready) to die"),
    _rule("suicide", STRONG, r"wish (?:i was|i were|i had never been) (?:dead|born)"),
    _rule("suicide", STRONG, r"(?:better off|be better) (?:dead|without me)"),
    _rule(
        "suicide",
        STRONG,
        r"(?:dont|do not|didnt|never) want to (?:be here|live|be alive|exist|wake up|be around)",
    ),
    _rule("suicide", STRONG, r"(?:sleep|go to sleep) and (?:not|never) wake up"),
    _rule(
        "suicide",
        STRONG,
        r"no (?:point|reason) (?:in |to )?(?:living|live|being alive|going on|being here)",
    ),
    _rule(
        "suicide", STRONG, r"what is the point (?:in|of) (?:living|life|being alive|being here|me)"
    ),
    _rule(
        "suicide", STRONG, r"(?:nobody|everyone) would (?:even )?(?:notice|care|miss me|be happier)"
    ),
    _rule("suicide", STRONG, r"(?:want|wanna|going) to end it", immediate=False),
    _rule("suicide", STRONG, r"hang(?:ing)? myself"),
    _rule("suicide", STRONG, r"(?:goodbye|suicide) (?:letter|note)", immediate=True),
    _rule("suicide", STRONG, r"(?:jump|jumping|throw myself) (?:off|in front of)", immediate=True),
    _rule(
        "suicide",
        STRONG,
        r"(?:saving|saved|stockpiling) (?:up )?(?:my |her |his )?(?:tablets|pills|meds|medication)",
        immediate=True,
    ),
    _rule("suicide", STRONG, r"planning (?:how|when) to (?:do it|end it|kill)", immediate=True),
    _rule(
        "suicide",
        STRONG,
        r"(?:drive|driving|crash|crashing|steer) (?:the car |my car )?into (?:a|the) (?:wall|tree|lorry|river|bridge)",
    ),
    _rule("suicide", STRONG, r"point (?:in|of) (?:living|being alive|going on|being here|life)"),
    _rule("suicide", HINT, r"rope"),
    _rule("suicide", HINT, r"(?:cant|cannot) (?:go on|do this any ?more|carry on|keep going)"),
    _rule("suicide", HINT, r"(?:disappear|not be here) (?:forever|for good)"),
    # self-harm
    _rule(
        "self_harm",
        STRONG,
        r"(?:cut|cutting|cuts|burn|burning|burnt|burned|scratch|scratching|hurt|hurting|harm|harming|hit|hitting|punch|punching|bite|biting|starve|starving|bang|banging|make) (?:myself|my self|my arms?|my legs?|my wrists?|my skin|my head)(?! (?:laughing|up|out))",
    ),
    _rule("self_harm", STRONG, r"self ?harm\w*"),
    _rule("self_harm", STRONG, r"(?:been|started|keep|start) cutting"),
    _rule("self_harm", STRONG, r"cutting again"),
    _rule(
        "self_harm",
        STRONG,
        r"(?:taking|took|taken|take) (?:extra|more|too many|loads of|a load of|all (?:of )?(?:my|her|his)) (?:of )?(?:my |her |his )?(?:tablets|pills|paracetamol|meds|medication)",
    ),
    _rule("self_harm", STRONG, r"overdos\w*", immediate=True),
    _rule("self_harm", STRONG, r"(?:till|until) (?:it|they|i) (?:hurts?|bleeds?|bleed)"),
    _rule("self_harm", HINT, r"on purpose"),
    # abuse: someone hurting the child or young person, secrets and threats
    _rule("abuse", STRONG, rf"{_VIOLENCE} (?:me|us)(?! at )"),
    _rule("abuse", STRONG, r"(?:touches|touched|touching|feels|felt) me"),
    _rule("abuse", STRONG, r"makes? me do (?:stuff|things|stuf)"),
    _rule("abuse", STRONG, r"(?:our|a) (?:little )?secret"),
    _rule("abuse", STRONG, r"(?:nobody|no one) (?:will|would|wont) believe me"),
    _rule("abuse", STRONG, r"(?:keep|keeps|keeping) (?:it |this |them )?(?:a )?secrets?"),
    _rule("abuse", STRONG, r"(?:trouble|hurt|taken away|my fault) if i (?:tell|told)"),
    _rule("abuse", STRONG, r"rape|raped|raping|molest\w*|sexual(?:ly)? (?:abus\w*|assault\w*)"),
    _rule("abuse", STRONG, r"abus(?:es|ed|ing) me"),
    _rule("abuse", STRONG, r"(?:does|did|doing|do) (?:stuff|things) to me"),
    _rule(
        "abuse",
        STRONG,
        r"(?:get|gets|got|getting|been|being) (?:beaten|beat up|hit|battered|hurt|kicked|punched|slapped|smacked) (?:at home|by|every|when)",
    ),
    _rule("abuse", HINT, r"if i (?:tell|told)"),
    _rule(
        "abuse", STRONG, r"if i tell (?:anyone|anybody|someone|my \w+|the social|a teacher|school)"
    ),
    _rule("abuse", STRONG, r"(?:locks|locked|lock) me (?:in|out)"),
    _rule("abuse", STRONG, r"done me (?:with|over|in)"),
    _rule("abuse", STRONG, r"with (?:his|her|a|the) belt"),
    _rule("abuse", STRONG, r"rough with (?:him|her|me|them)"),
    _rule("abuse", HINT, r"bruis\w*"),
    _rule("abuse", HINT, r"(?:scared|frightened|terrified|afraid) of (?:my )?" + _PERSON),
    _rule("abuse", HINT, r"(?:screams|scared|frightened) when (?:he|she) sees"),
    _rule("abuse", HINT, r"taken away"),
    # domestic violence
    _rule("domestic_violence", STRONG, rf"{_VIOLENCE} (?:my )?(?:mum|mam|mom|mother|wife)"),
    _rule(
        "domestic_violence",
        STRONG,
        rf"(?:husband|partner|my ex|his ex|her ex|wife)\b.{{0,60}}\b{_VIOLENCE} me",
    ),
    _rule("domestic_violence", STRONG, r"by (?:the|her|my) (?:neck|throat|hair)"),
    _rule("domestic_violence", STRONG, r"(?:controls|controlling) (?:all )?(?:the|my|our) money"),
    _rule(
        "domestic_violence",
        STRONG,
        r"scared of what (?:he|she) (?:will |would |might )?(?:do|does)",
    ),
    _rule("domestic_violence", STRONG, r"domestic (?:abuse|violence)"),
    _rule("domestic_violence", STRONG, r"(?:shouts|screams) and throws"),
    _rule("domestic_violence", HINT, r"(?:wont|will not|doesnt) let me (?:go|see|leave|take|have)"),
    _rule(
        "domestic_violence",
        HINT,
        r"(?:says|calls me|tells me) (?:i am|im) (?:useless|worthless|stupid|nothing)",
    ),
    _rule("domestic_violence", HINT, r"(?:children|kids) hide"),
    # neglect
    _rule("neglect", STRONG, r"no food in the (?:house|flat|home)"),
    _rule(
        "neglect",
        STRONG,
        r"(?:never|no|isnt|is not|not) (?:any |enough )?food (?:at home|in the house|in the flat)",
    ),
    _rule("neglect", STRONG, r"(?:always|constantly|really) hungry"),
    _rule(
        "neglect",
        STRONG,
        r"(?:hungry|starving) (?:all the time|every day|most days|most nights|all day)",
    ),
    _rule(
        "neglect",
        STRONG,
        r"(?:no|without) (?:tea|dinner|breakfast|food|tea most) (?:most|every|at all|again)",
    ),
    _rule("neglect", STRONG, r"with no (?:tea|dinner|food)"),
    _rule("neglect", STRONG, r"(?:dont|never|do not) get (?:any )?(?:food|fed|tea|dinner)"),
    _rule(
        "neglect",
        STRONG,
        r"nobody (?:washes|changes|feeds|cooks|looks after|picks me up|comes looking|cares for)",
    ),
    _rule(
        "neglect",
        STRONG,
        r"(?:left|leaves me|leave me) (?:home )?(?:alone|on my own|by myself) (?:all night|overnight|for days)",
    ),
    _rule("neglect", HINT, r"sleep in my clothes"),
    _rule("neglect", HINT, r"bed is (?:wet|dirty)"),
    _rule("neglect", HINT, r"(?:there is|theres|there are|got) (?:mice|rats)"),
    _rule("neglect", HINT, r"no (?:electric|electricity|heating|gas|hot water)"),
    _rule("neglect", HINT, r"(?:say|says) i smell"),
    _rule("neglect", HINT, r"(?:sort|make|get) my own (?:tea|dinner|food)"),
    _rule("neglect", HINT, r"sleeps all day"),
    _rule("neglect", HINT, r"look after my (?:baby |little )?(?:brother|sister|siblings)"),
    _rule("neglect", HINT, r"in just a nappy"),
    _rule("neglect", HINT, r"out in the street at"),
    _rule("neglect", HINT, r"nobody picks me up"),
    # exploitation
    _rule(
        "exploitation",
        STRONG,
        r"(?:take|taking|carry|carrying|drop|dropping|deliver\w*) (?:packages|parcels|bags|stuff)",
    ),
    _rule("exploitation", STRONG, r"county lines"),
    _rule(
        "exploitation",
        STRONG,
        r"(?:make|makes|made|get|gets|got) me (?:sell|deal|carry|move|run|hold|take)",
    ),
    _rule(
        "exploitation",
        STRONG,
        r"(?:carry|carrying|sell|selling|deal|dealing|move|moving|run|running) (?:drugs|weed|gear|stuff for)",
    ),
    _rule(
        "exploitation",
        STRONG,
        r"(?:send|sending|sent) (?:him |them |her |a man )?(?:pics|pictures|nudes|photos|naked)",
    ),
    _rule(
        "exploitation",
        HINT,
        r"met (?:him |her |them )?(?:on|online|through) (?:snapchat|instagram|tiktok|discord|roblox|a game|the internet|online)",
    ),
    _rule("exploitation", STRONG, r"(?:paid|pay me|pays me) in (?:vapes|weed|drugs|cash|trainers)"),
    _rule("exploitation", STRONG, r"(?:go|going) to (?:houses|flats) for (?:them|him)"),
    _rule(
        "exploitation",
        STRONG,
        r"(?:hold|holding|keep|keeping|hide|hiding) (?:a knife|a gun|a blade|drugs|a package|stuff|weed) for (?:him|them)",
    ),
    _rule(
        "exploitation",
        STRONG,
        r"(?:asking|asks|asked|wants|wanted) (?:me )?for (?:pics|pictures|nudes|photos|naked)",
    ),
    _rule("exploitation", STRONG, r"(?:keeps|kept|keep) going missing"),
    _rule("exploitation", STRONG, r"(?:goes|went|going) missing overnight"),
    _rule(
        "exploitation", STRONG, r"give (?:me|her|him) (?:weed|drugs|money|vapes|alcohol|fags|cash)"
    ),
    _rule("exploitation", STRONG, r"much older (?:men|man|lads|boys|boyfriend)"),
    _rule("exploitation", HINT, r"older (?:lads|boys|men|man|guys|blokes)"),
    _rule("exploitation", HINT, r"(?:man|guy|someone|person|boy|lad) online"),
    _rule("exploitation", HINT, r"wants to meet(?: up)?"),
    _rule("exploitation", HINT, r"(?:says|said) (?:he|she) loves me"),
    _rule("exploitation", HINT, r"(?:havent|not|never) told anyone"),
    _rule("exploitation", HINT, r"(?:new|two) (?:trainers|phones)"),
    _rule("exploitation", HINT, r"(?:1[89]|2\d) year old .{0,60}\b1[0-5] year old"),
    _rule("exploitation", HINT, r"alcohol and lifts|giving her alcohol"),
    _rule("exploitation", HINT, r"lying about where (?:she|he) goes"),
    # unsafe: at home, with someone, nowhere to sleep, weapons, threats
    _rule("unsafe", STRONG, r"(?:dont|do not|didnt|never) feel safe", plain=True),
    _rule("unsafe", STRONG, r"(?:not|never) safe (?:at home|here|with|there|in my)", plain=True),
    _rule("unsafe", STRONG, r"unsafe (?:at home|here|with)", plain=True),
    _rule(
        "unsafe",
        STRONG,
        r"(?:scared|frightened|afraid|terrified) (?:at home|to go home|of going home)",
    ),
    _rule(
        "unsafe", STRONG, r"(?:sleeping|slept|sleep) (?:rough|in the park|on the streets?|in a car)"
    ),
    _rule("unsafe", STRONG, r"nowhere to (?:sleep|live|stay)", plain=True),
    _rule("unsafe", STRONG, r"(?:use it|stab|knife) (?:on )?me", immediate=True),
    _rule(
        "unsafe",
        STRONG,
        r"(?:threaten\w*|says|said) (?:he|she|they) (?:will|would|wants to|is going to) (?:kill|stab|hurt|batter) me",
    ),
    _rule("unsafe", STRONG, r"(?:hell|shell|theyll|he will|she will|they will) hurt (?:me|my mum)"),
    _rule("unsafe", STRONG, r"do me in", immediate=True),
    _rule(
        "unsafe",
        STRONG,
        r"or (?:they|he|she) (?:would |will |d |ll )?(?:hurt|kill|stab|batter|beat)",
    ),
    _rule("unsafe", STRONG, r"(?:ran|run|running) away from home", plain=True),
    _rule("unsafe", HINT, r"(?:dont|do not) want to go home"),
    _rule("unsafe", HINT, r"kicked out"),
    _rule(
        "unsafe",
        HINT,
        r"(?:sleeping|slept|staying) (?:at|on|in) (?:different |my |)(?:mates|friends|sofas|sofa)",
    ),
    _rule(
        "unsafe",
        STRONG,
        r"(?:sleeping|slept)\b.{0,40}\b(?:in the park|on the streets?|rough|in a car|in a tent)",
    ),
    _rule("unsafe", HINT, r"drunk (?:again|every)"),
    _rule("unsafe", HINT, r"smashed"),
    _rule("unsafe", HINT, r"(?:knife|gun|blade|machete)"),
    _rule("unsafe", HINT, r"(?:she|he) means it"),
    _rule("unsafe", HINT, r"(?:scared|frightened|terrified|afraid) of (?:my )?" + _PERSON),
)

# Figures of speech and safe contexts that undo a match in the same sentence.
_FIGURATIVE = re.compile(
    r"\b(?:laugh\w*|lol|haha\w*|lmao|embarrass\w*|dying to know|to know|video game|in a game|"
    r"fortnite|fifa|minecraft|roblox|playing|football|table tennis|film|assembly|lesson|"
    r"awareness|training|prevention|course|on the news|by accident|accidentally)\b|[😂🤣]"
)
_CLARIFIED = re.compile(
    r"\b(?:at|in) (?:this|that|my|the) (?:school|college|class|place|job)\b|\bi mean\b"
)
_RECOVERED = re.compile(
    r"\b(?:\w+ (?:years?|months?) ago|used to|when (?:she|he|i) was (?:younger|little|\d+))\b.*"
    r"\b(?:doing (?:really |so )?well|better now|much better|stopped|recovered|fantastic|"
    r"great now)\b"
)
# A parent describing their own child's distressed behaviour ("my son hits me in a meltdown")
# is asking for help with behaviour, not disclosing abuse of the child.
_CHILD_BEHAVIOUR = re.compile(
    r"\bmy (?:son|daughter|child|boy|girl|lad)\b.*\b(?:meltdown\w*|behaviour|overwhelm\w*|"
    r"frustrat\w*|kicks off|autis\w*|adhd|dysregulat\w*|sensory)\b"
)
_NOW = re.compile(r"\b(?:right now|now|tonight|today|this minute|as we speak|at the moment)\b")
# When two kinds score the same, the more specific one names the alert.
_PRECEDENCE = (
    "suicide",
    "self_harm",
    "domestic_violence",
    "exploitation",
    "neglect",
    "abuse",
    "unsafe",
)
_IMMEDIATE_CATEGORIES = {"suicide", "self_harm", "abuse", "unsafe", "domestic_violence"}


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    """What the screen found: the main kind of risk, how urgent, and why."""

    category: (
        str  # suicide | self_harm | abuse | neglect | domestic_violence | exploitation | unsafe
    )
    level: str  # immediate | concern
    excerpt: str
    reasons: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _normaliser() -> Normaliser:
    return Normaliser(RISK_VOCABULARY)


def assess(text: str) -> RiskAssessment | None:
    """A possible disclosure of risk in ``text``, or None. Never raises on odd input."""
    if not text or not text.strip():
        return None
    normaliser = _normaliser()
    weights: dict[str, float] = {}
    reasons: list[str] = []
    spans: list[tuple[int, int]] = []
    immediate = False
    whole = " ".join(t.text for t in normaliser.tokens(text))
    polish = safeguarding_pl.might_match(text)
    for start, end in sentences(text):
        tokens = normaliser.tokens(text[start:end])
        words = " ".join(t.text for t in tokens)
        if not words:
            continue
        for rule in _RULES:
            match = rule.pattern.search(words)
            if match is None or _let_go(rule, words, match, whole):
                continue
            weights[rule.category] = weights.get(rule.category, 0.0) + rule.weight
            reasons.append(f"{rule.category}: {match.group(0)!r}")
            spans.append((start, end))
            if rule.immediate or (
                rule.category in _IMMEDIATE_CATEGORIES
                and rule.weight == STRONG
                and _NOW.search(words)
            ):
                immediate = True
        for found in safeguarding_pl.findings(text[start:end], text) if polish else ():
            weights[found.category] = weights.get(found.category, 0.0) + found.weight
            reasons.append(found.reason)
            spans.append((start, end))
            if found.immediate or (
                found.category in _IMMEDIATE_CATEGORIES and found.weight == STRONG and found.now
            ):
                immediate = True
    total = sum(weights.values())
    if total < STRONG:
        return None
    ranked = sorted(weights, key=lambda c: (-weights[c], _PRECEDENCE.index(c)))
    return RiskAssessment(
        category=ranked[0],
        level="immediate" if immediate else "concern",
        excerpt=_excerpt(text, spans),
        reasons=list(dict.fromkeys(reasons)),
        categories=ranked,
    )


# Someone doing something to the child: a joke, a game or a lesson in the same sentence never
# lets these go ("a man I met on roblox keeps asking me for pics", "I'm embarrassed to say
# this but my dad hits me", "he hits me when I get home from football").
_DONE_TO_ME = frozenset({"abuse", "exploitation", "domestic_violence", "neglect"})


def _let_go(rule: _Rule, words: str, match: re.Match[str], whole: str) -> bool:
    """True when the match is a figure of speech, a game, or clearly about the past."""
    if not rule.plain and rule.category not in _DONE_TO_ME and _FIGURATIVE.search(words):
        return True
    if rule.category == "abuse" and _CHILD_BEHAVIOUR.search(words):
        return True
    after = words[match.end() : match.end() + 40]
    if rule.category == "suicide" and _CLARIFIED.search(after):
        return True
    return rule.category == "self_harm" and bool(_RECOVERED.search(whole))


def _excerpt(text: str, spans: list[tuple[int, int]]) -> str:
    chosen = sorted(set(spans))
    excerpt = " … ".join(" ".join(text[s:e].split()) for s, e in chosen)
    if len(excerpt) > _EXCERPT_LIMIT:
        excerpt = excerpt[: _EXCERPT_LIMIT - 1].rstrip() + "…"
    return excerpt


# ---------------------------------------------------------------------- the reply


class SignpostingError(ValueError):
    """The signposting file is missing something the card needs, or is malformed."""


@dataclass(frozen=True, slots=True)
class Words:
    """Text and the language it is really in: the person's, or English when not translated.

    The web page marks a line that fell back to English with ``lang``, so a screen reader
    reads it with the right voice.
    """

    text: str
    language: str


@dataclass(frozen=True, slots=True)
class CardLine:
    """One service on the card, in the person's language and reading level."""

    name: str
    contact: Words
    when: Words

    def __str__(self) -> str:
        return f"• {self.name}: {self.contact.text} — {self.when.text}"


@dataclass(frozen=True, slots=True)
class Service:
    """One service, each line by language (the base language always there)."""

    id: str
    name: str
    contact: Mapping[str, str]
    when: Mapping[str, str]
    when_easy: Mapping[str, str] = field(default_factory=dict)


_SERVICE_FIELDS = ("id", "name", "contact", "when", "when_easy")


@dataclass(frozen=True, slots=True)
class Signposting:
    """The services on the card, from ``config/signposting.yaml``, and when last checked."""

    services: tuple[Service, ...]
    last_verified: dt.date
    base_language: str = "en"

    @classmethod
    def load(cls, path: str | Path | None = None) -> Signposting:
        """Read and check the file; a :class:`SignpostingError` names the service and field."""
        path = Path(path or DEFAULT_SIGNPOSTING_PATH)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise SignpostingError(f"{path}: cannot be read ({exc})") from None
        return cls.from_mapping(raw, str(path))

    @classmethod
    def from_mapping(cls, raw: Any, source: str) -> Signposting:
        """The card from already-parsed YAML; ``source`` names it in errors."""
        if not isinstance(raw, Mapping):
            raise SignpostingError(f"{source}: needs last_verified and a list of services")
        verified = raw.get("last_verified")
        if not isinstance(verified, dt.date):
            raise SignpostingError(f"{source}: needs last_verified: YYYY-MM-DD")
        base = raw.get("base_language", "en")
        if not isinstance(base, str) or not base:
            raise SignpostingError(f"{source}: base_language should be a language code, like en")
        listed = raw.get("services")
        if not isinstance(listed, list) or not listed:
            raise SignpostingError(f"{source}: needs a list of services, 999 first")
        services = tuple(_service(entry, n, base, source) for n, entry in enumerate(listed, 1))
        ids = [s.id for s in services]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise SignpostingError(f"{source}: service id {twice[0]!r} is used twice")
        if services[0].id != "emergency":
            raise SignpostingError(f"{source}: must list 999 (id: emergency) first")
        return cls(services, verified, base)

    def lines(self, language: str = "en", easy: bool = False) -> tuple[CardLine, ...]:
        """Every service in ``language``, each line falling back to the base language alone.

        Easy read takes ``when_easy`` in the person's language, then plain ``when`` in it, and
        either before anything in another language: :func:`~surveys.reading.choose_text`,
        the rule surveys and the wording follow too.
        """
        return tuple(
            CardLine(
                service.name,
                self._words(service.contact, None, language, easy),
                self._words(service.when, service.when_easy, language, easy),
            )
            for service in self.services
        )

    def _words(
        self, plain: Mapping[str, str], easy: Mapping[str, str] | None, language: str, wants: bool
    ) -> Words:
        found = choose_text(
            plain, easy, language=language, base=self.base_language, wants_easy=wants
        )
        assert found is not None, "loading guarantees a base-language text"
        return Words(*found)

    def card(self, wording: Wording, language: str = "en", easy: bool = False) -> str:
        """The card as chat text: 999 first, then the numbers to talk to someone."""
        intro = wording.say("safeguarding.card_intro", language, easy)
        return "\n".join([intro, *map(str, self.lines(language, easy))])


def _service(entry: Any, number: int, base: str, source: str) -> Service:
    """One entry of ``services``, refusing anything the card could not show as written."""
    if not isinstance(entry, Mapping):
        raise SignpostingError(f"{source}: service {number} should be a mapping of fields")
    label = f"service {entry.get('id')!r}" if entry.get("id") else f"service {number}"
    where = f"{source}: {label}"
    unknown = [str(k) for k in entry if k not in _SERVICE_FIELDS]
    if unknown:
        raise SignpostingError(
            f"{where}, field {unknown[0]}: not a field the card uses "
            f"(use {', '.join(_SERVICE_FIELDS)})"
        )
    for name in ("id", "name"):
        value = entry.get(name)
        if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
            raise SignpostingError(f"{where}, field {name}: needs plain text")
    return Service(
        id=str(entry["id"]),
        name=str(entry["name"]),
        contact=_texts(entry.get("contact"), base, f"{where}, field contact"),
        when=_texts(entry.get("when"), base, f"{where}, field when"),
        when_easy=(
            {}
            if entry.get("when_easy") is None
            else _texts(entry["when_easy"], base, f"{where}, field when_easy")
        ),
    )


def _texts(value: Any, base: str, where: str) -> dict[str, str]:
    """Plain text (in the base language) or a mapping of language to text, with the base."""
    if isinstance(value, str) and value.strip():
        return {base: value.strip()}
    if not isinstance(value, Mapping):
        raise SignpostingError(f"{where}: needs text, or a mapping of language to text")
    texts: dict[str, str] = {}
    for language, text in value.items():
        if not isinstance(text, str) or not text.strip():
            raise SignpostingError(f"{where}: the {language!r} text is empty or not text")
        texts[str(language)] = text.strip()
    if base not in texts:
        raise SignpostingError(
            f"{where}: has no {base!r} text; every line needs one in the base language, "
            "which is shown when a translation is missing"
        )
    return texts


class SafeguardingScreen:
    """The ``RiskScreen`` the survey service calls on every typed answer."""

    def __init__(self, wording: Wording, signposting: Signposting) -> None:
        self.wording = wording
        self.signposting = signposting

    def __call__(
        self, text: str, *, language: str = "en", easy: bool = False
    ) -> RiskFinding | None:
        found = assess(text)
        if found is None:
            return None
        return RiskFinding(
            category=found.category,
            level=found.level,
            excerpt=found.excerpt,
            reply=self.reply(found.level, language=language, easy=easy),
            card=self.signposting.card(self.wording, language, easy),
        )

    def reply(self, level: str, *, language: str = "en", easy: bool = False) -> str:
        """The kind words alone: the card is a part of its own, which each channel shows once."""
        say = self.wording.say
        parts = []
        if level == "immediate":
            parts.append(say("safeguarding.danger_now", language, easy))
        parts.append(say("safeguarding.thanks", language, easy))
        parts.append(say("safeguarding.may_share", language, easy))
        parts.append(say("safeguarding.carry_on", language, easy))
        return "\n\n".join(parts)


@lru_cache(maxsize=1)
def default_screen() -> SafeguardingScreen:
    return SafeguardingScreen(Wording.load(), Signposting.load())


def screen(text: str, *, language: str = "en", easy: bool = False) -> RiskFinding | None:
    """Check one typed answer; on a possible disclosure, the finding, the reply and the card."""
    return default_screen()(text, language=language, easy=easy)


def signposting_card(language: str = "en", easy: bool = False) -> str:
    """The card alone, for /help and the "Get help now" button."""
    screen_ = default_screen()
    return screen_.signposting.card(screen_.wording, language, easy)
