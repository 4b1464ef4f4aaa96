"""``POST /telegram``: the secret is checked before anything else, in constant time.

A request without the right ``X-Telegram-Bot-Api-Secret-Token`` is refused with 403 before
its body is read, and logged on the ``security`` logger (with the caller's address, never
what it sent).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.telegram._channel import TelegramChannel

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
security_log = logging.getLogger("security")
log = logging.getLogger(__name__)


def webhook_route(channel: TelegramChannel) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def telegram_webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if not channel.secret_matches(given):
            security_log.warning(
                "telegram webhook: refused a request with %s secret token from %s",
                "no" if given is None else "a wrong",
                request.remote,
            )
            return web.Response(status=403, text="Forbidden")
        if not channel.ready:
            return web.Response(status=503, text="Starting")  # Telegram will send it again
        try:
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.Response(status=400, text="Not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="Not a Telegram update")
        try:
            call = await channel.feed(data)
        except (KeyError, TypeError, ValueError) as exc:
            log.error("telegram webhook: could not read update %s (%s)", data["update_id"], exc)
            return web.Response(status=400, text="Unreadable update")
        if call is not None:
            return web.json_response(call)  # Telegram makes this call (see _webhook_answer)
        return web.Response(text="ok")

    return telegram_webhook
