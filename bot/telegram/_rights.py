"""The always-available texts: help (with the help-now card), privacy, and "my data".

Kept apart from the handlers because they are plain functions of wording and data, and the
same words serve whichever language and reading level the person chose.
"""

from __future__ import annotations

from bot.mydata import Kept
from bot.signposting import HelpCard
from surveys.wording import Wording


def help_text(wording: Wording, card: HelpCard, language: str, easy: bool) -> str:
    def say(key: str, **values: object) -> str:
        return wording.say(key, language, easy, **values)

    area = wording.say("area_name", language)
    parts = [say("telegram.help", area_name=area), "", say("telegram.help_now")]
    parts += card.lines(language, easy)
    checked = card.checked_on(language)
    if checked:
        parts.append(say("telegram.help_checked", date=checked))
    parts += ["", say("telegram.help_commands")]
    return "\n".join(parts)


def privacy_text(wording: Wording, language: str, easy: bool) -> str:
    area = wording.say("area_name", language)
    return wording.say("telegram.privacy", language, easy, area_name=area)


def my_data_text(kept: Kept, wording: Wording, language: str, easy: bool) -> str:
    """What we keep (:func:`bot.mydata.read_kept`) as one chat message, split if long."""
    lines = [kept.intro, "", kept.about_heading]
    lines += [f"• {fact}" for fact in kept.about]
    lines += ["", kept.answers_heading]
    if kept.no_answers:
        lines.append(kept.no_answers)
    for survey in kept.surveys:
        lines += ["", survey.title, *survey.facts]
        lines += [f"• {a.question}\n  {a.answer}" for a in survey.answers]
    lines += ["", wording.say("telegram.mydata_outro", language, easy)]
    return "\n".join(lines)
