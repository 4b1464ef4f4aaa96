"""Engine prompts → Telegram messages: text, inline keyboards, callback payloads, speech.

A question message starts with "Question n of N", then the question, then one line on how to
answer. Answers are buttons, one per row (so "Yes" and "No" weigh the same and long labels
are never cut), numbered so they can be typed; controls (Done, Back, Skip…) sit below.

Buttons on a survey question carry a short tag of the question they belong to, so a tap on an
old message can be recognised and never taken as an answer to a newer question.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from surveys.definition import QuestionType
from surveys.engine import Button, Input, Prompt, PromptKind
from surveys.wording import Wording

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's limit for one message
_MAX_CALLBACK_BYTES = 64
ADAPTER_PREFIX = "tg:"  # buttons the channel itself adds (delete confirmation…)
_TAG = re.compile(r"^([0-9a-f]{4})\|(.*)$", re.S)
_NUMBERED = {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.RATING}
_HINTS = {
    QuestionType.SINGLE_CHOICE: "telegram.hint.choice",
    QuestionType.RATING: "telegram.hint.choice",
    QuestionType.YES_NO: "telegram.hint.yes_no",
    QuestionType.MULTIPLE_CHOICE: "telegram.hint.multiple",
    QuestionType.FREE_TEXT: "telegram.hint.free_text",
    QuestionType.NUMBER: "telegram.hint.number",
}


@dataclass(frozen=True, slots=True)
class Tap:
    """A decoded button payload: an engine input, maybe with its question's tag."""

    input: Input
    tag: str | None


def question_tag(question_id: str) -> str:
    return hashlib.sha1(question_id.encode()).hexdigest()[:4]


def decode_tap(data: str) -> Tap:
    match = _TAG.match(data)
    if match:
        return Tap(Input.decode(match.group(2)), match.group(1))
    return Tap(Input.decode(data), None)


def message_text(prompt: Prompt, wording: Wording) -> str:
    """What the person reads: progress, the text and any help-now card, how to answer."""
    parts = [prompt.progress, prompt.text] if prompt.progress else [prompt.text]
    text = "\n".join(p for p in parts if p)
    if prompt.card:
        text = f"{text}\n\n{prompt.card}"
    hint_key = _HINTS.get(prompt.question_type) if prompt.question_type else None
    if prompt.kind is PromptKind.QUESTION and hint_key:
        hint = wording.say(hint_key, prompt.language, prompt.easy)
        text = f"{text}\n\n{hint}"
    return text


def keyboard(prompt: Prompt) -> InlineKeyboardMarkup | None:
    """Answers one per row, then controls: Done alone, the rest two to a row."""
    if not prompt.buttons and not prompt.controls:
        return None
    tag = question_tag(prompt.question_id) if prompt.question_id else None
    numbered = prompt.question_type in _NUMBERED
    rows = [
        [_button(_answer_label(b, i, numbered, prompt.multiple), b.input, tag)]
        for i, b in enumerate(prompt.buttons, 1)
    ]
    controls = list(prompt.controls)
    if prompt.multiple and controls:
        rows.append([_button(controls[0].label, controls[0].input, tag)])
        controls = controls[1:]
    for i in range(0, len(controls), 2):
        rows.append([_button(b.label, b.input, tag) for b in controls[i : i + 2]])
    return InlineKeyboardMarkup(rows)


def keyboard_json(prompt: Prompt) -> dict[str, Any] | None:
    """:func:`keyboard` as the Bot API's JSON, made once per distinct keyboard and shared.

    Everyone on a question gets the same keyboard; PTB's ``to_dict`` of one costs more than
    sending the message. Callers must not change the dict.
    """
    if not prompt.buttons and not prompt.controls:
        return None
    return _keyboard_json(
        prompt.buttons, prompt.controls, prompt.question_id, prompt.question_type, prompt.multiple
    )


@functools.lru_cache(maxsize=4096)
def _keyboard_json(
    buttons: tuple[Button, ...],
    controls: tuple[Button, ...],
    question_id: str | None,
    question_type: QuestionType | None,
    multiple: bool,
) -> dict[str, Any]:
    shape = Prompt(
        PromptKind.QUESTION,
        "",
        buttons,
        controls,
        question_id=question_id,
        question_type=question_type,
        multiple=multiple,
    )
    markup = keyboard(shape)
    assert markup is not None
    return markup.to_dict()


def _answer_label(button: Button, number: int, numbered: bool, multiple: bool) -> str:
    label = f"{number}. {button.label}" if numbered else button.label
    if multiple and button.selected:
        label = f"{label} ✅"  # a mark at the end: screen readers read the words first
    return label


def _button(label: str, given: Input, tag: str | None) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callback_data(given, tag))


def callback_data(given: Input, tag: str | None = None) -> str:
    data = given.encode()
    tagged = f"{tag}|{data}" if tag else data
    if len(tagged.encode()) <= _MAX_CALLBACK_BYTES:
        return tagged
    if len(data.encode()) > _MAX_CALLBACK_BYTES:
        log.error("button payload over Telegram's 64 bytes, cut: %r", data)
        return data.encode()[:_MAX_CALLBACK_BYTES].decode(errors="ignore")
    return data


def adapter_button(label: str, verb: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=f"{ADAPTER_PREFIX}{verb}")


def spoken_text(prompt: Prompt) -> str:
    """What the voice note says: the message, with the answers read out by number."""
    parts = [prompt.progress or "", prompt.text, prompt.card]
    if prompt.buttons:
        numbered = prompt.question_type in _NUMBERED or prompt.question_type is None
        for i, button in enumerate(prompt.buttons, 1):
            parts.append(f"{i}: {_unsymbol(button.label)}" if numbered else button.label)
    sentences = []
    for line in (line for part in parts for line in part.split("\n")):
        words = " ".join(_unsymbol(line).split()).lstrip("•- ")
        if words:  # each line a sentence, so the voice pauses where the eye would
            sentences.append(words if words[-1] in ".?!:" else f"{words}.")
    return " ".join(sentences)


# What is left of an emoji once its symbol has gone: the selector that makes "🛠️" a picture
# and the joiner inside "👨‍👩‍👧". Alone, a speech engine may read them out or stumble.
_EMOJI_GLUE = frozenset("\ufe0e\ufe0f\u200d")


def _unsymbol(text: str) -> str:
    """Drop emoji and other symbols, which speech engines read out by name."""
    return "".join(
        ch
        for ch in text
        if ch not in _EMOJI_GLUE and unicodedata.category(ch) not in ("So", "Sk", "Cs")
    )


def chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split a long text at line breaks so each piece fits in one message."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces
