"""Turning an update (or a staff answer, or a round-up) into the message a person sees.

Channel-neutral: a :class:`Message` is text, rows of buttons (label, payload) and perhaps a
picture. The sender hands it to the Telegram transport; the dashboard shows the same text as
a preview. Buttons carry short payloads (Telegram allows 64 bytes): ``ur:<update>:<code>``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot import dates
from surveys.wording import Wording

MAX_TEXT = 4096  # Telegram's limit for one message
MAX_CAPTION = 1024  # …and for a picture's caption

REACTIONS = {"h": "helps", "n": "not_really", "q": "question"}
READ = "r"  # open one update from a round-up


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()
    picture: bytes | str | None = None  # bytes to upload, or a file id already uploaded


@dataclass(frozen=True, slots=True)
class UpdateContent:
    """What staff wrote, as the sender needs it."""

    id: int
    title: str
    text: str
    easy_text: str | None = None
    picture: bytes | None = None
    picture_file_id: str | None = None
    kind: str = "broadcast"
    themes: tuple[str, ...] = field(default_factory=tuple)

    def body(self, easy: bool) -> str:
        return self.easy_text if easy and self.easy_text else self.text


def reaction_payload(update_id: int, code: str) -> str:
    return f"ur:{update_id}:{code}"


def parse_reaction_payload(data: str) -> tuple[int, str] | None:
    """``ur:12:h`` → (12, "h"); anything else → None."""
    prefix, _, rest = data.partition(":")
    number, _, code = rest.partition(":")
    if (
        prefix != "ur"
        or not (number.isascii() and number.isdigit())
        or code not in (*REACTIONS, READ)
    ):
        return None
    return int(number), code


def reaction_buttons(
    wording: Wording, update_id: int, language: str, easy: bool
) -> tuple[tuple[tuple[str, str], ...], ...]:
    def button(code: str) -> tuple[str, str]:
        label = wording.say(f"updates.react.{REACTIONS[code]}", language, easy)
        return label, reaction_payload(update_id, code)

    return ((button("h"), button("n")), (button("q"),))


def update_message(
    wording: Wording,
    content: UpdateContent,
    *,
    language: str = "",
    easy: bool = False,
    personal: str | None = None,
) -> Message:
    """The update as one message: heading, a line about what they said, the words, buttons."""
    parts = [wording.say("updates.header", language, easy, title=content.title)]
    if personal:
        parts.append(personal)
    parts.append(content.body(easy))
    parts.append(wording.say("updates.footer", language, easy))
    text = "\n\n".join(p.strip() for p in parts if p and p.strip())
    picture: bytes | str | None = content.picture_file_id or content.picture
    return Message(text, reaction_buttons(wording, content.id, language, easy), picture)


def you_said_line(
    wording: Wording, topic: str, since: dt.datetime, language: str = "", easy: bool = False
) -> str:
    """ "You told us about <topic> in <month year>." — the personal part of a theme update."""
    month = dates.month(since, language)
    return wording.say("updates.you_said", language, easy, topic=topic, month=month)


def staff_answer_message(
    wording: Wording,
    update_id: int,
    title: str,
    answer: str,
    language: str = "",
    easy: bool = False,
) -> Message:
    text = wording.say("updates.staff_answer", language, easy, title=title, answer=answer.strip())
    write_back = wording.say("updates.button.write_back", language, easy)
    return Message(text, (((write_back, reaction_payload(update_id, "q")),),))


def roundup_message(
    wording: Wording,
    contents: list[UpdateContent],
    covering: str,
    *,
    language: str = "",
    easy: bool = False,
) -> Message:
    """A monthly round-up: each update's title and first lines, a "Read n" button for each.

    ``covering`` is the month as "2026-11"; a round-up queued before months were kept that way
    holds the English words, shown as they are.
    """
    try:
        month = dates.month(dt.date.fromisoformat(f"{covering}-01"), language)
    except ValueError:
        month = covering
    header = wording.say("updates.roundup.header", language, easy, month=month, count=len(contents))
    lines = [header]
    for number, content in enumerate(contents, start=1):
        lines.append(f"{number}. {content.title}\n{_first_sentences(content.body(easy))}")
    lines.append(wording.say("updates.roundup.footer", language, easy))
    text = "\n\n".join(lines)
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    buttons = tuple(
        (wording.say("updates.roundup.read", language, easy, n=n), reaction_payload(c.id, READ))
        for n, c in enumerate(contents, start=1)
    )
    rows = tuple(buttons[i : i + 3] for i in range(0, len(buttons), 3))
    return Message(text, rows)


def _first_sentences(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    stop = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: stop + 1] if stop > 40 else cut.rstrip() + "…"


def message_fits(message: Message) -> bool:
    limit = MAX_CAPTION if message.picture is not None else MAX_TEXT
    return len(message.text) <= limit
