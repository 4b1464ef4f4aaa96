"""A person using the web chat's plain HTML forms, through aiohttp's test client.

It reads the page as a browser with JavaScript off would: the forms, their hidden fields and
buttons, and the messages in the conversation. It presses buttons by their visible words, so a
test reads like what a person did.
"""

from __future__ import annotations

import html as html_module
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp.test_utils import TestClient


@dataclass
class Form:
    action: str
    classes: str
    hidden: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, words)
    boxes: list[tuple[str, str, bool]] = field(default_factory=list)  # (value, words, checked)
    text_fields: list[str] = field(default_factory=list)


@dataclass
class Message:
    classes: str
    words: str


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.messages: list[Message] = []
        self._form: Form | None = None
        self._button: list[Any] | None = None
        self._label: list[Any] | None = None
        self._msg_depth = 0
        self._depth = 0
        self._msg: Message | None = None
        self.title = ""
        self._in_title = False
        self.links: list[tuple[str, str]] = []
        self._link: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag not in ("input", "br", "meta", "link"):
            self._depth += 1
        if tag == "title":
            self._in_title = True
        if tag == "div" and "msg" in a.get("class", "").split():
            self._msg = Message(a["class"], "")
            self._msg_depth = self._depth
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("class", ""))
            self.forms.append(self._form)
        elif tag == "a":
            self._link = [a.get("href", ""), ""]
        elif tag == "button" and self._form is not None:
            self._button = [a.get("name", ""), a.get("value", ""), ""]
        elif tag == "label" and self._form is not None:
            self._label = [None, "", False]
        elif tag == "input" and self._form is not None:
            kind = a.get("type", "text")
            if kind == "hidden":
                self._form.hidden[a["name"]] = a.get("value", "")
            elif kind == "checkbox" and self._label is not None:
                self._label[0] = a.get("value", "")
                self._label[2] = "checked" in a
            elif kind == "text":
                self._form.text_fields.append(a["name"])
        elif tag == "textarea" and self._form is not None:
            self._form.text_fields.append(a["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "form":
            self._form = None
        elif tag == "a" and self._link is not None:
            self.links.append((self._link[0], " ".join(self._link[1].split())))
            self._link = None
        elif tag == "button" and self._button is not None and self._form is not None:
            name, value, words = self._button
            self._form.buttons.append((name, value, " ".join(words.split())))
            self._button = None
        elif tag == "label" and self._label is not None and self._form is not None:
            if self._label[0] is not None:
                words = " ".join(self._label[1].split())
                self._form.boxes.append((self._label[0], words, self._label[2]))
            self._label = None
        if tag not in ("input", "br", "meta", "link"):
            if self._msg is not None and self._depth == self._msg_depth and tag == "div":
                self._msg.words = " ".join(self._msg.words.split())
                self.messages.append(self._msg)
                self._msg = None
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._button is not None:
            self._button[2] += data
        if self._label is not None:
            self._label[1] += data
        if self._msg is not None:
            self._msg.words += " " + data
        if self._link is not None:
            self._link[1] += data


@dataclass
class Page:
    status: int
    html: str
    forms: list[Form]
    messages: list[Message]
    title: str
    links: list[tuple[str, str]]

    @property
    def plain(self) -> str:
        """The whole page's words, tags removed (to look for text outside the conversation)."""
        return squash(html_module.unescape(re.sub(r"<[^>]+>", " ", self.html)))

    @property
    def text(self) -> str:
        return " ".join(m.words for m in self.messages)

    def button(self, words: str) -> tuple[Form, str, str]:
        """The form and (name, value) of the button whose words contain ``words``.

        The answer's own buttons come before the settings bar's ("Words" is in both).
        """
        ordered = sorted(self.forms, key=lambda f: "settings" in f.classes)
        for form in ordered:
            for name, value, label in form.buttons:
                if words.lower() in label.lower():
                    return form, name, value
        shown = [label for form in self.forms for _, _, label in form.buttons]
        raise AssertionError(f"no button {words!r} on the page; there are {shown}")

    def has_button(self, words: str) -> bool:
        return any(words.lower() in b[2].lower() for f in self.forms for b in f.buttons)

    def question(self) -> str:
        """The words of the last question message."""
        questions = [m for m in self.messages if "kind-question" in m.classes]
        return questions[-1].words if questions else ""


def read(status: int, html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    return Page(status, html, reader.forms, reader.messages, reader.title.strip(), reader.links)


class ChatPerson:
    """Someone with a browser that has JavaScript turned off."""

    def __init__(self, client: TestClient, query: str = "") -> None:
        self.client = client
        self.query = query
        self.page: Page | None = None

    async def open(self, path: str = "/") -> Page:
        response = await self.client.get(path + self.query)
        self.page = read(response.status, await response.text())
        return self.page

    async def post(self, action: str, data: dict[str, Any] | list[tuple[str, str]]) -> Page:
        response = await self.client.post(action, data=data)
        self.page = read(response.status, await response.text())
        return self.page

    async def press(self, words: str, ticks: tuple[str, ...] = ()) -> Page:
        assert self.page is not None
        form, name, value = self.page.button(words)
        data = [(k, v) for k, v in form.hidden.items()]
        if name:
            data.append((name, value))
        for box_value, box_words, _ in form.boxes:
            if any(t.lower() in box_words.lower() for t in ticks):
                data.append(("picked", box_value))
        return await self.post(form.action or "/", data)

    async def type(self, text: str) -> Page:
        assert self.page is not None
        form = next(f for f in self.page.forms if f.text_fields and "typed" in f.classes)
        data = {**form.hidden, form.text_fields[0]: text}
        return await self.post(form.action or "/", data)

    async def start_all_types(self, role: str = "Parent or carer") -> Page:
        """Through the privacy message and the choices about oneself, to the first question."""
        await self.open()
        await self.press("Yes, let's start")
        await self.press(role)
        await self.press("Words")
        await self.press("Every kind of question")
        await self.press("English")
        page = await self.press("My own experience")
        assert "Where does your child learn?" in page.question(), page.text
        return page


def csrf_of(page: Page) -> str:
    return next(f.hidden["csrf"] for f in page.forms if "csrf" in f.hidden)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
