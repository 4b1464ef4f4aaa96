"""Small numbers hidden, the same way as in the summaries (:mod:`analysis.disclosure`).

Counts of people under ``k`` (default 10, never below 5) show as "fewer than 10"; where
counts add up to a total that is shown, a second one is hidden so the first cannot be worked
out; shown counts are rounded to the nearest 5. One rule for the whole dashboard: the
updates pages use the summaries' own :func:`~analysis.disclosure.protect`.
"""

from __future__ import annotations

from collections.abc import Mapping

from analysis.disclosure import Count, DisclosureRule, Figures, Shown, protect
from config.settings import Settings

__all__ = ["DisclosureRule", "Shown", "protect_counts", "reach_phrase", "rule_for", "shown"]


def rule_for(settings: Settings) -> DisclosureRule:
    return DisclosureRule(k=settings.summary_k, round_to=settings.summary_round_to)


def protect_counts(
    parts: Mapping[str, int],
    others: Mapping[str, int],
    rule: DisclosureRule | None,
    total: str = "total",
) -> dict[str, Shown]:
    """``parts`` add up to ``total`` (which is shown too); ``others`` stand alone.

    With no rule (internal use only) every count is shown as it is.
    """
    counts = {total: sum(parts.values()), **parts, **others}
    if rule is None:
        return {name: Shown(value) for name, value in counts.items()}
    figures = Figures()
    for name, value in counts.items():
        figures.add(name, Count(value, value))
    figures.line(total, list(parts))
    return {str(key): value for key, value in protect(figures, rule).items()}


def shown(count: int, rule: DisclosureRule) -> Shown:
    """One count on its own."""
    return protect_counts({}, {"n": count}, rule)["n"]


def reach_phrase(count: int, rule: DisclosureRule) -> str:
    """How many people an update would reach, for the compose screen."""
    if count == 0:
        return "no one yet"
    figure = shown(count, rule)
    return f"{figure.display} people" if figure.suppressed else f"about {figure.display} people"


def shown_values(figures: Mapping[str, Shown]) -> dict[str, int | str]:
    """For JSON: the rounded number, or the words that replace it."""
    return {
        name: f.value if not f.suppressed and f.value is not None else f.display
        for name, f in figures.items()
    }
