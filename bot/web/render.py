"""From the engine's prompts to what a web page shows, and back from a form to inputs.

Nothing here decides what to ask: the engine's :class:`~surveys.engine.Prompt` says the text,
buttons, controls and progress, and this module only turns them into HTML-friendly data and
a submitted form into the :class:`~surveys.engine.Input` list the engine expects.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from surveys.definition import QuestionType
from surveys.engine import Action, Button, Input, Prompt, PromptKind

# Chat commands people know from Telegram, and where each lives on the web.
COMMAND_PAGES = {
    "/help": "/help",
    "/privacy": "/privacy",
    "/mydata": "/my-answers",
    "/delete": "/delete",
}
_COMMAND_IN_TEXT = re.compile(r"(?<![\w/])(/(?:help|privacy|mydata|delete))\b")
_BULLET = re.compile(r"^\s*(?:[•\-\*·▪●]|[✅❌🔒⏭])\s*")


# --------------------------------------------------------------------------- storing a view


def prompt_to_json(prompt: Prompt) -> dict[str, Any]:
    return {
        "kind": prompt.kind.value,
        "text": prompt.text,
        "buttons": [_button_json(b) for b in prompt.buttons],
        "controls": [_button_json(b) for b in prompt.controls],
        "progress": prompt.progress,
        "question_id": prompt.question_id,
        "question_type": prompt.question_type.value if prompt.question_type else None,
        "multiple": prompt.multiple,
        "accepts_text": prompt.accepts_text,
        "speak": prompt.speak,
        "easy": prompt.easy,
        "language": prompt.language,
        "card": prompt.card,
    }


def prompt_from_json(data: dict[str, Any]) -> Prompt:
    return Prompt(
        kind=PromptKind(data["kind"]),
        text=data["text"],
        buttons=tuple(_button(b) for b in data.get("buttons", ())),
        controls=tuple(_button(b) for b in data.get("controls", ())),
        progress=data.get("progress"),
        question_id=data.get("question_id"),
        question_type=QuestionType(data["question_type"]) if data.get("question_type") else None,
        multiple=bool(data.get("multiple")),
        accepts_text=bool(data.get("accepts_text")),
        speak=bool(data.get("speak")),
        easy=bool(data.get("easy")),
        language=data.get("language") or "en",
        card=data.get("card") or "",
    )


def _button_json(button: Button) -> list[Any]:
    return [button.label, button.input.encode(), button.selected]


def _button(data: Sequence[Any]) -> Button:
    return Button(str(data[0]), Input.decode(str(data[1])), bool(data[2]))


# --------------------------------------------------------------------------- where we are


def asking(prompts: Sequence[Prompt]) -> Prompt | None:
    """The prompt waiting for the person: the last one with something to press or type.

    A question usually; "Paused" with its Carry on button too. Nothing after a survey's end.
    """
    for prompt in reversed(prompts):
        if prompt.kind is PromptKind.DONE:
            return None
        if prompt.kind is PromptKind.QUESTION or prompt.buttons or prompt.controls:
            return prompt
    return None


def turn_of(prompts: Sequence[Prompt], step: str) -> str:
    """A name for what is being asked, so a form from an old page is not applied to a new one."""
    question = asking(prompts)
    if question is not None and question.question_id:
        return f"q:{question.question_id}"
    return f"s:{step}"


# --------------------------------------------------------------------------- form → inputs


@dataclass(frozen=True, slots=True)
class Submitted:
    """What a form asked for: engine inputs, or a page of the web chat's own."""

    inputs: tuple[Input, ...] = ()
    page: str | None = None  # "help", or a path to go to ("/my-answers")
    guarded: bool = True  # must match the page's turn (False for settings and commands)


