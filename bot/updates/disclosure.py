"""Small-number suppression for counts of people (k = 10 by default, never below 5).

A count of 1 to k-1 is shown as "fewer than k"; other counts are rounded to the nearest 5
(R-SDC-01, R-SDC-03). Where counts add up to a shown total, suppressing one of them alone
would let it be worked out by subtraction, so the next smallest is suppressed too
(R-SDC-02).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

ROUND_TO = 5


@dataclass(frozen=True, slots=True)
class Figure:
    """A count as it may be shown: ``value`` is None when it is suppressed."""

    value: int | None
    text: str

    @property
    def suppressed(self) -> bool:
        return self.value is None


def is_small(count: int, k: int) -> bool:
    return 0 < count < k


def rounded(count: int) -> int:
    return int(ROUND_TO * round(count / ROUND_TO)) if count >= ROUND_TO else count


def figure(count: int, k: int) -> Figure:
    if is_small(count, k):
        return Figure(None, f"fewer than {k}")
    return Figure(rounded(count), f"{rounded(count):,}")


def suppressed(counts: Mapping[str, int], k: int) -> dict[str, Figure]:
    """Each count as a :class:`Figure`, with no lone suppressed cell among parts of a total.

    ``counts`` are the parts of one whole (their sum is shown elsewhere), so when exactly one
    part is small, the smallest other non-zero part is hidden with it.
    """
    hidden = {name for name, count in counts.items() if is_small(count, k)}
    if len(hidden) == 1:
        others = sorted((c, n) for n, c in counts.items() if n not in hidden and c > 0)
        if others:
            hidden.add(others[0][1])
    return {
        name: Figure(None, f"fewer than {k}" if is_small(count, k) else "hidden")
        if name in hidden
        else figure(count, k)
        for name, count in counts.items()
    }


def reach_phrase(count: int, k: int) -> str:
    """How many people an update would reach, for the compose screen."""
    if count == 0:
        return "no one yet"
    if is_small(count, k):
        return f"fewer than {k} people"
    return f"about {rounded(count):,} people"


def shown_values(figures: Mapping[str, Figure]) -> dict[str, int | str]:
    """For JSON: the rounded number, or the words that replace it."""
    return {name: f.value if f.value is not None else f.text for name, f in figures.items()}


def partition_ok(parts: Sequence[Figure]) -> bool:
    """True when no suppressed part could be worked out from the others and the total."""
    return sum(1 for part in parts if part.suppressed) != 1
