"""Turning what people type into tokens the lexicons can match.

Families, young people and practitioners write on phones, tired, in text-speak and in Leeds
dialect, and they misspell the long words that matter most ("assesment", "dislexia",
"cahms"). Every lexicon in ``analysis`` (themes, sentiment, safeguarding) matches against the
same normalised tokens, so the fixes live here once:

* contractions are spelled out or joined ("don't" → ``dont``, "he'll" → ``he will``);
* text-speak and dialect become plain words ("u r" → ``you are``, "me mam" → ``my mum``);
* an unknown word close to a word some lexicon cares about is corrected to it
  (optimal string alignment distance 1, or 2 for long words), but a real English word is
  never "corrected" — "wait" stays "wait", it does not become "waist".

Each token keeps the character span of the words it came from, so reasons and excerpts can
quote exactly what the person wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*|&")

# Negators flip sentiment; they never remove a theme ("never had any training" is about training).
NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "nobody",
        "none",
        "nothing",
        "nowhere",
        "neither",
        "nor",
        "without",
        "cannot",
        "dont",
        "doesnt",
        "didnt",
        "cant",
        "wont",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "havent",
        "hasnt",
        "hadnt",
        "couldnt",
        "wouldnt",
        "shouldnt",
        "aint",
        "lack",
        "lacking",
        "noone",
    ]
)

# Text-speak, dialect and spelled-out contractions. Values may be several words.
TEXT_SPEAK: dict[str, str] = {
    "u": "you",
    "ya": "you",
    "yu": "you",
    "ur": "your",
    "youre": "you are",
    "r": "are",
    "im": "i am",
    "ive": "i have",
    "theyre": "they are",
    "theyll": "they will",
    "theyve": "they have",
    "weve": "we have",
    "hes": "he is",
    "shes": "she is",
    "thats": "that is",
    "whats": "what is",
    "theres": "there is",
    "b4": "before",
    "2day": "today",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "tmrw": "tomorrow",
    "tmw": "tomorrow",
    "2nite": "tonight",
    "2nyt": "tonight",
    "tonite": "tonight",
    "nite": "night",
    "nites": "nights",
    "nyt": "night",
    "gr8": "great",
    "l8r": "later",
    "m8": "mate",
    "m8s": "mates",
    "ppl": "people",
    "peeps": "people",
    "pls": "please",
    "plz": "please",
    "plez": "please",
    "thx": "thanks",
    "thnx": "thanks",
    "ty": "thank you",
    "cos": "because",
    "coz": "because",
    "cuz": "because",
    "bc": "because",
    "bcoz": "because",
    "becos": "because",
    "cus": "because",
    "wiv": "with",
    "wif": "with",
    "dunno": "dont know",
    "idk": "i dont know",
    "idc": "i dont care",
    "tbh": "to be honest",
    "imo": "in my opinion",
    "rn": "right now",
    "atm": "at the moment",
    "wanna": "want to",
    "gonna": "going to",
    "gunna": "going to",
    "gotta": "got to",
    "hafta": "have to",
    "skl": "school",
    "skool": "school",
    "sch": "school",
    "nowt": "nothing",
    "owt": "anything",
    "summat": "something",
    "nuffin": "nothing",
    "nuffink": "nothing",
    "nothin": "nothing",
    "sumthin": "something",
    "wat": "what",
    "wot": "what",
    "da": "the",
    "mam": "mum",
    "mom": "mum",
    "mommy": "mum",
    "mummy": "mum",
    "mums": "mums",
    "daddy": "dad",
    "bro": "brother",
    "sis": "sister",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "kms": "kill myself",
    "kys": "kill yourself",
    "no1": "nobody",
    "noone": "nobody",
    "any1": "anyone",
    "some1": "someone",
    "sum1": "someone",
    "every1": "everyone",
    "ne1": "anyone",
    "abt": "about",
    "bout": "about",
    "hw": "homework",
    "probs": "probably",
    "v": "very",
    "txt": "text",
    "msg": "message",
    "pic": "picture",
    "pics": "pictures",
    "yr": "year",
    "yrs": "years",
    "mins": "minutes",
    "hrs": "hours",
    "wk": "week",
    "wks": "weeks",
    "mth": "month",
    "mths": "months",
    "esp": "especially",
    "ok": "okay",
    "tho": "though",
    "thru": "through",
    "wen": "when",
    "wer": "where",
    "nd": "and",
    "n": "and",
    "iz": "is",
}

# Two-word dialect and text-speak that only make sense together.
TEXT_SPEAK_PAIRS: dict[tuple[str, str], str] = {
    ("no", "one"): "nobody",
    ("me", "mam"): "my mum",
    ("me", "mum"): "my mum",
    ("me", "dad"): "my dad",
    ("me", "nan"): "my nan",
    ("me", "brother"): "my brother",
    ("me", "sister"): "my sister",
}

# Contraction endings after an apostrophe: what each becomes.
_CONTRACTIONS = {"ll": "will", "re": "are", "ve": "have", "d": "would", "m": "am"}
_IS_AFTER = frozenset(["it", "he", "she", "that", "there", "what", "who", "where", "here", "how"])


@dataclass(frozen=True, slots=True)
class Token:
    """One normalised word and where its source sits in the original text."""

    text: str
    start: int
    end: int
    corrected_from: str | None = None


def _textblob_words() -> frozenset[str]:
    """English words from TextBlob's bundled spelling list (its tagger lexicon has typos in it)."""
    try:
        import textblob
    except ImportError:  # pragma: no cover - textblob is a runtime dependency
        return frozenset()
    folder = Path(textblob.__file__).resolve().parent / "en"
    words: set[str] = set()
    for name, column in (("en-spelling.txt", 0),):
        path = folder / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8", errors="ignore").splitlines():
            if not line or line.startswith(";;;"):
                continue
            parts = line.split()
            if parts:
                words.add(parts[column].lower().replace("'", ""))
    return frozenset(words)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    return _textblob_words()


