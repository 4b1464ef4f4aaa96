"""Key phrases: the noun phrases people repeat, for a summary line or a theme's card.

Uses the shallow parser TextBlob bundles (pattern's tagger and chunker: no NLTK corpora, no
network). Each text gives its noun phrases with leading determiners and pronouns dropped
("the EHC plan" → "ehc plan"); phrases are ranked by how many texts use them, longer
phrases first on ties, and a phrase already inside a better one is left out. Placeholders
from de-identification ("[name]") never become key phrases. Pass de-identified texts.
"""

from __future__ import annotations

import gc
import re
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from analysis.text import sentences

_WORD = re.compile(r"[A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+)*|[.,!?;:]")
_SKIP_TAGS = {"DT", "PRP", "PRP$", "CC", "WP", "WDT", "EX", "POS", "IN", "CD"}
_GENERIC = frozenset(
    [
        "i",
        "me",
        "you",
        "he",
        "she",
        "it",
        "we",
        "they",
        "him",
        "her",
        "us",
        "them",
        "thing",
        "things",
        "lot",
        "lots",
        "nothing",
        "everything",
        "something",
        "anything",
        "someone",
        "anyone",
        "everyone",
        "nobody",
        "time",
        "times",
        "way",
        "people",
        "bit",
        "one",
        "ones",
        "kind",
        "sort",
        "stuff",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "today",
        "answer",
        "question",
        "yes",
        "no",
        "lol",
        "idk",
        "survey",
        "fine",
        "ok",
        "okay",
    ]
)
_MAX_WORDS = 4


def key_phrases(texts: Sequence[str], limit: int = 8) -> list[str]:
    """Up to ``limit`` phrases that best sum up ``texts``, most shared first."""
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for text in texts:
        for phrase in dict.fromkeys(_noun_phrases(text)):
            counts[phrase] += 1
            first_seen.setdefault(phrase, len(first_seen))
    ranked = sorted(
        counts,
        key=lambda p: (-counts[p], -min(len(p.split()), 3), first_seen[p]),
    )
    chosen: list[str] = []
    for phrase in ranked:
        if any(f" {phrase} " in f" {better} " for better in chosen):
            continue
        chosen.append(phrase)
        if len(chosen) >= limit:
            break
    return chosen


@lru_cache(maxsize=1)
def _parser() -> Callable[..., Any]:
    """TextBlob's bundled parser, warmed up once.

    Its lexicon loader leaves its data files for the garbage collector to close; loading it
    here, with that warning silenced and collected at once, keeps it out of everyone's logs.
    """
    from textblob.en import parse

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        parse("warm up the tagger", tokenize=False, tags=True, chunks=True, lemmata=False)
        gc.collect()
    return parse


def _noun_phrases(text: str) -> list[str]:
    parse = _parser()
    phrases: list[str] = []
    for start, end in sentences(text):
        if "[" in text[start:end]:
            piece = re.sub(r"\[[^\]]*\]", ".", text[start:end])
        else:
            piece = text[start:end]
        tokens = [t.replace("’", "'") for t in _WORD.findall(piece)]
        tokens = [t.removesuffix("'s") for t in tokens if t]
        if not tokens:
            continue
        parsed = parse(" ".join(tokens), tokenize=False, tags=True, chunks=True, lemmata=False)
        for sentence in parsed.split():
            phrases.extend(_chunks(sentence))
    return phrases


def _chunks(sentence: list[list[str]]) -> list[str]:
    found: list[str] = []
    current: list[str] = []

    def close() -> None:
        words = [w for w in current if w not in _GENERIC]
        if words and len(words) <= _MAX_WORDS and not (len(words) == 1 and len(words[0]) < 3):
            found.append(" ".join(words))
        current.clear()

    for word, tag, chunk, *_ in sentence:
        if chunk.endswith("NP") and tag not in _SKIP_TAGS:
            if chunk.startswith("B-") and current:
                close()
            current.append(word.lower())
        elif current:
            close()
    if current:
        close()
    return found
