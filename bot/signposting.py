"""The help card every channel shows: where to get help now, from ``config/signposting.yaml``.

The numbers live in configuration, each file with the date it was last checked, so a local
area can correct them without touching code. Every channel reads the card through
:class:`HelpCard`, in the person's language and reading level, so Telegram's ``/help``, the web
chat's help card and the safeguarding reply never say different things. A missing or broken
file never hides help: the card falls back to 999 and Childline, which are national and do
not change.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from analysis.safeguarding import CardLine, Signposting, SignpostingError
from bot.dates import day

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HelpCard:
    """The services to show, and the date they were checked (None for the fallback)."""

    signposting: Signposting
    last_verified: str | None

    def entries(self, language: str = "en", easy: bool = False) -> tuple[CardLine, ...]:
        """One entry per service in the person's language, English where a line has none."""
        return self.signposting.lines(language, easy)

    def lines(self, language: str = "en", easy: bool = False) -> list[str]:
        """The card as chat lines, one service each."""
        return [str(entry) for entry in self.entries(language, easy)]

    def checked_on(self, language: str = "en") -> str | None:
        """When the numbers were checked, as the person reads dates ("22 listopada 2026"):
        "2026-11-22" is a code, not a date, to a child or to someone reading Polish."""
        if self.last_verified is None:
            return None
        return day(dt.date.fromisoformat(self.last_verified), language)


FALLBACK = HelpCard(
    Signposting.from_mapping(
        {
            "last_verified": dt.date(2026, 11, 22),
            "services": [
                {
                    "id": "emergency",
                    "name": "999",
                    "contact": {"en": "Call 999", "pl": "Zadzwoń pod 999"},
                    "when": {
                        "en": "if you or someone else is in danger now",
                        "pl": "jeśli Tobie lub komuś innemu grozi teraz niebezpieczeństwo",
                    },
                },
                {
                    "id": "childline",
                    "name": "Childline",
                    "contact": {
                        "en": "Call 0800 1111 (free)",
                        "pl": "Zadzwoń pod 0800 1111 (bezpłatnie, rozmowa po angielsku)",
                    },
                    "when": {
                        "en": "if you are under 19, any time",
                        "pl": "jeśli masz mniej niż 19 lat, o każdej porze",
                    },
                },
            ],
        },
        "the built-in fallback card",
    ),
    None,
)


def load_help_card(path: Path) -> HelpCard:
    """Read the card (the same file and loader as the safeguarding reply); on any problem,
    log it and return the national fallback."""
    try:
        signposting = Signposting.load(path)
    except SignpostingError as exc:
        log.error("help card cannot be used (%s); showing 999 and Childline only", exc)
        return FALLBACK
    return HelpCard(signposting, signposting.last_verified.isoformat())