class Normaliser:
    """Tokenises text and repairs it towards a vocabulary of words the lexicons care about."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.vocabulary = tuple(sorted({w for w in vocabulary if w.isalpha() and len(w) >= 4}))
        self._known = english_words() | set(self.vocabulary) | set(TEXT_SPEAK)
        self.correct = lru_cache(maxsize=65536)(self._correct)
        self._read = lru_cache(maxsize=65536)(self._read_word)

    def _read_word(self, lower: str) -> tuple[tuple[str, str | None], ...]:
        """One typed word as normalised words, each with what it was before repair."""
        read = []
        for piece in self._expand(lower):
            fixed = self.correct(piece)
            read.append((fixed or piece, piece if fixed else None))
        return tuple(read)

    def _correct(self, word: str) -> str | None:
        """The vocabulary word a misspelt ``word`` was meant to be, or None."""
        if len(word) < 5 or not word.isalpha() or word in self._known:
            return None
        limit = 1 if len(word) < 8 else 2
        found = process.extractOne(word, self.vocabulary, scorer=OSA.distance, score_cutoff=limit)
        return found[0] if found else None

    def tokens(self, text: str) -> list[Token]:
        """Normalised tokens, each mapped back to its span in ``text``."""
        out: list[Token] = []
        raw = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]
        i = 0
        while i < len(raw):
            word, start, end = raw[i]
            lower = word.lower().replace("’", "'")
            if i + 1 < len(raw):
                pair = TEXT_SPEAK_PAIRS.get((lower, raw[i + 1][0].lower()))
                if pair:
                    end = raw[i + 1][2]
                    out.extend(Token(word, start, end) for word in pair.split())
                    i += 2
                    continue
            for text, was in self._read(lower):
                out.append(Token(text, start, end, was))
            i += 1
        return out

    def _expand(self, word: str) -> list[str]:
        if "'" in word:
            head, _, tail = word.partition("'")
            if tail == "t" and head.endswith("n"):
                return [head + "t"]  # don't → dont, can't → cant
            if tail == "s":
                return [head, "is"] if head in _IS_AFTER else [head]
            if tail in _CONTRACTIONS:
                return [head, _CONTRACTIONS[tail]]
            word = head + tail
        if word == "&":
            return ["and"]
        speak = TEXT_SPEAK.get(word)
        return speak.split() if speak else [word]


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of sentences: split on . ! ? and line breaks (no trained model)."""
    spans = []
    start = 0
    for match in re.finditer(r"[.!?]+(?=\s|$)|\n+", text):
        end = match.end()
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans
