"""Fetching a file people sent the bot (a voice note) back from the Telegram Bot API.

Telegram keeps the audio; the store keeps only its ``file_id``. ``getFile`` turns that into a
short-lived path, downloaded from the *file* URL beside the API's (``…/bot`` →
``…/file/bot``, so ``TELEGRAM_API_BASE_URL`` moves both). A lean aiohttp client like the
updates sender's, not PTB's ``Bot``: the dashboard streams the bytes on to a browser without
holding them, and needs the Telegram channel neither running nor in this process.

Each failure is a :class:`FileUnavailable` whose message a member of staff can act on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from config.settings import Settings

CHUNK = 64 * 1024


class FileUnavailable(Exception):
    """The file cannot be had now; ``str()`` says why in plain words, ``reason`` in one."""

    reason = "unavailable"


class NotConfigured(FileUnavailable):
    reason = "not_configured"


class FileGone(FileUnavailable):
    reason = "gone"


class TelegramUnreachable(FileUnavailable):
    reason = "unreachable"


GONE = (
    "Telegram no longer has this recording (it may have been deleted, or the bot's token "
    "changed), so it cannot be played."
)


def file_url(base_url: str) -> str:
    """``https://api.telegram.org/bot`` → ``https://api.telegram.org/file/bot``."""
    head, _, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if head else base_url


@asynccontextmanager
async def _guarded() -> AsyncIterator[None]:
    """Network trouble, said plainly."""
    try:
        yield
    except TimeoutError:
        raise TelegramUnreachable("Telegram did not answer in time. Try again shortly.") from None
    except aiohttp.ClientError:
        raise TelegramUnreachable("Telegram could not be reached. Try again shortly.") from None


class TelegramFiles:
    """``getFile`` and the download, for one bot token and Bot API server."""

    def __init__(self, token: str, base_url: str, *, timeout: float = 20.0) -> None:
        self._token = token
        self._base = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=10)

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramFiles:
        """The client for this service's bot; :class:`NotConfigured` without a token."""
        if (
            settings.telegram_bot_token is None
            or not settings.telegram_bot_token.get_secret_value()
        ):
            raise NotConfigured(
                "Telegram is not set up on this server (TELEGRAM_BOT_TOKEN is not set), so "
                "recordings sent to the bot cannot be fetched here."
            )
        return cls(settings.telegram_bot_token.get_secret_value(), settings.telegram_api_base_url)

    async def locate(self, session: aiohttp.ClientSession, file_id: str) -> str:
        """The file's download path now, from ``getFile``."""
        async with (
            _guarded(),
            session.post(f"{self._base}{self._token}/getFile", json={"file_id": file_id}) as got,
        ):
            try:
                body: Any = await got.json(content_type=None)
            except ValueError:  # not JSON: a proxy's error page, say
                body = None
        result = body.get("result") if isinstance(body, dict) else None
        if got.status == 200 and isinstance(result, dict) and result.get("file_path"):
            return str(result["file_path"])
        if got.status == 400 or got.status == 200:
            raise FileGone(GONE)
        if got.status in (401, 404):
            raise FileUnavailable(
                "Telegram refused this bot's token: check TELEGRAM_BOT_TOKEN and "
                "TELEGRAM_API_BASE_URL."
            )
        raise TelegramUnreachable(
            f"Telegram answered {got.status} when asked for the recording. Try again shortly."
        )

    @asynccontextmanager
    async def open(self, file_id: str) -> AsyncIterator[aiohttp.ClientResponse]:
        """The download, open: read it with ``response.content.iter_chunked``.

        Raises :class:`FileUnavailable` before handing it over, never after.
        """
        async with aiohttp.ClientSession(timeout=self._timeout, trust_env=False) as session:
            path = await self.locate(session, file_id)
            url = f"{file_url(self._base)}{self._token}/{path.lstrip('/')}"
            async with _guarded():
                response = await session.get(url)
            try:
                if response.status == 404:
                    raise FileGone(GONE)
                if response.status != 200:
                    raise TelegramUnreachable(
                        f"Telegram answered {response.status} when the recording was "
                        "downloaded. Try again shortly."
                    )
                yield response  # failures past here are the caller's: it has started
            finally:
                response.release()

    async def available(self, file_id: str) -> None:
        """Raise :class:`FileUnavailable` unless Telegram still has the file."""
        async with aiohttp.ClientSession(timeout=self._timeout, trust_env=False) as session:
            await self.locate(session, file_id)
