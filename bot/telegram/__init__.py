"""The Telegram channel (python-telegram-bot v22): ``setup(app)`` adds it to the web server."""

from __future__ import annotations

import logging
import os

# PTB 22 warns on every RetryAfter and voice duration that these become timedeltas in PTB 23
# (even inside its own code); take the future behaviour now. Our code reads both forms.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from aiohttp import web

from bot.telegram._channel import WEBHOOK_PATH, TelegramChannel, webhook_url
from bot.telegram._delivery import RetryPolicy
from bot.telegram._voice import VoiceMaker

__all__ = ["TELEGRAM", "RetryPolicy", "TelegramChannel", "VoiceMaker", "setup", "webhook_url"]

log = logging.getLogger(__name__)

TELEGRAM = web.AppKey("telegram", TelegramChannel)


def setup(app: web.Application, channel: TelegramChannel | None = None) -> None:
    """Run the bot with ``app``: the webhook route (webhook mode) and start/stop with it."""
    from bot.app import SERVICES

    services = app[SERVICES]
    settings = services.settings
    if settings.telegram_mode == "webhook":
        problems = [p for p in settings.check_for_production() if "WEBHOOK" in p]
        if problems:
            for problem in problems:
                log.error("Telegram is off: %s", problem)
            services.channels["telegram"] = "off: " + "; ".join(problems)
            return
    channel = channel or TelegramChannel(services)
    app[TELEGRAM] = channel
    services.channels["telegram"] = "starting"
    if channel.webhook:
        from bot.telegram._webhook import webhook_route

        app.router.add_post(WEBHOOK_PATH, webhook_route(channel))
    app.cleanup_ctx.append(channel.lifespan)
