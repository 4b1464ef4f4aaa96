"""The Telegram channel: one PTB Application, started and stopped with the aiohttp server.

Webhook mode (production): PTB has no updater of its own; Telegram POSTs each update to
``/telegram`` on our aiohttp server, which hands it to :meth:`TelegramChannel.feed`. Polling
mode (development): PTB's updater asks Telegram for updates. Either way every update goes
through the same per-person ordering and the same handlers.

A webhook request is answered once its update has been handled (or after
``ANSWER_WITHIN`` seconds, when handling carries on in the background): the reply has gone
out before Telegram hears "200", Telegram's own limit on open requests paces the load, and
nothing waits in a memory queue that a crash would lose.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import Application, ApplicationBuilder

from bot.alerts import make_alert_listener
from bot.services import Services
from bot.signposting import load_help_card
from bot.telegram import _updates, _webhook_answer
from bot.telegram._chat import Chat
from bot.telegram._chatbot import ChatBot
from bot.telegram._delivery import RetryPolicy
from bot.telegram._handlers import COMMANDS, register
from bot.telegram._http import AiohttpRequest
from bot.telegram._minimise import minimise
from bot.telegram._ordering import PerPersonInOrder
from bot.telegram._summary import SummaryHandlers
from bot.telegram._voice import VoiceMaker
from bot.telegram.files import file_url
from config.settings import TelegramMode

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
ANSWER_WITHIN = 20.0  # seconds; Telegram gives up on a webhook request after about a minute
_PRUNE_EVERY = 3600.0
_RESTART_DELAYS = (5.0, 15.0, 30.0, 60.0, 300.0)


class TelegramChannel:
    """Builds the bot, runs it for the life of the web app, and takes webhook updates."""

    def __init__(
        self,
        services: Services,
        *,
        voice: VoiceMaker | None = None,
        retry: RetryPolicy | None = None,
        poll_timeout: int = 10,
    ) -> None:
        settings = services.settings
        if not settings.telegram_bot_token:
            raise ValueError("the Telegram channel needs TELEGRAM_BOT_TOKEN")
        self.services = services
        self.mode = settings.telegram_mode
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        self._secret = secret.encode()
        self.poll_timeout = poll_timeout
        self.answer_within = ANSWER_WITHIN
        self._handled: dict[int, asyncio.Event] = {}
        self._in_flight: set[asyncio.Task[None]] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._starter: asyncio.Task[None] | None = None
        self.processor = PerPersonInOrder(settings.telegram_concurrency, on_done=self._done)
        base_url = settings.telegram_api_base_url.rstrip("/")
        bot = ChatBot(
            settings.telegram_bot_token.get_secret_value(),
            base_url=base_url,
            base_file_url=file_url(base_url),
            request=AiohttpRequest(max(64, settings.telegram_concurrency * 2), pool_timeout=10.0),
            get_updates_request=AiohttpRequest(2, read_timeout=poll_timeout + 10),
        )
        builder = ApplicationBuilder().bot(bot).concurrent_updates(self.processor)
        if self.mode is TelegramMode.WEBHOOK:
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.chat = Chat(
            services.survey_service,
            services.wording,
            voice or VoiceMaker(settings.voice_cache_dir),
            retry or RetryPolicy(),
            settings.tz,
        )
        # --- updates (issue 6): /updates, the update buttons, replies to updates ---
        from bot.updates.telegram import UpdatesFeature

        self.features = [UpdatesFeature(self.chat)]
        # --- end updates ---
        register(
            self.application,
            self.chat,
            load_help_card(settings.signposting_file),
            SummaryHandlers(services, self.chat),
            self.features,
        )
        if settings.safeguarding_chat_id is not None:
            services.survey_service.on_alert = make_alert_listener(
                self._tell_safeguarding_chat, settings.public_url
            )

    async def _tell_safeguarding_chat(self, text: str) -> None:
        chat_id = self.services.settings.safeguarding_chat_id
        assert chat_id is not None
        await self.application.bot.send_message(chat_id, text)

    # ------------------------------------------------------------------ webhook

    @property
    def webhook(self) -> bool:
        return self.mode is TelegramMode.WEBHOOK

    @property
    def ready(self) -> bool:
        """Started and taking updates (False while Telegram is still being reached)."""
        return self.application.running

    def secret_matches(self, given: str | None) -> bool:
        """Constant-time check of ``X-Telegram-Bot-Api-Secret-Token``."""
        if not self._secret or given is None:
            return False
        return hmac.compare_digest(given.encode("utf-8", "replace"), self._secret)

    async def feed(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """Handle one update from the webhook, returning when it is done (or taking long).

        Returns the Bot API call to put in the webhook's answer, if one was offered.
        """
        update = Update.de_json(minimise(data), self.application.bot)
        answer, token = _webhook_answer.start()
        try:
            task = asyncio.ensure_future(
                self.processor.process_update(update, self.application.process_update(update))
            )
        finally:
            _webhook_answer.stop(token)
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        try:
            await asyncio.wait_for(asyncio.shield(task), self.answer_within)
        except TimeoutError:
            log.warning(
                "telegram: update %s is slow; answered Telegram, still working",
                data.get("update_id"),
            )
        return answer.close()

    # ------------------------------------------------------------------ tests and tools

    def _done(self, update: object) -> None:
        update_id = getattr(update, "update_id", None)
        if isinstance(update_id, int):
            self._handled.setdefault(update_id, asyncio.Event()).set()
            if len(self._handled) > 10_000:  # keep the most recent only
                for old in list(self._handled)[:5_000]:
                    del self._handled[old]

    async def handled(self, update_id: int, timeout: float = 10.0) -> None:
        """Wait until the update with ``update_id`` has been handled (or ignored)."""
        event = self._handled.setdefault(update_id, asyncio.Event())
        await asyncio.wait_for(event.wait(), timeout)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = self.application
        await app.initialize()  # getMe: fails fast on a wrong token or base URL
        await app.bot.set_my_commands(self._commands())
        for language in self.services.wording.languages("telegram.command.start")[1:]:
            # People whose Telegram is set to this language see the menu in it.
            await app.bot.set_my_commands(self._commands(language), language_code=language)
        settings = self.services.settings
        if self.webhook:
            await app.bot.set_webhook(
                webhook_url(settings.webhook_url or ""),
                secret_token=self._secret.decode(),
                allowed_updates=ALLOWED_UPDATES,
                max_connections=40,
            )
        await app.start()
        if not self.webhook and app.updater is not None:
            await app.updater.start_polling(
                timeout=self.poll_timeout, poll_interval=0, allowed_updates=ALLOWED_UPDATES
            )
        self._spawn(self._prune_regularly())
        self.services.channels["telegram"] = self.mode.value
        log.info("Telegram is on (%s) as @%s", self.mode.value, app.bot.username)

    async def stop(self) -> None:
        self._stopping.set()
        if self._starter is not None:
            self._starter.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._in_flight:
            await asyncio.wait(list(self._in_flight), timeout=self.answer_within)
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await app.bot.shutdown()  # closes the HTTP sessions even if start-up failed half-way

    async def lifespan(self, _: object) -> AsyncIterator[None]:
        """aiohttp ``cleanup_ctx``: start with the server (retrying if Telegram is away)."""
        try:
            await self.start()
        except Exception as exc:  # noqa: BLE001 - the web server must come up regardless
            log.error("Telegram did not start (%s); retrying in the background", exc)
            self.services.channels["telegram"] = "starting"
            self._starter = self._spawn(self._start_later())
        yield
        await self.stop()

    async def _start_later(self) -> None:
        for delay in (*_RESTART_DELAYS, *[_RESTART_DELAYS[-1]] * 1000):
            await asyncio.sleep(delay)
            with contextlib.suppress(Exception):
                await self.application.shutdown()
                await self.application.bot.shutdown()
            try:
                await self.start()
                return
            except Exception as exc:  # noqa: BLE001
                log.error("Telegram did not start (%s); trying again in a while", exc)

    async def _prune_regularly(self) -> None:
        """Forget old update ids now and every hour, until :meth:`stop` (never mid-query)."""
        while not self._stopping.is_set():
            try:
                removed = await _updates.prune(self.services.db)
                if removed:
                    log.info("telegram: forgot %s old update ids", removed)
            except Exception:  # noqa: BLE001 - pruning is housekeeping; try again later
                log.exception("telegram: pruning old update ids failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), _PRUNE_EVERY)

    def _spawn(self, work: Any) -> asyncio.Task[None]:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def _commands(self, language: str = "") -> list[BotCommand]:
        wording = self.services.wording
        names = [*COMMANDS, *(name for feature in self.features for name in feature.commands)]
        return [
            BotCommand(name, wording.say(f"telegram.command.{name}", language)) for name in names
        ]


def webhook_url(configured: str) -> str:
    """``WEBHOOK_URL`` may name the service (``https://x.example``) or the route itself."""
    configured = configured.rstrip("/")
    return configured if configured.endswith(WEBHOOK_PATH) else configured + WEBHOOK_PATH
