"""Which parts of the strategy a free-text answer speaks to, with the words that say so.

:class:`Tagger` matches an answer's normalised words (text-speak spelled out, misspellings
repaired, see :mod:`analysis.text`) against the codebook in ``config/strategy.yaml``. Each
code collects evidence from the terms it matched and combines it as a noisy-OR
(``1 - Π(1 - weight)``), so one strong phrase is enough, and weaker hints count when they
agree. A code is given when its score reaches its threshold. Negation never removes a theme:
"never had any training" is still about training. An answer that matches nothing gets no tag,
which summaries show as "no theme".

It is pure Python over dictionaries: thousands of answers a second on one core, no network,
no NLTK corpora, and every tag carries the words that triggered it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from analysis.codebook import Code, Codebook, Match, TermIndex
from analysis.text import Normaliser, Token

TAGGER_VERSION = "lex-1"
_KIND_ORDER = {"priority": 0, "three_i": 1, "value": 2, "work_group": 3, "cross": 4}
_MAX_REASONS = 4


@dataclass(frozen=True, slots=True)
class Tag:
    """One code an answer speaks to, how strongly, and the words that triggered it."""

    id: str
    kind: str
    label: str
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Use:
    """What a term in the index stands for: evidence for a code, or an exclusion of it."""

    code: int  # index into the codebook's codes
    exclusion: bool


class Tagger:
    """Tags texts against one codebook; build once with :meth:`load`, then call :meth:`tag`."""

    def __init__(self, codebook: Codebook, normaliser: Normaliser | None = None) -> None:
        self.codebook = codebook
        self.normaliser = normaliser or Normaliser(codebook.vocabulary)
        self._index: TermIndex[_Use] = TermIndex()
        for index, code in enumerate(codebook.codes):
            for term in code.terms:
                self._index.add(term, _Use(index, False))
            for term in code.exclusions:
                self._index.add(term, _Use(index, True))

    @classmethod
    def load(cls, path: str | Path | None = None) -> Tagger:
        """A tagger for the codebook at ``path`` (default ``config/strategy.yaml``)."""
        return cls(Codebook.load(path))

    @property
    def version(self) -> str:
        """Stored with every tag, so re-tagging knows which tags came from an older codebook."""
        return f"{TAGGER_VERSION}/{self.codebook.version}/{self.codebook.digest}"[:40]

    def tag(self, text: str) -> list[Tag]:
        """Every code ``text`` speaks to, strongest first within each kind; [] for no theme."""
        tokens = self.normaliser.tokens(text)
        hits: dict[int, list[Match[_Use]]] = defaultdict(list)
        excluded: dict[int, list[Match[_Use]]] = defaultdict(list)
        for match in self._index.find([t.text for t in tokens]):
            (excluded if match.payload.exclusion else hits)[match.payload.code].append(match)
        tags = []
        for index, code_hits in hits.items():
            code = self.codebook.codes[index]
            kept = [h for h in code_hits if not _overlaps(h, excluded.get(index, []))]
            tag = _decide(code, kept, tokens, text)
            if tag is not None:
                tags.append(tag)
        tags.sort(key=lambda t: (_KIND_ORDER.get(t.kind, 9), -t.score, t.id))
        return tags


def _overlaps(hit: Match[_Use], exclusions: list[Match[_Use]]) -> bool:
    return any(hit.first <= e.last and e.first <= hit.last for e in exclusions)


def _decide(code: Code, hits: list[Match[_Use]], tokens: list[Token], text: str) -> Tag | None:
    if not hits:
        return None
    remaining = 1.0
    for hit in hits:
        remaining *= 1.0 - hit.term.weight
    score = 1.0 - remaining
    if score < code.threshold:
        return None
    hits = sorted(hits, key=lambda h: (-h.term.weight, h.first))
    reasons = [_reason(h, tokens, text) for h in hits[:_MAX_REASONS]]
    return Tag(code.id, code.kind, code.label, round(score, 3), list(dict.fromkeys(reasons)))


def _reason(hit: Match[_Use], tokens: list[Token], text: str) -> str:
    first, last = tokens[hit.first], tokens[hit.last]
    quoted = " ".join(text[first.start : last.end].split())
    fixes = [
        f"{t.corrected_from}→{t.text}"
        for t in tokens[hit.first : hit.last + 1]
        if t.corrected_from is not None
    ]
    reason = f'"{quoted}"'
    if fixes:
        reason += f" (read as {', '.join(fixes)})"
    return reason
