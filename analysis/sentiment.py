"""How someone feels about what they describe: negative, neutral or positive.

VADER is good at short informal text, but it reads SEND answers wrongly in two ways: the
words that carry complaint here are ordinary ("far too long", "cancelled again", "still
waiting"), and the nouns of the field sound like praise ("support", "special school", "in
care", "free school meals"). So VADER's lexicon is adjusted from ``config/sentiment.yaml``
(SEND words, phrases, sarcasm cues, non-answers) and the answer is read after the same
text-speak and spelling repair as the tagger. TextBlob's PatternAnalyzer (offline, no NLTK
data) only breaks ties: when VADER finds nothing either way, TextBlob's adjective lexicon may.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    SentimentIntensityAnalyzer,
    SentiText,
    normalize,
)

from analysis.codebook import TermIndex, compile_term
from analysis.text import NEGATORS, Normaliser
from config.settings import CONFIG_DIR

DEFAULT_LEXICON_PATH = CONFIG_DIR / "sentiment.yaml"
# Compound scores inside this band are neutral (VADER's usual cut-off is 0.05).
NEUTRAL_BAND = 0.1
NEGATION_WEIGHT = -0.6
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: str  # negative | neutral | positive
    score: float  # -1 … 1


class SentimentModel:
    """VADER with a SEND lexicon, plus phrase, sarcasm and non-answer rules."""

    def __init__(self, config: dict[str, Any], use_textblob: bool = False) -> None:
        self._vader = SentimentIntensityAnalyzer()
        self._vader.lexicon = dict(self._vader.lexicon)
        for word, valence in (config.get("words") or {}).items():
            self._vader.lexicon[str(word).lower()] = float(valence)
        self._phrases: TermIndex[float] = TermIndex()
        for pattern, valence in (config.get("phrases") or {}).items():
            self._phrases.add(compile_term(str(pattern), 0.0), float(valence))
        self._sarcasm: TermIndex[str] = TermIndex()
        for pattern in config.get("sarcasm") or []:
            self._sarcasm.add(compile_term(str(pattern), 0.0), str(pattern))
        self._non_answers = {" ".join(str(p).split()) for p in config.get("non_answers") or []}
        self._use_textblob = use_textblob
        # Repair misspellings only towards this lexicon's own words: VADER's 7,500 include
        # slang close to ordinary words, and "correcting" towards them invents feelings.
        vocabulary = {str(w) for w in config.get("words") or {}} | {
            w for p in (config.get("phrases") or {}) for w in str(p).replace("|", " ").split()
        }
        self.normaliser = Normaliser(w for w in vocabulary if w.isalpha())

    @classmethod
    def load(cls, path: str | Path | None = None, use_textblob: bool = False) -> SentimentModel:
        raw = yaml.safe_load(Path(path or DEFAULT_LEXICON_PATH).read_text(encoding="utf-8"))
        return cls(raw or {}, use_textblob=use_textblob)

    def score(self, text: str) -> Sentiment:
        words = [t.text for t in self.normaliser.tokens(text)]
        if not words and not _EMOJI.search(text):
            return Sentiment("neutral", 0.0)
        if " ".join(words) in self._non_answers:
            return Sentiment("neutral", 0.0)
        phrases = self._phrases.find(words)
        extra = [m.payload for m in phrases]
        extra += _complaint_by_negation(
            words, {i for m in phrases for i in range(m.first, m.last + 1)}
        )
        sarcastic = bool(self._sarcasm.find(words))
        compound = self._compound(
            " ".join(words) + " " + " ".join(_EMOJI.findall(text)), extra, sarcastic
        )
        if compound == 0.0 and self._use_textblob:
            compound = _textblob_polarity(text)
        if compound >= NEUTRAL_BAND:
            label = "positive"
        elif compound <= -NEUTRAL_BAND:
            label = "negative"
        else:
            label = "neutral"
        return Sentiment(label, round(max(-1.0, min(1.0, compound)), 3))

    def _compound(self, text: str, extra: list[float], sarcastic: bool) -> float:
        """VADER's compound score, with phrase valences added and sarcasm turning praise."""
        vader = self._vader
        text = _emoji_to_words(vader, text)
        sentitext = SentiText(text)
        words = sentitext.words_and_emoticons
        sentiments: list[float] = []
        for i, item in enumerate(words):
            if (
                item.lower() in BOOSTER_DICT
                or vader.lexicon.get(item.lower(), 1) == 0
                or (item.lower() == "kind" and i + 1 < len(words) and words[i + 1].lower() == "of")
            ):
                sentiments.append(0)
                continue
            sentiments = vader.sentiment_valence(0, sentitext, item, i, sentiments)
        sentiments = vader._but_check(words, sentiments)
        sentiments = list(sentiments) + extra
        if sarcastic:
            sentiments = [-abs(s) * 0.7 if s > 0 else s for s in sentiments] + [-1.5]
        if not any(sentiments):
            return 0.0
        return float(normalize(math.fsum(sentiments)))


def _complaint_by_negation(words: list[str], covered: set[int]) -> list[float]:
    """A little negative weight per "never", "nobody", "can't" outside any known phrase.

    People rarely complain about services in sentiment words; they say what did not happen
    ("never even tested", "nobody asked me"). VADER only uses negators to flip the next
    sentiment word, so such answers score 0.0 without this.
    """
    return [NEGATION_WEIGHT for i, w in enumerate(words) if w in NEGATORS and i not in covered]


def _emoji_to_words(vader: SentimentIntensityAnalyzer, text: str) -> str:
    return "".join(f" {vader.emojis[ch]} " if ch in vader.emojis else ch for ch in text).strip()


def _textblob_polarity(text: str) -> float:
    from textblob.en.sentiments import PatternAnalyzer

    polarity = float(PatternAnalyzer().analyze(text).polarity)  # type: ignore[attr-defined]
    return polarity if abs(polarity) >= 0.25 else 0.0


@lru_cache(maxsize=1)
def default_model() -> SentimentModel:
    return SentimentModel.load()


def score(text: str) -> Sentiment:
    """Negative, neutral or positive, with a score in [-1, 1], from the default lexicon."""
    return default_model().score(text)
