"""Dates as people read them: in their language, in the area's time zone.

Month names and the order of day, month and year come from the Unicode CLDR data that Babel
bundles, so nothing is fetched at run time and a new language needs no code. Months are
spelt out ("3 December 2026"): a screen reader reads "Dec" as a word, and "03/12" means a
different day to a visitor from the US.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time

# The product serves areas in the UK: British English, and a language's British variant
# where CLDR has one (cy_GB); otherwise the language's own (pl).
_REGION = "GB"


@cache
def locale_for(language: str) -> Locale:
    for name in (f"{language}_{_REGION}", language, f"en_{_REGION}"):
        try:
            return Locale.parse(name)
        except (UnknownLocaleError, ValueError):
            continue
    raise AssertionError("Babel always knows en_GB")


def day(moment: dt.date, language: str) -> str:
    """ "3 December 2026" (in Polish "3 grudnia 2026")."""
    return format_date(moment, "long", locale=locale_for(language))


def month(moment: dt.date, language: str) -> str:
    """ "December 2026" (in Polish "grudzień 2026")."""
    return format_skeleton("yMMMM", moment, locale=locale_for(language))


def day_and_time(moment: dt.datetime, language: str, tz: ZoneInfo) -> str:
    """ "3 December 2026, 10:04" in the area's time zone."""
    local = moment.astimezone(tz)
    locale = locale_for(language)
    glue = locale.datetime_formats["medium"]
    when = format_date(local, "long", locale=locale)
    return glue.format(format_time(local, "short", locale=locale), when)
