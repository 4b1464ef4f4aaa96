"""Making a quote safe to show: identifiers become placeholders like ``[name]``.

A quote is only ever shown de-identified. SEND cohorts are small, so a child's first name, a
school's name or a date of birth next to "autistic" and "excluded" can be enough to know who
it is. Replaced, in this order:

* emails → ``[email]``; NHS numbers (10 digits passing the NHS check digit, or after "NHS
  number") → ``[nhs number]``; UK phone numbers → ``[phone]``; full postcodes → ``[postcode]``;
* dates with a day and month, and anything after "born on" / "DOB" → ``[date]``;
* schools and settings: names from ``config/deidentify.yaml`` or the caller, and any
  capitalised name ending in School, Academy, Primary, College, Nursery, SILC… → ``[school]``;
* people: a capitalised word after Mr/Mrs/Miss/Dr…, after "my son", "called", "named"…, or
  one that TextBlob's bundled lexicon knows only as a proper noun (Jack, Amelia, Smith), or a
  capitalised word no dictionary knows (Priya, Kacper) → ``[name]``.

Places, services, days, months and the field's acronyms (CAMHS, SENCO, EHCP) are kept, so the
quote still says what happened. It leans towards hiding too much rather than too little.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from analysis.text import english_words
from config.settings import CONFIG_DIR

DEFAULT_CONFIG_PATH = CONFIG_DIR / "deidentify.yaml"

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_NHS_CONTEXT = re.compile(
    r"(?i)\bNHS\s*(?:no\.?|number|num)?\s*:?\s*(\d{3}[\s-]?\d{3}[\s-]?\d{4})\b"
)
_TEN_DIGITS = re.compile(r"(?<![\d+])(\d{3})[\s-]?(\d{3})[\s-]?(\d{4})(?!\d)")
_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?|\(?0)(?:\d[\s-]?\)?){8,10}\d(?!\d)")
_POSTCODE = re.compile(r"(?i)\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATES = [
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"),
    re.compile(rf"(?i)\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\b(?:,?\s+\d{{4}})?"),
    re.compile(rf"(?i)\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?"),
    re.compile(
        rf"(?i)\b(?:born\s+(?:on|in)|d\.?o\.?b\.?:?|date of birth:?|birthday is)\s+"
        rf"(?:\d{{4}}|{_MONTHS}(?:\s+\d{{4}})?)"
    ),
]
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Nurse|Prof)\.?\s+([A-Z][\w'-]+)")
_CUE = re.compile(
    r"(?i)\b(?:my|our|his|her)\s+(?:son|daughter|child|boy|girl|brother|sister|grandson|"
    r"granddaughter|friend|mate|teacher|ta|senco|worker|husband|partner|wife|nephew|niece)"
    r"(?:'s)?,?\s+([A-Za-z][a-z'-]+)|\b(?:called|named|name is|name's|i'm|i am|this is)\s+"
    r"([A-Z][a-z'-]+)"
)
_SCHOOL_SUFFIX = re.compile(
    r"\b(?:(?:St\.?|Saint)\s+)?(?:[A-Z][\w'’-]*\s+){1,4}"
    r"(?:Primary|Academy|High|Infants?|Juniors?|Nursery|College|SILC|School|C\.?E\.?|"
    r"Church of England|Catholic|Grammar|Free School|Pupil Referral Unit|PRU)"
    r"(?:\s+(?:School|Academy|College|Primary))?\b"
)
_CAPITALISED = re.compile(r"\b[A-Z][a-z][\w'’-]*\b")


@lru_cache(maxsize=1)
def _config() -> dict[str, list[str]]:
    return load_config(DEFAULT_CONFIG_PATH)


def load_config(path: str | Path) -> dict[str, list[str]]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {
        "settings": [str(s) for s in raw.get("settings", []) or []],
        "keep": [str(s) for s in raw.get("keep", []) or []],
        "first_names": [str(s).lower() for s in raw.get("first_names", []) or []],
    }


@lru_cache(maxsize=1)
def _proper_nouns() -> tuple[frozenset[str], frozenset[str]]:
    """Words TextBlob's lexicon tags only as proper nouns, and every common word it knows."""
    import textblob

    path = Path(textblob.__file__).resolve().parent / "en" / "en-lexicon.txt"
    proper: set[str] = set()
    common: set[str] = set()
    for line in path.read_text(encoding="utf-8", errors="ignore").splitlines():
        parts = line.split()
        if len(parts) < 2 or line.startswith(";;;"):
            continue
        word, tag = parts[0], parts[1]
        if tag.startswith("NNP") and word[:1].isupper():
            proper.add(word.lower())
        elif word.islower():
            common.add(word)
    return frozenset(proper - common), frozenset(common)


def deidentify(text: str, *, settings_names: Iterable[str] = ()) -> str:
    """``text`` with names, contacts, dates of birth, NHS numbers and settings replaced."""
    config = _config()
    text = _EMAIL.sub("[email]", text)
    text = _NHS_CONTEXT.sub(lambda m: m.group(0).replace(m.group(1), "[nhs number]"), text)
    text = _TEN_DIGITS.sub(lambda m: "[nhs number]" if _nhs_valid(m) else m.group(0), text)
    text = _PHONE.sub("[phone]", text)
    text = _POSTCODE.sub("[postcode]", text)
    for pattern in _DATES:
        text = pattern.sub("[date]", text)
    text = _settings(text, [*config["settings"], *settings_names])
    text = _SCHOOL_SUFFIX.sub("[school]", text)
    text = _people(text, config)
    return re.sub(r"\[(\w[\w ]*)\](?:\s+\[\1\])+", r"[\1]", text)


def _nhs_valid(match: re.Match[str]) -> bool:
    digits = "".join(match.groups())
    if digits.startswith("0"):
        return False  # a phone number
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _settings(text: str, names: list[str]) -> str:
    for name in sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True):
        text = re.sub(rf"(?i)\b{re.escape(name)}\b", "[school]", text)
    return text


def _people(text: str, config: dict[str, list[str]]) -> str:
    keep = {k.lower() for k in config["keep"]}
    first_names = set(config["first_names"])
    proper, common = _proper_nouns()
    known = english_words()

    def after_cue(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name.lower() in keep or (name.islower() and name in known and name not in first_names):
            return match.group(0)
        return match.group(0)[: match.start(1 if match.group(1) else 2) - match.start()] + "[name]"

    text = _TITLE.sub(lambda m: m.group(0)[: m.start(1) - m.start()] + "[name]", text)
    text = _CUE.sub(after_cue, text)

    def capitalised(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower().replace("’", "'").removesuffix("'s")
        if lower in keep or word.isupper():
            return word
        suffix = word[len(word.removesuffix("'s").removesuffix("’s")) :]
        if lower in proper or lower in first_names or (lower not in known and lower not in common):
            return "[name]" + suffix
        return word

    text = _CAPITALISED.sub(capitalised, text)

    def lowercase_name(match: re.Match[str]) -> str:
        word = match.group(0)
        return "[name]" if word in first_names and word not in known else word

    return re.sub(r"\b[a-z]+\b", lowercase_name, text)