def typed(text: str, question: Prompt | None) -> Submitted:
    """A typed message: a chat command ("/help", "help", "/back") or an answer."""
    said = text.strip()
    lowered = said.lower()
    command, _, rest = lowered.partition(" ")
    if lowered in ("help", "/help", "help me"):
        return Submitted(page="help", guarded=False)
    if command in COMMAND_PAGES:
        return Submitted(page=COMMAND_PAGES[command], guarded=False)
    if command in ("/start", "/surveys"):
        payload = rest.strip() if command == "/start" else ""
        return Submitted((Input(Action.START, payload),), guarded=False)
    controls = {
        "/back": Action.BACK,
        "/skip": Action.SKIP,
        "/pause": Action.PAUSE,
        "/resume": Action.RESUME,
    }
    if lowered in controls:
        return Submitted((Input(controls[lowered]),))
    if re.fullmatch(r"/[a-z_]+", lowered):  # /stop, or a command the web chat doesn't know
        return Submitted(page="stop" if lowered == "/stop" else "unknown", guarded=False)
    return Submitted((Input(Action.TEXT, said),))


def pressed(encoded: str, picked: Iterable[str], question: Prompt | None) -> Submitted:
    """A button press; for a tick-box question, the ticks are turned into the engine's taps."""
    given = Input.decode(encoded)
    if given.action in (Action.LANGUAGE, Action.FORMAT):
        return Submitted((given,), guarded=False)
    if given.action is Action.START:
        return Submitted((given,), guarded=False)
    if given.action is Action.DONE and question is not None and question.multiple:
        return Submitted((*_toggles(question, set(picked)), given))
    return Submitted((given,))


def _toggles(question: Prompt, picked: set[str]) -> list[Input]:
    """The taps that turn the engine's current selection into the boxes the person ticked."""
    taps = []
    for button in question.buttons:
        ticked = button.input.value in picked
        if ticked != button.selected:
            taps.append(Input(Action.CHOOSE, button.input.value))
    # Taps go in the options' order; what ticking "None of these" and another box together
    # means is the engine's call (an exclusive option clears the others), not this adapter's.
    return taps


def label_for(encoded: str, prompts: Sequence[Prompt]) -> str | None:
    """The words on the button that sends ``encoded``, to show as what the person said."""
    for prompt in prompts:
        for button in (*prompt.buttons, *prompt.controls):
            if button.input.encode() == encoded:
                return button.label
    return None


# --------------------------------------------------------------------------- text → HTML


def text_html(text: str, links: dict[str, tuple[str, str]] | None = None) -> Markup:
    """Plain chat text as HTML: paragraphs, bulleted lists, and links for known commands.

    ``links`` maps a command ("/mydata") to the web page that does the same (href, words),
    so "see what we keep (/mydata)" becomes a link that says "See my answers".
    """
    links = links or {}
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    parts = []
    for block in blocks:
        lines = [line for line in block.split("\n") if line.strip()]
        if len(lines) > 1 and all(_BULLET.match(line) for line in lines):
            items = "".join(
                f"<li>{_inline(_BULLET.sub('', line, count=1), links)}</li>" for line in lines
            )
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append("<p>" + "<br>".join(_inline(line, links) for line in lines) + "</p>")
    return Markup("".join(parts))


def _inline(line: str, links: dict[str, tuple[str, str]]) -> str:
    escaped = str(escape(line.strip()))

    def link(match: re.Match[str]) -> str:
        command = match.group(1)
        if command not in links:
            return command
        href, words = links[command]
        return f'<a href="{escape(href)}">{escape(words)}</a>'

    return _COMMAND_IN_TEXT.sub(link, escaped)


def label_html(label: str) -> Markup:
    """A button label with its emoji hidden from screen readers (the words carry the meaning)."""
    out = []
    for char in label:
        if _is_symbol(char):
            out.append(f'<span aria-hidden="true">{escape(char)}</span>')
        else:
            out.append(str(escape(char)))
    html = "".join(out).replace('</span><span aria-hidden="true">', "")
    return Markup(html)


def _is_symbol(char: str) -> bool:
    category = unicodedata.category(char)
    return category in ("So", "Sk") or char in "\ufe0f\u200d" or 0x1F000 <= ord(char) <= 0x1FAFF
