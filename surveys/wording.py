"""The bot's own words (privacy message, buttons, progress…), from ``config/wording.yaml``.

Every channel says the same things, so the wording lives with the engine, as data a local
area can rewrite. A key may have an easy-read variant, ``<key>.easy``; which text a person
gets follows :func:`surveys.reading.choose_text` (their language first, then easy words).

Translations may live beside the base file, one language per file (``wording.pl.yaml``
holds ``language: pl`` and ``messages:``), so a translator edits one file of their own.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from config.settings import CONFIG_DIR
from surveys._yaml import StrictLoader
from surveys.reading import choose_text

DEFAULT_WORDING_PATH = CONFIG_DIR / "wording.yaml"


class WordingError(Exception):
    """The wording file is missing a key the engine needs, or is malformed."""


class Wording:
    """Look up a message by key, language and reading level."""

    def __init__(
        self, messages: Mapping[str, Mapping[str, str]], base_language: str = "en"
    ) -> None:
        self._messages = messages
        # Which text answers (key, language, easy): every prompt asks for several, every turn.
        self._chosen: dict[tuple[str, str, bool], str] = {}
        self.base_language = base_language

    @classmethod
    def load(cls, path: str | Path = DEFAULT_WORDING_PATH) -> Wording:
        try:
            raw: Any = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=StrictLoader)
        except (OSError, yaml.YAMLError) as exc:
            raise WordingError(f"{path}: cannot be read ({exc})") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("messages"), dict):
            raise WordingError(f"{path}: needs a 'messages' mapping")
        base = str(raw.get("base_language", "en"))
        messages: dict[str, dict[str, str]] = {}
        for key, value in raw["messages"].items():
            if isinstance(value, str):
                messages[key] = {base: value}
            elif isinstance(value, dict) and base in value:
                messages[key] = {str(k): str(v) for k, v in value.items()}
            else:
                raise WordingError(f"{path}: message {key!r} has no {base!r} text")
        path = Path(path)
        for translation in sorted(path.parent.glob(f"{path.stem}.*{path.suffix}")):
            _add_translation(messages, translation, base)
        return cls(messages, base)

    def has(self, key: str) -> bool:
        return key in self._messages

    def languages(self, key: str) -> list[str]:
        """The languages ``key`` is written in, base language first."""
        found = self._messages.get(key, {})
        return [self.base_language, *sorted(lang for lang in found if lang != self.base_language)]

    def say(self, key: str, language: str = "", easy: bool = False, **values: object) -> str:
        """The message for ``key``, formatted with ``values``."""
        found = self._chosen.get((key, language, easy))
        if found is None:
            found = self._chosen[key, language, easy] = self._choose(key, language, easy)
        return found.format(**values) if values else found

    def _choose(self, key: str, language: str, easy: bool) -> str:
        found = choose_text(
            self._messages.get(key, {}),
            self._messages.get(f"{key}.easy"),
            language=language,
            base=self.base_language,
            wants_easy=easy,
        )
        if found is None:
            raise WordingError(f"no wording for {key!r}")
        return found[0]


def _add_translation(messages: dict[str, dict[str, str]], path: Path, base: str) -> None:
    """Merge one ``wording.<language>.yaml`` into ``messages``, refusing what cannot work."""
    try:
        raw: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=StrictLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise WordingError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("messages"), dict):
        raise WordingError(f"{path}: needs 'language' and a 'messages' mapping")
    language = str(raw.get("language") or path.suffixes[-2].lstrip("."))
    for key, text in raw["messages"].items():
        if key not in messages:
            raise WordingError(f"{path}: message {key!r} is not in the base wording")
        if not isinstance(text, str):
            raise WordingError(f"{path}: message {key!r} should be text")
        unknown = _placeholders(text) - _placeholders(messages[key][base])
        if unknown:
            raise WordingError(
                f"{path}: message {key!r} uses {', '.join(sorted(unknown))}, which the "
                f"{base!r} text does not have"
            )
        messages[key][language] = text


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
