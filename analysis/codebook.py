"""The strategy's codebook, read from ``config/strategy.yaml`` and compiled for matching.

The codebook is configuration, owned by the local area: another area replaces the file, not
the code. Each code has an id (``P1``…), a kind, a label, a plain description, and the words
people actually use for it, in three strengths:

* ``strong`` — enough on its own ("annual review", "short breaks");
* ``medium`` — needs one more hint from the same code ("teacher" plus "training");
* ``weak`` — needs two more ("wait" alone is not about assessment).

A term is a short pattern over normalised words (see :mod:`analysis.text`):

* ``assess*`` — any word starting with "assess";
* ``my|his|her plan`` — any of the alternatives;
* ``wait* .. assess*`` — the second part within 4 words of the first (``..6`` for 6);
* ``took # years`` — ``#`` is a number, in figures or words ("two", "18", "a few").

``not`` lists phrases that cancel a term they overlap ("in place" is not a school place), and
``includes`` borrows another code's terms (the 3I "integrated pathways" reads like P6).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from config.settings import CONFIG_DIR

DEFAULT_CODEBOOK_PATH = CONFIG_DIR / "strategy.yaml"
KINDS = ("priority", "three_i", "value", "work_group", "cross")
STRENGTHS = {"strong": 0.8, "medium": 0.45, "weak": 0.3}
NUMBER_WORDS = frozenset(
    [
        "a",
        "an",
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
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "few",
        "several",
        "couple",
        "many",
        "half",
    ]
)


class CodebookError(Exception):
    """The codebook file is missing, malformed, or names something twice."""


@dataclass(frozen=True, slots=True)
class Part:
    """One word slot of a term: alternatives, each exact or a prefix, and the gap before it."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]
    number: bool = False
    gap: int = 0  # how many words may come between the previous part and this one

    def matches(self, word: str) -> bool:
        if word in self.exact:
            return True
        if self.number and (word.isdigit() or word in NUMBER_WORDS):
            return True
        return any(word.startswith(p) for p in self.prefixes)


@dataclass(frozen=True, slots=True)
class Term:
    pattern: str
    weight: float
    parts: tuple[Part, ...]

    def match_rest(self, words: Sequence[str], position: int) -> int | None:
        """Where the term ends when its first word is at ``position``, or None."""
        if len(self.parts) == 1:
            return position
        current = position
        for part in self.parts[1:]:
            found = None
            for j in range(current + 1, min(len(words), current + 2 + part.gap)):
                if part.matches(words[j]):
                    found = j
                    break
            if found is None:
                return None
            current = found
        return current


Payload = TypeVar("Payload")


@dataclass(frozen=True, slots=True)
class Match(Generic[Payload]):
    payload: Payload
    term: Term
    first: int  # word indexes, inclusive
    last: int


class TermIndex(Generic[Payload]):
    """Many terms, looked up by their first word, so matching costs per word, not per term."""

    def __init__(self) -> None:
        self._exact: dict[str, list[tuple[Term, Payload]]] = defaultdict(list)
        self._prefix: dict[str, list[tuple[Term, Payload]]] = defaultdict(list)
        self._number: list[tuple[Term, Payload]] = []
        self._lengths: list[int] = []
        self._cache: dict[str, tuple[tuple[Term, Payload], ...]] = {}

    def add(self, term: Term, payload: Payload) -> None:
        first = term.parts[0]
        for word in first.exact:
            self._exact[word].append((term, payload))
        for prefix in first.prefixes:
            self._prefix[prefix].append((term, payload))
        if first.number:
            self._number.append((term, payload))
        self._lengths = sorted({len(p) for p in self._prefix})
        self._cache.clear()

    def _starting(self, word: str) -> Iterator[tuple[Term, Payload]]:
        yield from self._exact.get(word, ())
        for length in self._lengths:
            if length > len(word):
                break
            yield from self._prefix.get(word[:length], ())
        if self._number and (word.isdigit() or word in NUMBER_WORDS):
            yield from self._number

    def find(self, words: Sequence[str]) -> list[Match[Payload]]:
        """Every (term, payload) matching in ``words``; each term once, at its first match."""
        found: list[Match[Payload]] = []
        seen: set[tuple[int, int]] = set()
        cache = self._cache
        for position, word in enumerate(words):
            starting = cache.get(word)
            if starting is None:
                if len(cache) > 100_000:
                    cache.clear()
                starting = cache[word] = tuple(self._starting(word))
            for term, payload in starting:
                key = (id(term), id(payload))
                if key in seen:
                    continue
                last = term.match_rest(words, position)
                if last is not None:
                    seen.add(key)
                    found.append(Match(payload, term, position, last))
        return found


