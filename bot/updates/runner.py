"""Running the sender inside the web process (the default), for the life of the server.

With several web processes each runs a sender; on PostgreSQL they share the outbox without
sending anything twice. Set ``UPDATES_SENDER_IN_WEB=false`` to run the sender as its own
process instead (``python -m bot updates sender``, e.g. a Procfile ``worker:``). Note that
the rate limit is per sender: with N senders, set ``UPDATES_RATE`` to the total divided by N.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.updates.sender import Sender, SenderConfig
from bot.updates.transport import BotAPITransport

log = logging.getLogger(__name__)

_RESTART_AFTER = 10.0


def setup(app: web.Application) -> None:
    """Start the sender with the server when Telegram is on and the setting allows."""
    from bot.app import SERVICES

    settings = app[SERVICES].settings
    if settings.telegram_enabled and settings.updates_sender_in_web:
        app.cleanup_ctx.append(_sender_lifespan)


async def _sender_lifespan(app: web.Application) -> AsyncIterator[None]:
    from bot.app import SERVICES

    services = app[SERVICES]
    settings = services.settings
    assert settings.telegram_bot_token is not None
    config = SenderConfig.from_settings(settings)
    transport = BotAPITransport(
        settings.telegram_bot_token.get_secret_value(),
        settings.telegram_api_base_url,
        connections=config.concurrency,
    )
    sender = Sender(services.db, transport, services.wording, config)
    stop = asyncio.Event()
    task = asyncio.create_task(_keep_running(sender, stop))
    services.channels["updates"] = "sending"
    services.extras["updates_sender"] = sender
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, timeout=config.shutdown_grace + 5)
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await transport.close()


async def _keep_running(sender: Sender, stop: asyncio.Event) -> None:
    """The sender must outlive a database hiccup: restart it after a pause."""
    while not stop.is_set():
        try:
            await sender.run(stop)
        except Exception:
            log.exception("the updates sender stopped; starting it again shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=_RESTART_AFTER)
