"""The help card every channel shows: where to get help now, from ``config/signposting.yaml``.

The numbers live in configuration, each file with the date it was last checked, so a local
area can correct them without touching code. A missing or broken file never hides help: the
card falls back to 999 and Childline, which are national and do not change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import yaml

from analysis.safeguarding import Signposting

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Signpost:
    name: str
    how: str
    when: str


@dataclass(frozen=True, slots=True)
class HelpCard:
    entries: tuple[Signpost, ...]
    last_verified: str | None

    def lines(self) -> list[str]:
        """The card as chat lines, one service each."""
        return [f"• {e.name}: {e.how}. {e.when}".rstrip() for e in self.entries]


FALLBACK = HelpCard(
    (
        Signpost("Emergency: 999", "Call 999.", "If you or someone else is in danger now."),
        Signpost("Childline", "Call 0800 1111, free.", "For anyone under 19. Any time."),
    ),
    None,
)


def load_help_card(path: Path) -> HelpCard:
    """Read the card (the same file and loader as the safeguarding reply); on any problem,
    log it and return the national fallback."""
    try:
        signposting = Signposting.load(path)
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        log.error("help card %s cannot be used (%s); showing 999 and Childline only", path, exc)
        return FALLBACK
    entries = tuple(Signpost(s.name, s.contact, s.when) for s in signposting.services)
    return HelpCard(entries, signposting.last_verified.isoformat())
