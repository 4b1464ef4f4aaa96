"""Which text a person reads: the one rule for language and reading level, everywhere.

Surveys, the bot's wording and the help-now card each hold plain text and sometimes an
easy-read version, by language. When the person's language has no easy-read version, they get
the plain text *in their language* before easy-read text in the base language: a Polish speaker
who chose easy words understands plain Polish better than easy English, everything around
the text (buttons, the bot's own words, the help card) is in Polish too, and a "Listen" voice
note reads it with the person's voice. Easy English is for a text not translated at all.
"""

from __future__ import annotations

from collections.abc import Mapping


def choose_text(
    plain: Mapping[str, str],
    easy: Mapping[str, str] | None,
    *,
    language: str,
    base: str,
    wants_easy: bool,
) -> tuple[str, str] | None:
    """The text to show and the language it is in, or None when there is none to show.

    In order: easy words in the person's language (if they want them), plain words in it,
    then the same two in the base language.
    """
    versions = (easy, plain) if wants_easy and easy else (plain,)
    for wanted in dict.fromkeys((language or base, base)):
        for by_language in versions:
            text = by_language.get(wanted)
            if text:
                return text, wanted
    return None
