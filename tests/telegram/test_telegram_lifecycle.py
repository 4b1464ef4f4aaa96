"""The channel's life with the web server: health, a slow Telegram, a missing Telegram."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import pytest

from tests.fakes.telegram_api import message_update
from tests.telegram.harness import BotHarness


async def health(bot: BotHarness) -> dict[str, Any]:
    assert bot.server is not None and bot.http is not None
    async with bot.http.get(bot.server.make_url("/healthz")) as response:
        assert response.status == 200
        return await response.json()


@pytest.mark.parametrize("mode", ["webhook", "polling"])
async def test_health_names_the_telegram_mode(make_bot: Callable[..., Any], mode: str) -> None:
    bot: BotHarness = await make_bot(mode)
    assert (await health(bot))["channels"]["telegram"] == mode


async def test_polling_mode_has_no_webhook_route(make_bot: Callable[..., Any]) -> None:
    bot: BotHarness = await make_bot("polling")
    update = message_update(bot.fake.next_update_id(), 1501, "/start")
    assert await bot.post(update) in (404, 405)
    assert bot.fake.calls_to("deleteWebhook"), "polling clears any webhook first"


async def test_a_slow_update_is_acknowledged_in_time_and_still_handled(bot: BotHarness) -> None:
    assert bot.channel is not None
    bot.channel.answer_within = 0.2
    bot.fake.delay = 1.0  # Telegram takes a second to take each reply
    update = message_update(bot.fake.next_update_id(), 1502, "/start")
    started = asyncio.get_running_loop().time()
    assert await bot.post(update) == 200
    assert asyncio.get_running_loop().time() - started < 0.9, "Telegram is not kept waiting"
    await bot.channel.handled(update["update_id"], timeout=5)
    assert "automated chat" in bot.person(1502).last_text()


async def test_the_web_server_comes_up_even_when_telegram_cannot_be_reached(
    make_bot: Callable[..., Any],
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    bot: BotHarness = await make_bot(
        "webhook", telegram_api_base_url=f"http://127.0.0.1:{closed_port}/bot"
    )
    status = await health(bot)
    assert status["channels"]["telegram"] == "starting"
    assert status["database"] == "ok"
    update = message_update(bot.fake.next_update_id(), 1504, "/start")
    assert await bot.post(update) == 503, "not ready: Telegram keeps the update and retries"


async def test_webhook_mode_without_a_secret_stays_off_and_says_why(
    make_bot: Callable[..., Any],
) -> None:
    bot: BotHarness = await make_bot("webhook", webhook_secret=None)
    telegram = (await health(bot))["channels"]["telegram"]
    assert telegram.startswith("off:") and "WEBHOOK_SECRET" in telegram
    update = message_update(bot.fake.next_update_id(), 1503, "/start")
    assert await bot.post(update) in (404, 405), "no route without a secret"
    assert bot.fake.calls == []
