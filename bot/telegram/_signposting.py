"""The "help now" card: services and numbers from ``config/signposting.yaml``.

The numbers are configuration, not code, so a local area can check and change them without a
release. The file is a plain list of ``{name, how, when}`` plus ``last_verified``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Signpost:
    name: str
    how: str
    when: str


@dataclass(frozen=True, slots=True)
class SignpostingCard:
    entries: tuple[Signpost, ...]
    last_verified: str | None

    def lines(self) -> list[str]:
        return [f"• {e.name}: {e.how}. {e.when}".rstrip() for e in self.entries]


# Used only if the file is missing or broken: help must never be empty.
_FALLBACK = SignpostingCard(
    (
        Signpost("Emergency services", "Call 999", "If someone is hurt or in danger right now."),
        Signpost("Childline", "Call 0800 1111 (free)", "For anyone under 19, any time."),
        Signpost("Samaritans", "Call 116 123 (free)", "For anyone, any time."),
    ),
    None,
)


def load_card(path: Path) -> SignpostingCard:
    """Read the card; on any problem log it and fall back to the three numbers above."""
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = _entries(raw)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        log.error("signposting: %s cannot be used (%s); showing the built-in numbers", path, exc)
        return _FALLBACK
    verified = raw.get("last_verified")
    if isinstance(verified, dt.date):
        verified = verified.isoformat()
    return SignpostingCard(entries, str(verified) if verified else None)


def _entries(raw: Any) -> tuple[Signpost, ...]:
    if not isinstance(raw, dict):
        raise ValueError("expected last_verified and a list of services")
    listed = next((value for value in raw.values() if isinstance(value, list)), None)
    if not listed:
        raise ValueError("no list of services")
    entries = []
    for item in listed:
        if not isinstance(item, dict) or not item.get("name") or not item.get("how"):
            raise ValueError(f"each service needs a name and how to reach it: {item!r}")
        entries.append(Signpost(str(item["name"]), str(item["how"]), str(item.get("when", ""))))
    return tuple(entries)
