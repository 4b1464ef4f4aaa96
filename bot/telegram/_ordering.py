"""Handle many people at once, but each person's messages one at a time, in order.

PTB's ``concurrent_updates(True)`` runs every update at once, so a quick double tap from one
person could be taken in either order. This processor gives each person a lane: updates from
different people run concurrently (up to a limit), one person's wait their turn. The survey
service also locks the person's row, so data is safe regardless; the lane keeps the replies
in the order the person sent things.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerPersonInOrder(BaseUpdateProcessor):
    """Concurrent across people, sequential within one person."""

    def __init__(
        self,
        max_concurrent_updates: int,
        on_done: Callable[[object], None] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._lanes: dict[object, tuple[asyncio.Lock, int]] = {}
        self._on_done = on_done

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _person(update)
        lock, users = self._lanes.get(key) or (asyncio.Lock(), 0)
        self._lanes[key] = (lock, users + 1)
        try:
            async with lock:  # take the lane first, so one busy person can't hog the slots
                await super().process_update(update, coroutine)
        except BaseException:
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while queueing: never leave it un-awaited
            raise
        finally:
            lock, users = self._lanes[key]
            if users <= 1:
                del self._lanes[key]
            else:
                self._lanes[key] = (lock, users - 1)
            if self._on_done is not None:
                self._on_done(update)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""


def _person(update: object) -> object:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
    return ("object", id(update))
