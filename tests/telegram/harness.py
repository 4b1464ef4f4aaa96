"""Drive the real service — aiohttp app, PTB Application, survey service, database — as a
Telegram user would, against the fake Bot API server. Nothing in the bot is mocked: updates
reach it over HTTP (webhook) or through PTB's own getUpdates loop (polling), and what it says
is read from the calls the fake server received.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from bot.app import create_app
from bot.services import Services, build_services
from bot.telegram import TELEGRAM, TelegramChannel
from config.settings import Settings, TelegramMode
from tests.fakes.telegram_api import (
    Call,
    FakeTelegramAPI,
    callback_update,
    message_update,
)

TOKEN = "123456:TEST-TOKEN"
SECRET = "test-secret_0123456789"
SURVEYS = Path(__file__).resolve().parent.parent / "fixtures" / "surveys"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Shown:
    """A message the bot sent, as the person's app would show it now (after edits)."""

    message_id: int
    text: str
    keyboard: list[list[dict[str, Any]]] = field(default_factory=list)


class BotHarness:
    """The whole service in one mode over one database; can be stopped and started again."""

    def __init__(
        self, fake: FakeTelegramAPI, database_url: str, mode: str, tmp_path: Path, **more: Any
    ) -> None:
        self.fake = fake
        self.database_url = database_url
        self.mode = TelegramMode(mode)
        self.tmp_path = tmp_path
        self.more = more
        self.server: TestServer | None = None
        self.services: Services | None = None
        self.channel: TelegramChannel | None = None
        self.http: aiohttp.ClientSession | None = None

    def settings(self) -> Settings:
        values: dict[str, Any] = {
            "database_url": self.database_url,
            "telegram_bot_token": SecretStr(TOKEN),
            "telegram_api_base_url": self.fake.base_url,
            "telegram_mode": self.mode,
            "webhook_url": "https://bot.example.org",
            "webhook_secret": SecretStr(SECRET),
            "pseudonym_key": SecretStr("test-pseudonym-key"),
            "surveys_dir": SURVEYS,
            "voice_cache_dir": self.tmp_path / "voice-cache",
            **self.more,
        }
        return Settings(**values)

    async def start(self) -> None:
        self.services = build_services(self.settings())
        app = create_app(self.services)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        self.channel = app.get(TELEGRAM)
        self.http = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.close()
        if self.server is not None:
            await self.server.close()
        self.server = self.channel = self.services = self.http = None

    async def restart(self) -> None:
        """A new process, as far as the bot can tell: new Application, app and services."""
        await self.stop()
        await self.start()

    # ------------------------------------------------------------------ updates in

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        """POST an update to the webhook route over HTTP; returns the status.

        As Telegram does, a method call in a 200 response is made (by the fake Bot API).
        """
        assert self.server is not None and self.http is not None
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        url = self.server.make_url("/telegram")
        async with self.http.post(url, data=json.dumps(update), headers=headers) as response:
            if response.status == 200:
                self.fake.webhook_answered(await response.read(), response.content_type)
            return response.status

    async def deliver(self, update: dict[str, Any]) -> None:
        """Hand an update to the bot the way Telegram would in this mode; wait till handled."""
        assert self.channel is not None
        if self.mode is TelegramMode.WEBHOOK:
            status = await self.post(update)
            assert status == 200, f"webhook answered {status}"
        else:
            await self.fake.updates.put(update)
            await self.channel.handled(update["update_id"])
        assert self.services is not None
        await self.services.survey_service.drain()

    def person(self, user_id: int) -> Person:
        return Person(self, user_id)


class Person:
    """One Telegram user talking to the bot."""

    def __init__(self, bot: BotHarness, user_id: int) -> None:
        self.bot = bot
        self.user_id = user_id

    @property
    def fake(self) -> FakeTelegramAPI:
        return self.bot.fake

    async def send(self, text: str | None = None, **content: Any) -> dict[str, Any]:
        update = message_update(self.fake.next_update_id(), self.user_id, text, **content)
        await self.bot.deliver(update)
        return update

    async def edit(self, text: str) -> None:
        update = message_update(self.fake.next_update_id(), self.user_id, text)
        update["edited_message"] = update.pop("message")
        update["edited_message"]["edit_date"] = update["edited_message"]["date"] + 5
        await self.bot.deliver(update)

    async def tap(self, label: str, on: Shown | None = None) -> None:
        """Tap the button whose words are ``label`` (or contain it) on the newest keyboard."""
        shown = on or self.with_keyboard()
        assert shown is not None, "no keyboard on screen"
        button = _find(shown.keyboard, label)
        update = callback_update(
            self.fake.next_update_id(),
            self.user_id,
            button["callback_data"],
            message_id=shown.message_id,
            text=shown.text,
        )
        await self.bot.deliver(update)

    # ------------------------------------------------------------------ what they see

    def calls(self) -> list[Call]:
        return [c for c in self.fake.calls if _chat(c) == self.user_id]

    def screen(self) -> list[Shown]:
        """Messages sent to this person, oldest first, with keyboards as edited since."""
        shown: dict[int, Shown] = {}
        for call in self.calls():
            if call.method in ("sendMessage", "sendVoice") and isinstance(call.result, dict):
                markup = call.params.get("reply_markup") or {}
                shown[call.result["message_id"]] = Shown(
                    call.result["message_id"],
                    call.params.get("text", ""),
                    markup.get("inline_keyboard", []),
                )
            elif call.method == "editMessageReplyMarkup":
                message = shown.get(int(call.params["message_id"]))
                if message is not None:
                    markup = call.params.get("reply_markup") or {}
                    message.keyboard = markup.get("inline_keyboard", [])
        return list(shown.values())

    def texts(self) -> list[str]:
        return [m.text for m in self.screen() if m.text]

    def last_text(self) -> str:
        return self.texts()[-1]

    def with_keyboard(self) -> Shown | None:
        return next((m for m in reversed(self.screen()) if m.keyboard), None)

    def labels(self) -> list[str]:
        shown = self.with_keyboard()
        return [b["text"] for row in (shown.keyboard if shown else []) for b in row]

    def since(self, count: int) -> list[str]:
        """Texts sent after the first ``count`` (use with ``len(person.texts())``)."""
        return self.texts()[count:]


def _chat(call: Call) -> int | None:
    try:
        return int(call.params.get("chat_id", 0))
    except (TypeError, ValueError):
        return None


def _find(keyboard: list[list[dict[str, Any]]], label: str) -> dict[str, Any]:
    buttons = [b for row in keyboard for b in row]
    exact = [b for b in buttons if b["text"] == label or _plain(b["text"]) == label]
    if exact:
        return exact[0]
    partial = [b for b in buttons if label.lower() in b["text"].lower()]
    assert len(partial) == 1, f"{label!r} matches {[b['text'] for b in partial]} in {buttons}"
    return partial[0]


def _plain(label: str) -> str:
    """A button's words without its number, emoji or tick: "4. 🙂 Good ✅" → "Good"."""
    words = re.sub(r"^\d+\.\s*", "", label)
    words = "".join(ch for ch in words if unicodedata.category(ch) not in ("So", "Sk"))
    return words.strip()
