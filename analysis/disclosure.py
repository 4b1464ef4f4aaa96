"""Disclosure control: small numbers hidden, hidden numbers kept hidden, counts rounded.

Every figure a summary shows passes through :func:`protect` once, all together, so the same
figure is hidden or shown the same way in every table, file and chart. The rules (see
``shared/reference/standards.md`` §4 and R-SDC-01…05):

1. **Primary suppression.** A figure based on fewer than ``k`` people (default 10, never
   below 5) is shown as "fewer than 10" and left out of charts. A true zero is shown as 0.
2. **Secondary suppression.** Wherever a total is shown with the figures that add up to it
   (a *line*), a line with exactly one hidden figure gets a second one hidden, so the first
   cannot be worked out by subtraction. A hidden total with all its parts shown gets a part
   hidden. Repeated until nothing changes, across every line at once.
3. **Class disclosure.** In a small group (fewer than ``class_base`` people, default 2k)
   where everyone gave the same answer, the whole breakdown is hidden.
4. **Rounding.** Shown counts are rounded to the nearest ``round_to`` (default 5); totals
   are rounded from the unrounded sums; percentages are worked out from unrounded values,
   shown as whole numbers, and hidden when their base is hidden or below ``k``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

MIN_K = 5


class Hidden(StrEnum):
    """Why a figure is not shown."""

    SMALL = "small"  # fewer than k people
    SECONDARY = "secondary"  # would let a small number be worked out from a total
    CLASS = "class"  # everyone in a small group gave the same answer


@dataclass(frozen=True, slots=True)
class DisclosureRule:
    """The suppression rule in force; printed in every file so readers know what was done."""

    k: int = 10
    round_to: int = 5
    class_base: int | None = None

    def __post_init__(self) -> None:
        if self.k < MIN_K:
            raise ValueError(f"k must be at least {MIN_K}: smaller groups can identify people")
        if self.round_to < 1:
            raise ValueError("round_to must be 1 (no rounding) or more")

    @property
    def small_group(self) -> int:
        return self.class_base if self.class_base is not None else 2 * self.k

    @property
    def fewer_than(self) -> str:
        return f"fewer than {self.k}"

    def round(self, value: int) -> int:
        if self.round_to == 1:
            return value
        return int(math.floor(value / self.round_to + 0.5)) * self.round_to

    def describe(self) -> str:
        rounding = (
            f"Counts are rounded to the nearest {self.round_to}; totals are rounded from the "
            "unrounded sums, so shown figures may not add up exactly."
            if self.round_to > 1
            else "Counts are not rounded."
        )
        return (
            f"Any figure based on fewer than {self.k} people is shown as "
            f'"{self.fewer_than}" and left out of charts. Where a hidden figure could be '
            'worked out from a total, another figure is hidden too (shown as "hidden"). '
            f"In groups of fewer than {self.small_group} people where everyone gave the same "
            f"answer, the breakdown is hidden. {rounding} Percentages are worked out before "
            f"rounding, shown as whole numbers, and hidden when based on fewer than {self.k} "
            "people. Filters that leave fewer than "
            f"{self.k} people show no figures at all."
        )

    def as_dict(self) -> dict[str, int]:
        return {"k": self.k, "round_to": self.round_to, "class_base": self.small_group}


@dataclass(frozen=True, slots=True)
class Count:
    """A raw figure: how many (answers, runs…) and from how many distinct people."""

    value: int
    people: int

    @classmethod
    def of(cls, items: Iterable[tuple[object, str]]) -> Count:
        """Count ``(item, person)`` pairs: items and distinct people."""
        items = list(items)
        return cls(len(items), len({person for _, person in items}))


ZERO = Count(0, 0)


@dataclass(frozen=True, slots=True)
class Shown:
    """A published figure: a rounded count and a percentage, or the reason it is hidden."""

    value: int | None
    percent: int | None = None
    hidden: Hidden | None = None
    fewer_than: str = "fewer than 10"

    @property
    def suppressed(self) -> bool:
        return self.hidden is not None

    @property
    def display(self) -> str:
        if self.hidden is Hidden.SMALL:
            return self.fewer_than
        if self.hidden is not None:
            return "hidden"
        return "" if self.value is None else f"{self.value:,}"

    @property
    def percent_display(self) -> str:
        return "" if self.percent is None else f"{self.percent}%"


@dataclass(frozen=True, slots=True)
class Line:
    """A total and the figures that add up to it exactly, as they will be shown together."""

    total: Hashable
    parts: tuple[Hashable, ...]
    # Hide the whole breakdown when a small group all gave the same answer.
    class_check: bool = False


@dataclass(slots=True)
class Figures:
    """Raw figures keyed by name, the lines that tie them, and which percentage uses which base."""

    counts: dict[Hashable, Count] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    bases: dict[Hashable, Hashable] = field(default_factory=dict)

    def add(self, key: Hashable, count: Count, base: Hashable | None = None) -> Hashable:
        self.counts[key] = count
        if base is not None:
            self.bases[key] = base
        return key

    def line(self, total: Hashable, parts: Iterable[Hashable], class_check: bool = False) -> None:
        self.lines.append(Line(total, tuple(parts), class_check))


def protect(figures: Figures, rule: DisclosureRule) -> dict[Hashable, Shown]:
    """Apply the rule to every figure at once; return what may be shown for each key."""
    counts = figures.counts
    hidden: dict[Hashable, Hidden] = {
        key: Hidden.SMALL for key, count in counts.items() if 0 < count.people < rule.k
    }
    _class_disclosure(figures, rule, hidden)
    while True:
        _secondary(figures, rule, hidden)
        if not _hide_more_where_derivable(figures, rule, hidden):
            break
    return {key: _shown(key, figures, rule, hidden) for key in counts}


def _class_disclosure(
    figures: Figures, rule: DisclosureRule, hidden: dict[Hashable, Hidden]
) -> None:
    for line in figures.lines:
        if not line.class_check:
            continue
        total = figures.counts[line.total]
        if not 0 < total.people < rule.small_group:
            continue
        if any(figures.counts[part].value == total.value for part in line.parts):
            for part in line.parts:
                hidden.setdefault(part, Hidden.CLASS)


def _secondary(figures: Figures, rule: DisclosureRule, hidden: dict[Hashable, Hidden]) -> None:
    changed = True
    while changed:
        changed = False
        for line in figures.lines:
            if _protect_line(line, figures.counts, rule, hidden):
                changed = True


def _protect_line(
    line: Line,
    counts: Mapping[Hashable, Count],
    rule: DisclosureRule,
    hidden: dict[Hashable, Hidden],
) -> bool:
    parts_hidden = [part for part in line.parts if part in hidden]
    visible = [part for part in line.parts if part not in hidden]
    total_hidden = line.total in hidden
    if total_hidden and (parts_hidden or not visible):
        return False  # two or more unknowns in this line, or nothing to work out
    if not total_hidden and not parts_hidden:
        return False
    if not total_hidden and len(parts_hidden) > 1 and not _at_bound(line, counts, rule, hidden):
        return False
    if not visible:
        hidden[line.total] = Hidden.SECONDARY
        return True
    # Hide the smallest figure that still has people in it: it costs the reader least.
    nonzero = [part for part in visible if counts[part].value > 0]
    choice = min(nonzero or visible, key=lambda part: (counts[part].value, str(part)))
    hidden[choice] = Hidden.SECONDARY
    return True


def _at_bound(
    line: Line,
    counts: Mapping[Hashable, Count],
    rule: DisclosureRule,
    hidden: Mapping[Hashable, Hidden],
) -> bool:
    """Does the hidden parts' least or greatest possible sum equal what the total leaves?

    "Fewer than k" tells a reader a count of people is 1 to k-1. Two such figures in a line
    whose total leaves exactly 2 must both be 1: hidden, but not protected.
    """
    left = counts[line.total].value - sum(
        counts[part].value for part in line.parts if part not in hidden
    )
    low = high = 0
    bounded = True
    for part in (part for part in line.parts if part in hidden):
        count = counts[part]
        if hidden[part] is Hidden.SMALL:
            low += 1
        if hidden[part] is Hidden.SMALL and count.value == count.people:
            high += rule.k - 1
        else:
            bounded = False
    return left == low or (bounded and left == high)


_UNBOUNDED = 10**12


def _hide_more_where_derivable(
    figures: Figures, rule: DisclosureRule, hidden: dict[Hashable, Hidden]
) -> bool:
    """Check the published figures as a reader would, across all lines together.

    Bounds on each hidden figure are narrowed from every line it is in until they settle
    (what a reader can deduce by adding and subtracting). A hidden figure whose bounds close
    to one value is given away: hide one more figure in a line it is in, and say so.
    """
    bounds = _bounds(figures, rule, hidden)
    for key in hidden:
        low, high = bounds[key]
        if low != high:
            continue
        lines = [line for line in figures.lines if key == line.total or key in line.parts]
        parts = [p for line in lines for p in line.parts if p not in hidden]
        totals = [line.total for line in lines if line.total not in hidden]
        if parts:
            nonzero = [p for p in parts if figures.counts[p].value > 0]
            choice = min(nonzero or parts, key=lambda p: (figures.counts[p].value, str(p)))
        elif totals:
            choice = totals[0]
        else:
            continue
        hidden[choice] = Hidden.SECONDARY
        return True
    return False


def _bounds(
    figures: Figures, rule: DisclosureRule, hidden: Mapping[Hashable, Hidden]
) -> dict[Hashable, list[int]]:
    bounds: dict[Hashable, list[int]] = {}
    for key, count in figures.counts.items():
        if key not in hidden:
            bounds[key] = [count.value, count.value]
        elif hidden[key] is Hidden.SMALL:
            small_people = count.value == count.people
            bounds[key] = [1, rule.k - 1 if small_people else _UNBOUNDED]
        else:
            bounds[key] = [0, _UNBOUNDED]
    for _ in range(100):
        changed = False
        for line in figures.lines:
            total = bounds[line.total]
            parts = [bounds[p] for p in line.parts]
            low_sum = sum(b[0] for b in parts)
            high_sum = min(sum(b[1] for b in parts), _UNBOUNDED)
            new_total = [max(total[0], low_sum), min(total[1], high_sum)]
            if new_total != total:
                total[:] = new_total
                changed = True
            for b in parts:
                low = max(b[0], total[0] - (high_sum - b[1]) if high_sum < _UNBOUNDED else b[0])
                high = min(b[1], total[1] - (low_sum - b[0]))
                if [low, high] != b:
                    b[:] = [low, high]
                    changed = True
        if not changed:
            break
    return bounds


def _shown(
    key: Hashable, figures: Figures, rule: DisclosureRule, hidden: Mapping[Hashable, Hidden]
) -> Shown:
    if key in hidden:
        return Shown(None, None, hidden[key], rule.fewer_than)
    count = figures.counts[key]
    percent = None
    base_key = figures.bases.get(key)
    if base_key is not None and base_key not in hidden:
        base = figures.counts[base_key]
        if base.people >= rule.k and base.value > 0:
            percent = int(math.floor(100 * count.value / base.value + 0.5))
    return Shown(rule.round(count.value), percent, None, rule.fewer_than)
