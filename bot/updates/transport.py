"""Sending one message through the Telegram Bot API, and saying plainly what happened.

A lean aiohttp client rather than python-telegram-bot's ``Bot`` for the broadcast path: the
sender needs many requests in flight on one connection pool, precise control of timeouts,
and every outcome classified (delivered, try later, blocked, rejected, transient) — without
PTB's per-message object parsing, which costs more than the request at 1,000 messages/s.
The interactive side of the bot still uses python-telegram-bot.

Outcomes::

    Delivered(message_id, file_id)   200
    RetryAfter(seconds)              429 — Telegram asks everyone to slow down
    Unreachable(reason)              403, or 400 "chat not found" / "user is deactivated"
    Rejected(reason)                 any other 400: retrying the same message cannot help
    Transient(reason)                5xx, a network error or a timeout: try again later
    BadConfiguration(reason)         401/404: the token or base URL is wrong
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from bot.updates.render import Message


@dataclass(frozen=True, slots=True)
class Delivered:
    message_id: int | None
    file_id: str | None = None


class SendError(Exception):
    reason: str

    def __init__(self, reason: str) -> None:
        self.reason = reason[:200]
        super().__init__(self.reason)


class RetryAfter(SendError):
    def __init__(self, seconds: float) -> None:
        self.seconds = max(float(seconds), 0.0)
        super().__init__(f"429: retry after {self.seconds:g}s")


class Unreachable(SendError):
    """The person blocked the bot or their account is gone: stop sending to them."""


class Rejected(SendError):
    """Telegram refused this message for good (too long, bad picture…)."""


class Transient(SendError):
    """Worth trying again after a pause."""


class BadConfiguration(SendError):
    """The token or base URL is wrong: no message can go until someone fixes it."""


_GONE = ("chat not found", "user is deactivated", "peer_id_invalid", "bot was blocked")


class Transport(Protocol):
    async def send(self, chat_id: str, message: Message) -> Delivered: ...

    async def close(self) -> None: ...


class BotAPITransport:
    """Sends :class:`~bot.updates.render.Message` objects silently to one chat each."""

    def __init__(
        self,
        token: str,
        base_url: str = "https://api.telegram.org/bot",
        *,
        connections: int = 16,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
    ) -> None:
        self._base = base_url
        self._token = token
        self._connections = connections
        self._timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=connect_timeout)
        self._session: aiohttp.ClientSession | None = None

    def _method_url(self, method: str) -> str:
        if "{token}" in self._base:
            return self._base.format(token=self._token) + "/" + method
        return f"{self._base}{self._token}/{method}"

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, trust_env=False
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, chat_id: str, message: Message) -> Delivered:
        markup = _keyboard(message)
        if message.picture is None:
            payload: dict[str, Any] = {
                "chat_id": chat_id,
                "text": message.text,
                "disable_notification": True,
                "link_preview_options": {"is_disabled": True},
            }
            if markup:
                payload["reply_markup"] = markup
            return await self._call("sendMessage", json_body=payload)
        fields: dict[str, Any] = {
            "chat_id": chat_id,
            "caption": message.text,
            "disable_notification": True,
        }
        if markup:
            fields["reply_markup"] = markup
        if isinstance(message.picture, str):
            fields["photo"] = message.picture
            return await self._call("sendPhoto", json_body=fields)
        form = aiohttp.FormData()
        for name, value in fields.items():
            form.add_field(
                name, json.dumps(value) if isinstance(value, dict | bool) else str(value)
            )
        kind = "image/png" if message.picture.startswith(b"\x89PNG") else "image/jpeg"
        form.add_field("photo", message.picture, filename="picture", content_type=kind)
        return await self._call("sendPhoto", form=form)

    async def _call(
        self,
        method: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        form: aiohttp.FormData | None = None,
    ) -> Delivered:
        try:
            async with self._client().post(
                self._method_url(method), json=json_body, data=form
            ) as response:
                status = response.status
                try:
                    body = await response.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError):
                    body = {}
        except TimeoutError:
            raise Transient("timed out waiting for Telegram") from None
        except aiohttp.ClientError as exc:
            raise Transient(f"network: {type(exc).__name__}") from None
        return _outcome(status, body if isinstance(body, dict) else {})


def _outcome(status: int, body: Mapping[str, Any]) -> Delivered:
    description = str(body.get("description") or f"HTTP {status}")
    if status == 200 and body.get("ok"):
        result = body.get("result") or {}
        photo = result.get("photo") if isinstance(result, dict) else None
        file_id = photo[-1].get("file_id") if isinstance(photo, list) and photo else None
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return Delivered(message_id, file_id)
    parameters = body.get("parameters") or {}
    if status == 429 or "retry_after" in parameters:
        raise RetryAfter(float(parameters.get("retry_after") or 1))
    if status == 403:
        raise Unreachable(f"403: {description}")
    if status == 400:
        if any(words in description.lower() for words in _GONE):
            raise Unreachable(f"400: {description}")
        raise Rejected(f"400: {description}")
    if status in (401, 404):
        raise BadConfiguration(f"{status}: {description} (check TELEGRAM_BOT_TOKEN and base URL)")
    if status >= 500 or status == 0:
        raise Transient(f"{status}: {description}")
    raise Rejected(f"{status}: {description}")


def _keyboard(message: Message) -> dict[str, Any] | None:
    if not message.buttons:
        return None
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row]
            for row in message.buttons
        ]
    }
