"""Fixtures for the Telegram channel: the fake Bot API and the bot running against it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.harness import TOKEN, BotHarness


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    api = FakeTelegramAPI(TOKEN)
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def make_bot(
    fake: FakeTelegramAPI, database_url: str, tmp_path: Path
) -> AsyncIterator[Callable[..., Any]]:
    """Start the service in a mode (``webhook`` or ``polling``); stopped after the test."""
    started: list[BotHarness] = []

    async def make(mode: str = "webhook", **settings: Any) -> BotHarness:
        bot = BotHarness(fake, database_url, mode, tmp_path, **settings)
        await bot.start()
        started.append(bot)
        return bot

    yield make
    for bot in started:
        await bot.stop()


@pytest.fixture
async def bot(make_bot: Callable[..., Any]) -> BotHarness:
    """The service in webhook mode (production's shape)."""
    return await make_bot("webhook")