@dataclass(frozen=True, slots=True)
class Code:
    id: str
    kind: str
    label: str
    description: str
    threshold: float
    terms: tuple[Term, ...]
    exclusions: tuple[Term, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Codebook:
    version: str
    name: str
    codes: tuple[Code, ...]
    vocabulary: frozenset[str] = field(default_factory=frozenset)
    digest: str = ""

    def code(self, code_id: str) -> Code:
        for code in self.codes:
            if code.id == code_id:
                return code
        raise KeyError(code_id)

    def ids(self, kind: str | None = None) -> list[str]:
        return [c.id for c in self.codes if kind is None or c.kind == kind]

    @classmethod
    def load(cls, path: str | Path | None = None) -> Codebook:
        path = Path(path or DEFAULT_CODEBOOK_PATH)
        try:
            raw_text = path.read_text(encoding="utf-8")
            raw = yaml.safe_load(raw_text)
        except (OSError, yaml.YAMLError) as exc:
            raise CodebookError(f"{path}: cannot be read ({exc})") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("codes"), list):
            raise CodebookError(f"{path}: needs a 'codes' list")
        digest = hashlib.sha256(raw_text.encode()).hexdigest()[:8]
        return _build(raw, str(path), digest)


def compile_term(pattern: str, weight: float) -> Term:
    """Turn ``"wait* .. assess*"`` into matchable parts."""
    parts: list[Part] = []
    gap = 0
    for piece in pattern.lower().split():
        if piece.startswith(".."):
            gap = int(piece[2:] or 4)
            continue
        exact: set[str] = set()
        prefixes: list[str] = []
        number = False
        for alternative in piece.split("|"):
            alternative = alternative.replace("'", "").replace("’", "")
            if alternative == "#":
                number = True
            elif alternative.endswith("*"):
                prefixes.append(alternative[:-1])
            elif alternative:
                exact.add(alternative)
        parts.append(Part(frozenset(exact), tuple(prefixes), number, gap))
        gap = 0
    if not parts:
        raise CodebookError(f"empty term {pattern!r}")
    return Term(pattern, weight, tuple(parts))


def _build(raw: Mapping[str, Any], where: str, digest: str) -> Codebook:
    default_threshold = float(raw.get("default_threshold", 0.5))
    entries = raw["codes"]
    by_id: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or "id" not in entry:
            raise CodebookError(f"{where}: every code needs an id")
        code_id = str(entry["id"])
        if code_id in by_id:
            raise CodebookError(f"{where}: code {code_id} appears twice")
        kind = str(entry.get("kind", ""))
        if kind not in KINDS:
            raise CodebookError(f"{where}: code {code_id} has kind {kind!r}; use one of {KINDS}")
        by_id[code_id] = entry
    vocabulary: set[str] = {str(w).lower() for w in raw.get("vocabulary", [])}
    codes = []
    for code_id, entry in by_id.items():
        terms = _terms(entry, code_id, where)
        for borrowed in entry.get("includes", []) or []:
            if borrowed not in by_id:
                raise CodebookError(f"{where}: {code_id} includes unknown code {borrowed}")
            terms.extend(_terms(by_id[borrowed], borrowed, where))
        exclusions = [compile_term(str(p), 0.0) for p in entry.get("not", []) or []]
        for term in terms:
            for part in term.parts:
                vocabulary.update(part.exact)
                vocabulary.update(p for p in part.prefixes if len(p) >= 5)
        codes.append(
            Code(
                id=code_id,
                kind=str(entry["kind"]),
                label=str(entry.get("label", code_id)),
                description=" ".join(str(entry.get("description", "")).split()),
                threshold=float(entry.get("threshold", default_threshold)),
                terms=tuple(_dedupe(terms)),
                exclusions=tuple(exclusions),
                examples=tuple(str(e) for e in entry.get("examples", []) or []),
            )
        )
    return Codebook(
        version=str(raw.get("version", "0")),
        name=str(raw.get("name", "")),
        codes=tuple(codes),
        vocabulary=frozenset(vocabulary),
        digest=digest,
    )


def _terms(entry: Mapping[str, Any], code_id: str, where: str) -> list[Term]:
    found = []
    terms = entry.get("terms", {}) or {}
    if not isinstance(terms, dict):
        raise CodebookError(f"{where}: {code_id} terms must be grouped as strong/medium/weak")
    for strength, patterns in terms.items():
        if strength not in STRENGTHS:
            raise CodebookError(f"{where}: {code_id} has unknown strength {strength!r}")
        for pattern in patterns or []:
            found.append(compile_term(str(pattern), STRENGTHS[strength]))
    return found


def _dedupe(terms: list[Term]) -> list[Term]:
    best: dict[str, Term] = {}
    for term in terms:
        if term.pattern not in best or best[term.pattern].weight < term.weight:
            best[term.pattern] = term
    return list(best.values())
