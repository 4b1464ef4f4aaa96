"""PTB's bot with lean calls for the chat's hot path: send a text, change a keyboard.

``Bot.send_message`` turns Telegram's answer back into a :class:`telegram.Message`, about a
hundred attributes set one by one, and the keyboard we sent rebuilt as objects: measured here
at a third of the CPU of the whole call, for a message the survey never reads again. A
question's keyboard is also turned from PTB objects into JSON on every send, though every
person on that question gets the same one (see :func:`bot.telegram._render.keyboard_json`).

:meth:`ChatBot.send_text` goes through the same PTB machinery as ``send_message`` (defaults,
the request layer, Telegram's errors mapped to ``RetryAfter``/``Forbidden``/``BadRequest``)
and returns the new message's id. Everything else still uses PTB's typed methods.

Updates fetched by polling are minimised (:func:`bot.telegram._minimise.minimise`) before PTB
reads them, as webhook updates are: both modes see the same, nameless updates.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.ext import ExtBot

from bot.telegram._minimise import minimise


class ChatBot(ExtBot[None]):
    """:class:`telegram.ext.ExtBot` plus :meth:`send_text` and :meth:`set_keyboard`."""

    async def send_text(
        self,
        chat_id: int,
        text: str,
        reply_markup: InlineKeyboardMarkup | dict[str, Any] | None = None,
    ) -> int:
        """``sendMessage``; returns the message id (the message itself is not parsed).

        ``reply_markup`` may be PTB's object or its JSON (``keyboard_json``), sent as it is.
        """
        data: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if reply_markup is not None:
            data["reply_markup"] = reply_markup
        # ExtBot's own overrides call this protected hook the same way: defaults, rate
        # limiter and error mapping all still apply.
        result = await self._post("sendMessage", data)
        return int(result["message_id"])

    async def set_keyboard(
        self, chat_id: int, message_id: int, reply_markup: dict[str, Any] | None
    ) -> None:
        """``editMessageReplyMarkup`` (the ticks on a multiple-choice question), not parsed."""
        data: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id}
        if reply_markup is not None:
            data["reply_markup"] = reply_markup
        await self._post("editMessageReplyMarkup", data)

    async def _do_post(self, endpoint: str, data: dict[str, Any], **timeouts: Any) -> Any:
        result = await super()._do_post(endpoint, data, **timeouts)
        if endpoint == "getUpdates" and isinstance(result, list):
            return [minimise(update) if isinstance(update, dict) else update for update in result]
        return result
