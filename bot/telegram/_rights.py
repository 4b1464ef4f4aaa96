"""The always-available texts: help (with the help-now card), privacy, and "my data".

Kept apart from the handlers because they are plain functions of wording and data, and the
same words serve whichever language and reading level the person chose.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from bot.signposting import HelpCard
from surveys.wording import Wording


def help_text(wording: Wording, card: HelpCard, language: str, easy: bool) -> str:
    def say(key: str, **values: object) -> str:
        return wording.say(key, language, easy, **values)

    area = wording.say("area_name", language)
    parts = [say("telegram.help", area_name=area), "", say("telegram.help_now")]
    parts += card.lines(language, easy)
    if card.last_verified:
        parts.append(say("telegram.help_checked", date=card.last_verified))
    parts += ["", say("telegram.help_commands")]
    return "\n".join(parts)


def privacy_text(wording: Wording, language: str, easy: bool) -> str:
    area = wording.say("area_name", language)
    return wording.say("telegram.privacy", language, easy, area_name=area)


def my_data_text(
    wording: Wording, data: dict[str, Any], language: str, easy: bool, tz: ZoneInfo
) -> str:
    """A plain-language copy of :meth:`SurveyService.my_data`."""

    def say(key: str, **values: object) -> str:
        return wording.say(key, language, easy, **values)

    def label(prefix: str, value: str | None) -> str:
        if not value:
            return say("telegram.mydata_not_given")
        key = f"{prefix}.{value}"
        return wording.say(key, language, easy) if wording.has(key) else value

    about = data.get("about_you", {})
    messages_off = about.get("proactive_messages") == "off"
    lines = [
        say("telegram.mydata_intro", pseudonym=data.get("pseudonym", "")),
        "",
        say("telegram.mydata_about"),
        "• " + say("telegram.mydata_role", value=label("role", about.get("role"))),
    ]
    if about.get("age_band"):
        lines.append(
            "• " + say("telegram.mydata_age_band", value=label("age_band", about["age_band"]))
        )
    lines += [
        "• " + say("telegram.mydata_format", value=label("format", about.get("format"))),
        "• " + say("telegram.mydata_language", value=label("language", about.get("language"))),
        "• " + say("telegram.mydata_agreed", value=_when(about.get("agreed_to_take_part"), tz)),
        "• "
        + say(
            "telegram.mydata_messages",
            value=say(
                "telegram.mydata_messages_off" if messages_off else "telegram.mydata_messages_on"
            ),
        ),
    ]
    channels = ", ".join(c.capitalize() for c in data.get("how_we_can_reach_you", []))
    if channels:
        lines.append("• " + say("telegram.mydata_reach", value=channels))
    lines += ["", say("telegram.mydata_answers")]
    surveys = data.get("surveys", [])
    if not surveys:
        lines.append(say("telegram.mydata_no_answers"))
    for survey in surveys:
        status_key = f"telegram.mydata_status.{survey.get('status')}"
        status = say(status_key) if wording.has(status_key) else survey.get("status", "")
        lines += ["", f"{survey.get('survey')} ({status}, {_when(survey.get('started'), tz)})"]
        for answer in survey.get("answers", []):
            lines.append(f"• {answer['question']}\n  {answer['answer']}")
    lines += ["", say("telegram.mydata_outro")]
    return "\n".join(lines)


def _when(iso: str | None, tz: ZoneInfo) -> str:
    if not iso:
        return "–"
    moment = dt.datetime.fromisoformat(iso).astimezone(tz)
    return f"{moment:%-d %b %Y, %H:%M}"
